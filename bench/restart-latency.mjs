// bench/restart-latency: a service that exits at once, restarted with no delay (or each
// supervisor's minimum): time from its exit to the next start, p50/p99. Both ends are
// stamped by the service itself (bench/c/stamp.c, CLOCK_MONOTONIC), so nothing watches
// the supervisor while it works. The limit is a bare C fork+exec+wait loop.
//   node bench/restart-latency.mjs [RESTARTS]
import { join } from "node:path";
import { percentile, readStamps, run, sleep, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { pm2, runit, s6, steward, supervisord } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const restarts = Number(process.argv[2] ?? 1000);
const base = { figure: "restart-latency", unit: "ms", services: 1, better: "lower" };
const skipRows = [{ metric: "p50" }, { metric: "p99" }];

/** Latencies (ms) from each exit stamp to the start stamp after it. */
function latencies(file) {
  const stamps = readStamps(file).sort((a, b) => (a.ns < b.ns ? -1 : 1));
  const out = [];
  for (let i = 1; i < stamps.length; i++) {
    if (stamps[i].kind === "S" && stamps[i - 1].kind === "E") out.push(Number(stamps[i].ns - stamps[i - 1].ns) / 1e6);
  }
  return out.slice(0, restarts);
}

function rows(subject, samples, note) {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error("no restart was seen");
  return ["p50", "p99"].map((metric) =>
    row({ ...base, subject, metric, value: percentile(sorted, metric === "p50" ? 50 : 99), samples: sorted.length, note }),
  );
}

/** Lets the supervisor restart the service until `restarts` are stamped or `capMs` passes. */
async function collect(file, capMs) {
  await waitFor(() => latencies(file).length >= restarts, { timeoutMs: capMs, everyMs: 100 });
  return latencies(file);
}

const notes = {
  s6: "1 s pause before restarting a service that died within 1 s, by design; sampled for 12 s",
  runit: "1 s pause before restarting a service that died within 1 s, by design; sampled for 12 s",
  supervisord: "autorestart=true, startsecs=0: restarted on the next 1 s main-loop tick; sampled for 12 s",
};

const service = (ws, file) => ({ name: "flap", argv: [ws.build("stamp"), file, "exit"], mode: "simple", restart: "always" });

await runFigure("restart-latency", base, [
  {
    subject: "limit",
    skipRows,
    async measure(ws) {
      const file = join(ws.dir, "limit.stamps");
      await run([ws.build("fork-exec-loop"), String(restarts + 1), ws.build("stamp"), file, "exit"], { timeoutMs: 60_000 });
      return rows("limit", latencies(file), "bare C fork+exec+waitpid loop");
    },
  },
  {
    subject: "steward",
    available: steward.available,
    skipRows,
    async measure(ws) {
      const file = join(ws.dir, "steward.stamps");
      const up = await steward.up(ws, [service(ws, file)]);
      try {
        return rows("steward", await collect(file, 60_000), "Restart=always, RestartSec=0, StartLimitIntervalSec=0");
      } finally {
        await up.shutdown();
      }
    },
  },
  {
    subject: "pm2",
    available: pm2.available,
    skipRows,
    async measure(ws) {
      const file = join(ws.dir, "pm2.stamps");
      const up = await pm2.up(ws, [service(ws, file)]);
      try {
        return rows("pm2", await collect(file, 60_000), "fork mode, autorestart, min_uptime 0, no restart_delay");
      } finally {
        await up.shutdown();
      }
    },
  },
  ...[s6, runit, supervisord].map((peer) => ({
    subject: peer.name,
    available: peer.available,
    skipRows,
    async measure(ws) {
      const file = join(ws.dir, `${peer.name}.stamps`);
      const up = await peer.up(ws, [service(ws, file)]);
      try {
        // s6-supervise and runsv pause 1 s before restarting a service that died within
        // its first second (by design); supervisord restarts on its next 1 s main-loop
        // tick. 12 s of each are enough to see it.
        await sleep(12_000);
        return rows(peer.name, latencies(file), notes[peer.name]);
      } finally {
        await up.shutdown();
      }
    },
  })),
]);
