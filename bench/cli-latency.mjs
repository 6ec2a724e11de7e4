// bench/cli-latency: how long each supervisor's status command takes with 100 services
// up: `steward status --json`, `pm2 jlist`, `supervisorctl status`, `s6-svstat`,
// `sv status`, next to a bare `node -e 0` (Node's own start-up: the floor for any
// Node CLI). Every supervisor is up at once; the commands run in turns, round after round.
//   node bench/cli-latency.mjs [ROUNDS] [SERVICES]
import { percentile, run } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { pm2, runit, s6, selected, steward, supervisord, upAndRunning } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const rounds = Number(process.argv[2] ?? 30);
const count = Number(process.argv[3] ?? 100);
const base = { figure: "cli-latency", services: count, unit: "ms", better: "lower" };
const peers = [steward, pm2, supervisord, s6, runit].filter((p) => selected(p.name));

await runFigure("cli-latency", base, [
  {
    subject: "all",
    skipRows: [],
    async measure(ws) {
      const ups = [];
      const out = [];
      try {
        const commands = [{ subject: "limit", argv: [process.execPath, "-e", "0"], env: {}, note: "node -e 0" }];
        for (const peer of peers) {
          const reason = peer.available();
          if (reason) {
            out.push(...["p50", "p90"].map((metric) => row({ ...base, metric, subject: peer.name, note: `skipped: ${reason}` })));
            continue;
          }
          console.error(`cli-latency: bringing up ${count} services under ${peer.name}`);
          const up = await upAndRunning(peer, ws, count);
          ups.push(up);
          commands.push({ subject: peer.name, argv: up.statusArgv, env: up.statusEnv ?? {}, note: [up.statusArgv.slice(up.statusArgv[0] === process.execPath ? 2 : 0).map((a) => a.replace(/.*\//, "")).slice(0, 3).join(" "), up.statusNote].filter(Boolean).join("; ") });
        }
        const times = commands.map(() => []);
        for (let round = -2; round < rounds; round++) {
          for (const [i, c] of commands.entries()) {
            const result = await run(c.argv, { env: c.env, timeoutMs: 30_000 });
            if (result.code !== 0 && c.subject !== "steward") throw new Error(`${c.argv.join(" ")} exited ${result.code}: ${result.stderr.slice(0, 200)}`);
            if (round >= 0) times[i].push(result.ms); // two warm-up rounds
          }
        }
        commands.forEach((c, i) => {
          const sorted = times[i].sort((a, b) => a - b);
          out.unshift(...["p50", "p90"].map((metric) => row({ ...base, metric, subject: c.subject, value: percentile(sorted, metric === "p50" ? 50 : 90), samples: sorted.length, note: c.note })));
        });
        return out;
      } finally {
        for (const up of ups) await up.shutdown();
      }
    },
  },
]);
