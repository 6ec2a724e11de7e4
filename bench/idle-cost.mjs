// bench/idle-cost: with 100 idle sleep-like services, the supervisor's own CPU time over
// a 30 s window (all threads, from /proc/PID/task/*/schedstat: ns resolution) and how
// many times its threads were scheduled in (wake-ups). Every supervisor is up at once
// and measured over the same window, which opens 15 s after the last one came up. A
// supervisor with no periodic timers wakes 0 times.
//   node bench/idle-cost.mjs [SECONDS] [SERVICES]
import { cpuOf, sleep } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { pm2, runit, s6, selected, steward, supervisord, upAndRunning } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const seconds = Number(process.argv[2] ?? 30);
const count = Number(process.argv[3] ?? 100);
const settleSeconds = 15;
const base = { figure: "idle-cost", services: count, better: "lower" };
const metrics = [
  { metric: `CPU time in ${seconds} s`, unit: "ms" },
  { metric: `wake-ups in ${seconds} s`, unit: "" },
];
const peers = [steward, pm2, supervisord, s6, runit].filter((p) => selected(p.name));

await runFigure("idle-cost", base, [
  {
    subject: "all",
    skipRows: [],
    async measure(ws) {
      const ups = [];
      const out = [];
      try {
        for (const peer of peers) {
          const reason = peer.available();
          if (reason) {
            out.push(...metrics.map((m) => row({ ...base, ...m, subject: peer.name, note: `skipped: ${reason}` })));
            continue;
          }
          console.error(`idle-cost: bringing up ${count} services under ${peer.name}`);
          ups.push(await upAndRunning(peer, ws, count));
        }
        // Start-up work is over, including the garbage collection V8 runs some seconds
        // after a burst of allocation (its "memory reducer"): not an idle cost.
        await sleep(settleSeconds * 1000);
        const before = ups.map((up) => up.managerPids().map(cpuOf));
        await sleep(seconds * 1000);
        const after = ups.map((up) => up.managerPids().map(cpuOf));
        ups.forEach((up, i) => {
          const sum = (list, key) => list.reduce((s, x) => s + x[key], 0);
          const note = up.managerPids().length > 1 ? `${up.managerPids().length} processes` : null;
          out.push(row({ ...base, ...metrics[0], subject: up.name, value: sum(after[i], "cpuMs") - sum(before[i], "cpuMs"), note }));
          out.push(row({ ...base, ...metrics[1], subject: up.name, value: sum(after[i], "runs") - sum(before[i], "runs"), note }));
        });
        return out;
      } finally {
        for (const up of ups) await up.shutdown();
      }
    },
  },
]);
