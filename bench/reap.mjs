// bench/reap: orphans reaped per second, and the time from a stop request to the last
// process of a service gone.
//  - reap rate: bench/c/orphans.c makes N orphans that exit together and times, by
//    pidfd, until the last is reaped by whoever adopted it. Run under steward, tini and
//    dumb-init as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`),
//    and as a child subreaper (not PID 1: steward run, tini -s). The limit is a bare C
//    subreaper wait() loop. dumb-init reaps only as PID 1 (it is no subreaper); PM2,
//    supervisord, s6-supervise and runsv are no subreapers: orphans leave their tree.
//  - stop to gone: a service whose main process holds N orphans, each in its own
//    session (out of the main process's group); time from the stop request to the
//    last of them gone (reaped), capped at 5 s. steward: `stop` over the API; tini -s -g:
//    SIGTERM to tini (it signals the child's process group).
//   node bench/reap.mjs [ORPHANS]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, nowNs, percentile, run, sleep, start, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { steward } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";
import { existsSync } from "node:fs";

const orphans = Number(process.argv[2] ?? 1000);
const repeats = 3;
const base = { figure: "reap", services: 1, better: "higher", unit: "orphans/s", metric: "orphans reaped per second" };
const has = (path, what) => () => (existsSync(path) ? null : `${what} is not installed (run bench/install-peers.sh)`);
const unshare = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"];

/** Runs `argv` (which runs `orphans N`) `repeats` times; the median rate. */
async function reapRate(subject, mode, argvFor, note) {
  const rates = [];
  for (let i = 0; i < repeats; i++) {
    const result = await run(argvFor(i), { timeoutMs: 60_000 });
    const match = /reaped (\d+) ([\d.]+)/.exec(result.stdout);
    if (!match || Number(match[1]) !== orphans) throw new Error(`orphans did not all get reaped: ${result.stdout.trim()} ${result.stderr.slice(-200)}`);
    rates.push(orphans / (Number(match[2]) / 1000));
  }
  return row({ ...base, subject, mode, variant: `${orphans} orphans`, value: percentile(rates.sort((a, b) => a - b), 50), samples: repeats, note });
}

const pidsIn = (file) => readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** ms from `stop()` to every pid in `file` gone, or null (and how many are left) at 5 s. */
async function stopToGone(file, stop) {
  const pids = pidsIn(file);
  const began = nowNs();
  await stop();
  const gone = await waitFor(() => pids.every((p) => !alive(p)), { timeoutMs: 5000, everyMs: 1 });
  return gone ? { ms: Number(nowNs() - began) / 1e6, left: 0 } : { ms: null, left: pids.filter(alive).length };
}

const held = Math.min(orphans, 200);
const stopBase = { figure: "reap", metric: "stop to last process gone", unit: "ms", better: "lower", services: 1, variant: `${held} orphans` };

await runFigure("reap", base, [
  {
    subject: "limit",
    async measure(ws) {
      const orphansBin = ws.build("orphans");
      const limit = ws.build("subreaper-limit");
      return [
        await reapRate("limit", "PID 1", () => [...unshare, limit, orphansBin, String(orphans)], "bare C wait() loop as PID 1"),
        await reapRate("limit", "subreaper", () => [limit, orphansBin, String(orphans)], "bare C wait() loop, PR_SET_CHILD_SUBREAPER"),
      ];
    },
  },
  {
    subject: "steward",
    available: steward.available,
    async measure(ws) {
      const orphansBin = ws.build("orphans");
      const runArgv = (tag) => [process.execPath, cli, "--runtime-dir", join(ws.dir, tag), "run", "--", orphansBin, String(orphans)];
      const out = [
        await reapRate("steward", "PID 1", (i) => [...unshare, ...runArgv(`pid1-${i}`)], "steward run as PID 1"),
        await reapRate("steward", "subreaper", (i) => runArgv(`sub-${i}`), "steward run (child subreaper)"),
      ];
      // Stop to gone: a service holding `held` orphans in sessions of their own.
      const file = join(ws.dir, "steward-held.pids");
      const up = await steward.up(ws, [{ name: "holder", argv: [orphansBin, String(held), "hold", file], mode: "simple" }], { tag: "steward-hold" });
      try {
        if (!(await waitFor(() => existsSync(file) && pidsIn(file).length === held, { timeoutMs: 10_000 }))) throw new Error("holder did not start its orphans");
        const { ApiClient } = await import(join(cli, "..", "..", "api", "client.js"));
        const api = new ApiClient(join(up.runtime, "control.sock"));
        const result = await stopToGone(file, () => api.submit({ action: "stop", units: ["holder.service"] }));
        out.push(row({ ...stopBase, subject: "steward", value: result.ms, note: result.ms === null ? `${result.left} of ${held} still alive after 5 s` : "steward stop over the API; orphans in their own sessions" }));
      } finally {
        await up.shutdown();
      }
      return out;
    },
  },
  {
    subject: "tini",
    available: has("/usr/bin/tini", "tini"),
    async measure(ws) {
      const orphansBin = ws.build("orphans");
      const out = [
        await reapRate("tini", "PID 1", () => [...unshare, "/usr/bin/tini", "--", orphansBin, String(orphans)], "tini as PID 1"),
        await reapRate("tini", "subreaper", () => ["/usr/bin/tini", "-s", "--", orphansBin, String(orphans)], "tini -s (child subreaper)"),
      ];
      const file = join(ws.dir, "tini-held.pids");
      const tini = start(["/usr/bin/tini", "-s", "-g", "--", orphansBin, String(held), "hold", file], { ws });
      try {
        if (!(await waitFor(() => existsSync(file) && pidsIn(file).length === held, { timeoutMs: 10_000 }))) throw new Error("holder did not start its orphans");
        const result = await stopToGone(file, async () => tini.kill("SIGTERM"));
        out.push(row({ ...stopBase, subject: "tini", value: result.ms, note: result.ms === null ? `${result.left} of ${held} still alive after 5 s: tini -g signals the child's process group only` : "tini -s -g, SIGTERM" }));
      } finally {
        tini.kill("SIGKILL");
        await sleep(100);
      }
      return out;
    },
  },
  {
    subject: "dumb-init",
    available: has("/usr/bin/dumb-init", "dumb-init"),
    async measure(ws) {
      const orphansBin = ws.build("orphans");
      return [
        await reapRate("dumb-init", "PID 1", () => [...unshare, "/usr/bin/dumb-init", "--", orphansBin, String(orphans)], "dumb-init as PID 1"),
        row({ ...base, subject: "dumb-init", mode: "subreaper", variant: `${orphans} orphans`, note: "skipped: dumb-init is no subreaper; it reaps only as PID 1" }),
      ];
    },
  },
]);
