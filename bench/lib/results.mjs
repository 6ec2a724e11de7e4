// The results format every benchmark writes, and its three renderings.
//   {"machine": {...}, "figures": [{figure, subject, metric, value, unit, services, variant, mode, better, samples, note}]}
// figure: restart-latency | readiness-latency | start-many | footprint | idle-cost |
//         cli-latency | notify-throughput | restart-under-load | reap
// subject: "steward", a peer's name, or "limit" (the bare C loop: the physical limit).
// value: a number, or null when the subject was skipped (note says why).
// better: "lower" or "higher": which way is good, for the ratio to the best peer.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { benchDir } from "./common.mjs";
import { renderSvg } from "./svg.mjs";

export const resultsDir = join(benchDir, "results");

export function machine() {
  const cpuList = cpus();
  let commit = null;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: benchDir, encoding: "utf8" }).trim();
  } catch {
    commit = null;
  }
  return {
    cpu: cpuList[0]?.model ?? "unknown",
    cores: cpuList.length,
    kernel: release(),
    node: process.version,
    date: new Date().toISOString(),
    commit,
  };
}

/** One figure's rows; `row()` fills the fields a reader may rely on with null. */
export function row(fields) {
  return {
    figure: fields.figure,
    subject: fields.subject,
    metric: fields.metric,
    value: fields.value ?? null,
    unit: fields.unit,
    services: fields.services ?? null,
    variant: fields.variant ?? null,
    mode: fields.mode ?? null,
    better: fields.better ?? "lower",
    samples: fields.samples ?? null,
    note: fields.note ?? null,
  };
}

export function skipped(fields, reason) {
  return row({ ...fields, value: null, samples: null, note: `skipped: ${reason}` });
}

const keyOf = (r) => [r.figure, r.metric, r.services, r.variant, r.mode].join("\u0000");

/** For each steward row, value relative to the best peer (not the limit) on the same measure. */
export function ratios(rows) {
  const best = new Map();
  for (const r of rows) {
    if (r.subject === "steward" || r.subject === "limit" || r.value === null) continue;
    const k = keyOf(r);
    const current = best.get(k);
    const better = r.better === "higher" ? r.value > (current?.value ?? -Infinity) : r.value < (current?.value ?? Infinity);
    if (!current || better) best.set(k, r);
  }
  return best;
}

function format(value) {
  if (value === null) return "–";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function ratioText(r, best) {
  const peer = best.get(keyOf(r));
  if (r.subject !== "steward" || r.value === null || !peer || peer.value === 0) return "";
  const ratio = r.value / peer.value;
  return `${ratio.toFixed(2)}x ${peer.subject}`;
}

/** The limit's row on the same measure as `r`, for "steward vs limit". */
function limitText(r, rows) {
  if (r.subject !== "steward" || r.value === null) return "";
  const limit = rows.find((x) => x.subject === "limit" && x.value !== null && keyOf(x) === keyOf(r));
  return limit && limit.value !== 0 ? `${(r.value / limit.value).toFixed(2)}x` : "";
}

function tableRows(rows) {
  const best = ratios(rows);
  return rows.map((r) => [
    r.figure,
    [r.metric, r.services === null ? null : `${r.services} svc`, r.variant, r.mode].filter((x) => x !== null).join(", "),
    r.subject,
    r.value === null ? "–" : `${format(r.value)} ${r.unit}`,
    ratioText(r, best),
    limitText(r, rows),
    [r.samples === null ? null : `n=${r.samples}`, r.note].filter(Boolean).join("; "),
  ]);
}

const HEAD = ["figure", "measure", "subject", "value", "steward vs best peer", "steward vs limit", "notes"];

export function textTable(rows) {
  const body = tableRows(rows);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(HEAD), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

export function markdownTable(rows) {
  const esc = (s) => s.replaceAll("|", "\\|");
  return [`| ${HEAD.join(" | ")} |`, `|${HEAD.map(() => "---").join("|")}|`, ...tableRows(rows).map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

/** What a script does at its end: print the table and write results/NAME.json. */
export function report(name, rows, lines = []) {
  console.log(textTable(rows));
  for (const l of lines) console.log(l);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify({ machine: machine(), figures: rows }, null, 2)}\n`);
}

/** bench/run.mjs: merge the scripts' files into latest.{json,md,svg}. */
export function writeLatest(names) {
  const rows = [];
  for (const name of names) {
    const file = join(resultsDir, `${name}.json`);
    if (existsSync(file)) rows.push(...JSON.parse(readFileSync(file, "utf8")).figures);
  }
  const m = machine();
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify({ machine: m, figures: rows }, null, 2)}\n`);
  const header = `Machine: ${m.cpu}, ${m.cores} cores, Linux ${m.kernel}, Node ${m.node}, ${m.date}${m.commit ? `, steward ${m.commit}` : ""}.\n\n`;
  writeFileSync(join(resultsDir, "latest.md"), `${header}${markdownTable(rows)}\n`);
  writeFileSync(join(resultsDir, "latest.svg"), renderSvg(rows, m));
  return rows;
}
