// bench/footprint: the supervisor's own resident memory (RSS, summed over all of its
// processes: s6-svscan + one s6-supervise per service, runsvdir + one runsv each, PM2's
// daemon, supervisord, steward's manager) with 0, 100 and 1,000 sleep-like services
// running, and the cost per service. Services' own memory is not counted. RSS counts
// shared pages (libc) once per process; PSS splits them among the processes sharing
// them, which is the fair sum for the one-process-per-service supervisors.
// Also, as a container entrypoint with one child: steward run, tini, dumb-init.
//   node bench/footprint.mjs [COUNTS]      e.g. 0,100,1000
import { join } from "node:path";
import { cli, pssKb, readStamps, rssKb, sleep, start, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { pm2, runit, s6, steward, supervisord, upAndRunning } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";
import { existsSync } from "node:fs";

const counts = (process.argv[2] ?? "0,100,1000").split(",").map(Number);
const base = { figure: "footprint", unit: "MB", better: "lower" };
const skipRows = [...counts.flatMap((services) => [{ metric: "RSS", services }, { metric: "PSS", services }]), { metric: "PSS per service", services: Math.max(...counts) }];

function measureManager(peer) {
  return {
    subject: peer.name,
    available: peer.available,
    skipRows,
    async measure(ws) {
      const out = [];
      const pssByCount = new Map();
      for (const count of counts) {
        const up = await upAndRunning(peer, ws, count);
        try {
          await sleep(2000); // let start-up garbage settle
          const pids = up.managerPids();
          const kb = pids.reduce((sum, pid) => sum + rssKb(pid), 0);
          const pss = pids.reduce((sum, pid) => sum + pssKb(pid), 0);
          pssByCount.set(count, pss);
          const note = pids.length > 1 ? `${pids.length} processes` : null;
          out.push(row({ ...base, subject: peer.name, metric: "RSS", services: count, value: kb / 1024, note }));
          out.push(row({ ...base, subject: peer.name, metric: "PSS", services: count, value: pss / 1024, note }));
        } finally {
          await up.shutdown();
          await ws.cleanup(false);
        }
      }
      const low = Math.min(...counts);
      const high = Math.max(...counts);
      if (high > low) out.push(row({ ...base, subject: peer.name, metric: "PSS per service", unit: "kB", services: high, value: (pssByCount.get(high) - pssByCount.get(low)) / (high - low), note: `(PSS at ${high} - PSS at ${low}) / ${high - low}` }));
      return out;
    },
  };
}

function measureEntrypoint(subject, argvFor, available) {
  return {
    subject,
    available,
    skipRows: [{ metric: "RSS", services: 1, mode: "entrypoint" }, { metric: "PSS", services: 1, mode: "entrypoint" }],
    async measure(ws) {
      const file = join(ws.dir, `${subject}-entry.stamps`);
      const init = start(argvFor(ws, [ws.build("stamp"), file, "sleep"]), { ws });
      try {
        await waitFor(() => readStamps(file).length > 0, { timeoutMs: 10_000 });
        await sleep(1000);
        const note = "one child, as a container's entrypoint";
        return [
          row({ ...base, subject, metric: "RSS", services: 1, mode: "entrypoint", value: rssKb(init.pid) / 1024, note }),
          row({ ...base, subject, metric: "PSS", services: 1, mode: "entrypoint", value: pssKb(init.pid) / 1024, note }),
        ];
      } finally {
        init.kill("SIGTERM");
        await Promise.race([init.exited, sleep(5000)]);
      }
    },
  };
}

const has = (path, what) => () => (existsSync(path) ? null : `${what} is not installed (run bench/install-peers.sh)`);

await runFigure("footprint", base, [
  ...[steward, pm2, supervisord, s6, runit].map(measureManager),
  measureEntrypoint("steward", (ws, argv) => [process.execPath, cli, "--runtime-dir", join(ws.dir, "entry-run"), "run", "--", ...argv], steward.available),
  measureEntrypoint("tini", (_ws, argv) => ["/usr/bin/tini", "-s", "--", ...argv], has("/usr/bin/tini", "tini")),
  measureEntrypoint("dumb-init", (_ws, argv) => ["/usr/bin/dumb-init", "--", ...argv], has("/usr/bin/dumb-init", "dumb-init")),
]);
