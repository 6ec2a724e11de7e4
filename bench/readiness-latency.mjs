// bench/readiness-latency: a Type=notify service `a` says READY=1; `b` (After=/Requires=a)
// is started because of it: time from a's READY=1 (stamped by a just before it sends)
// to b's exec (stamped by b). The limit is a bare C loop: recvmsg the READY=1, then
// fork+exec the dependent. s6 gates b on a with `s6-svwait -U` in b's run script.
//   node bench/readiness-latency.mjs [ROUNDS]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, percentile, readStamps, run, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { s6, steward } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const rounds = Number(process.argv[2] ?? 200);
const base = { figure: "readiness-latency", unit: "ms", services: 2, better: "lower" };
const skipRows = [{ metric: "p50" }, { metric: "p99" }];

/** For each R stamp (a ready), the first S stamp after it from another process (b). */
function latencies(file, readyPids) {
  const stamps = readStamps(file).sort((x, y) => (x.ns < y.ns ? -1 : 1));
  const out = [];
  for (let i = 0; i < stamps.length; i++) {
    if (stamps[i].kind !== "R" || (readyPids && !readyPids(stamps[i].pid))) continue;
    const next = stamps.slice(i + 1).find((s) => s.kind === "S" && s.pid !== stamps[i].pid);
    if (next) out.push(Number(next.ns - stamps[i].ns) / 1e6);
  }
  return out;
}

function rows(subject, samples, note) {
  const sorted = [...samples].sort((x, y) => x - y);
  if (sorted.length === 0) throw new Error("no readiness was seen");
  return ["p50", "p99"].map((metric) => row({ ...base, subject, metric, value: percentile(sorted, metric === "p50" ? 50 : 99), samples: sorted.length, note }));
}

const unsupported = (name, why) => ({ subject: name, available: () => why, skipRows });

await runFigure("readiness-latency", base, [
  {
    subject: "limit",
    skipRows,
    async measure(ws) {
      const file = join(ws.dir, "limit.stamps");
      await run([ws.build("ready-limit"), String(rounds), ws.build("stamp"), file], { timeoutMs: 60_000 });
      return rows("limit", latencies(file), "bare C: recvmsg READY=1, then fork+exec");
    },
  },
  {
    subject: "steward",
    available: steward.available,
    skipRows,
    async measure(ws) {
      const file = join(ws.dir, "steward.stamps");
      const stamp = ws.build("stamp");
      const up = await steward.up(
        ws,
        [
          { name: "a", argv: [stamp, file, "notify"], mode: "notify" },
          { name: "b", argv: [stamp, file, "sleep"], mode: "simple", after: ["a"] },
        ],
        { autostart: false },
      );
      try {
        const { ApiClient } = await import(join(cli, "..", "..", "api", "client.js"));
        const api = new ApiClient(join(up.runtime, "control.sock"));
        for (let i = 0; i < rounds; i++) {
          const started = await api.submit({ action: "start", units: ["b.service"] });
          if (!started.ok) throw new Error(`start b: ${started.message}`);
          await api.submit({ action: "stop", units: ["b.service", "a.service"] });
        }
        return rows("steward", latencies(file), "b: After=a, Requires=a; a: Type=notify; each round `start b`, then stop both, over the API");
      } finally {
        await up.shutdown();
      }
    },
  },
  {
    subject: "s6",
    available: s6.available,
    skipRows,
    async measure(ws) {
      const file = join(ws.dir, "s6.stamps");
      const stamp = ws.build("stamp");
      const s6Rounds = Math.min(rounds, 50);
      const up = await s6.up(ws, [
        { name: "a", argv: [stamp, file, "notify"], mode: "notify" },
        { name: "b", argv: [stamp, file, "sleep"], mode: "simple", runScript: `#!/bin/sh\ns6-svwait -U ../a || exit 1\nexec ${stamp} ${file} sleep\n` },
      ]);
      const a = join(up.scan, "a");
      const b = join(up.scan, "b");
      try {
        await waitFor(() => readStamps(file).some((s) => s.kind === "R"), { timeoutMs: 10_000 });
        // Each round: both down, then b up (it waits on a) and a up; b starts on a's readiness.
        for (let i = 0; i < s6Rounds; i++) {
          await run(["s6-svc", "-d", b], { timeoutMs: 5000 });
          await run(["s6-svc", "-d", a], { timeoutMs: 5000 });
          await run(["s6-svwait", "-D", "-t", "5000", a, b], { timeoutMs: 6000 });
          await run(["s6-svc", "-u", b], { timeoutMs: 5000 });
          await run(["s6-svc", "-u", a], { timeoutMs: 5000 });
          await run(["s6-svwait", "-U", "-t", "5000", a], { timeoutMs: 6000 });
          await run(["s6-svwait", "-u", "-t", "5000", b], { timeoutMs: 6000 });
        }
        // The first R came at start-up, before b was gated on it: count only the rounds.
        return rows("s6", latencies(file).slice(1), `notification-fd for a; b's run script: s6-svwait -U ../a && exec; ${s6Rounds} rounds`);
      } finally {
        await up.shutdown();
      }
    },
  },
  unsupported("pm2", "PM2 has no dependencies between processes, and readiness (wait_ready) only for Node scripts"),
  unsupported("supervisord", "supervisord has no readiness protocol and no dependencies (only priority order)"),
  unsupported("runit", "runit has no readiness protocol (a run script may poll `sv check`, which polls a ./check script)"),
]);
