// bench/start-many: 100 and 1,000 services started at once, time until all are running
// (sleep-like: each has exec'd, by its own start stamp) or ready (Type=notify: the
// supervisor has taken every readiness notice: steward's `up` reports READY=1 when its
// start jobs are done; s6-svwait -U -a returns for s6). The clock starts when the
// supervisor is launched with the services configured.
//   node bench/start-many.mjs [COUNTS]      e.g. 100,1000
import { existsSync } from "node:fs";
import { join } from "node:path";
import { nowNs, readStamps, run, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { pm2, runit, s6, steward, supervisord } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const counts = (process.argv[2] ?? "100,1000").split(",").map(Number);
const capMs = 90_000;
const base = { figure: "start-many", metric: "time to all", unit: "ms", better: "lower" };

const services = (ws, file, count, mode) =>
  Array.from({ length: count }, (_, i) => ({ name: `svc${i}`, argv: [ws.build("stamp"), file, mode === "notify" ? "notify" : "sleep"], mode }));

/** ns of the stamp that made `count` distinct services started, or null at the cap. */
async function allStarted(file, count) {
  return waitFor(
    () => {
      const starts = readStamps(file).filter((s) => s.kind === "S");
      if (starts.length < count) return null;
      return starts.reduce((max, s) => (s.ns > max ? s.ns : max), 0n);
    },
    { timeoutMs: capMs, everyMs: 20 },
  );
}

function result(subject, count, mode, ns, began, note) {
  if (ns === null) return row({ ...base, subject, services: count, mode, value: null, note: `not all ${mode === "notify" ? "ready" : "running"} within ${capMs / 1000} s` });
  return row({ ...base, subject, services: count, mode, value: Number(ns - began) / 1e6, note });
}

const cases = counts.flatMap((count) => ["simple", "notify"].map((mode) => ({ count, mode })));
const skipRows = (modes = ["simple", "notify"]) => counts.flatMap((services) => modes.map((mode) => ({ services, mode })));

await runFigure("start-many", base, [
  {
    subject: "steward",
    available: steward.available,
    skipRows: skipRows(),
    async measure(ws) {
      const out = [];
      for (const { count, mode } of cases) {
        const file = join(ws.dir, `steward-${count}-${mode}.stamps`);
        const up = await steward.up(ws, services(ws, file, count, mode), { tag: `steward-${count}-${mode}`, waitMs: capMs });
        try {
          // `up` says READY=1 once every start job is done: for notify, once every
          // service's READY=1 was taken; for simple, once every process was spawned.
          const ns = mode === "notify" ? up.began + BigInt(Math.round(up.upMs * 1e6)) : await allStarted(file, count);
          out.push(result("steward", count, mode, ns, up.began, mode === "notify" ? "Type=notify; until `up` reports its start jobs done" : "Type=simple; until every service has exec'd"));
        } finally {
          await up.shutdown();
          await ws.cleanup(false);
        }
      }
      return out;
    },
  },
  ...[pm2, supervisord, runit].map((peer) => ({
    subject: peer.name,
    available: peer.available,
    skipRows: skipRows(["simple"]),
    async measure(ws) {
      const out = [];
      for (const { count, mode } of cases.filter((c) => c.mode === "simple")) {
        const file = join(ws.dir, `${peer.name}-${count}.stamps`);
        const up = await peer.up(ws, services(ws, file, count, mode), { tag: `${peer.name}-${count}`, waitMs: capMs });
        try {
          out.push(result(peer.name, count, mode, await allStarted(file, count), up.began, "until every service has exec'd"));
        } finally {
          await up.shutdown();
          await ws.cleanup(false);
        }
      }
      for (const services of counts) out.push(row({ ...base, subject: peer.name, services, mode: "notify", value: null, note: `skipped: ${peer.name} has no readiness protocol for a non-Node service` }));
      return out;
    },
  })),
  {
    subject: "s6",
    available: s6.available,
    skipRows: skipRows(),
    async measure(ws) {
      const out = [];
      for (const { count, mode } of cases) {
        const file = join(ws.dir, `s6-${count}-${mode}.stamps`);
        const list = services(ws, file, count, mode);
        const up = await s6.up(ws, list, { tag: `s6-${count}-${mode}` });
        try {
          if (mode === "simple") {
            out.push(result("s6", count, mode, await allStarted(file, count), up.began, "until every service has exec'd"));
            continue;
          }
          // s6-svwait needs each s6-supervise listening; then it returns once all are up and ready.
          const dirs = list.map((s) => join(up.scan, s.name));
          await waitFor(() => dirs.every((d) => existsSync(join(d, "supervise", "control"))), { timeoutMs: capMs, everyMs: 5 });
          const waited = await run(["s6-svwait", "-U", "-a", "-t", String(capMs), ...dirs], { timeoutMs: capMs + 5000 });
          const ns = waited.code === 0 ? nowNs() : null;
          out.push(result("s6", count, mode, ns, up.began, "notification-fd; until s6-svwait -U -a returns"));
        } finally {
          await up.shutdown();
          await ws.cleanup(false);
        }
      }
      return out;
    },
  },
]);
