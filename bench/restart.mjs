// bench/restart (restart-under-load): an HTTP service on loopback is restarted 50 times
// while a bounded load generator (4 connections in flight, each request a new
// connection, 5 s timeout each) keeps calling it. Printed per restart kind: failed
// requests (refused, reset or timed out) and the longest stall (longest time with no
// request completing successfully). Each restart command runs once the previous restart
// answers again, so each restart is seen on its own; at most 40 s per kind (the rows say
// how many restarts fit).
//   node bench/restart.mjs [RESTARTS]
import { request } from "node:http";
import { join } from "node:path";
import { benchDir, nowNs, sleep, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { pm2, steward, supervisord } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const restarts = Number(process.argv[2] ?? 50);
const base = { figure: "restart-under-load", services: 1, better: "lower", samples: restarts };
const server = join(benchDir, "services", "http-service.mjs");
let nextPort = 20_000 + (process.pid % 20_000);
const freshPort = () => nextPort++;

function get(port) {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** Keeps `connections` requests in flight until stopped; counts and times them. */
function loadGenerator(port, connections = 4) {
  const stats = { ok: 0, failed: 0, longestStallMs: 0 };
  let running = true;
  let lastOk = nowNs();
  const worker = async () => {
    while (running) {
      const ok = await get(port);
      if (!running) break;
      if (ok) {
        const now = nowNs();
        stats.longestStallMs = Math.max(stats.longestStallMs, Number(now - lastOk) / 1e6);
        lastOk = now;
        stats.ok++;
      } else {
        stats.failed++;
        await sleep(5); // a refused connection comes back at once: do not spin
      }
    }
  };
  const workers = Array.from({ length: connections }, worker);
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(workers);
      stats.longestStallMs = Math.max(stats.longestStallMs, Number(nowNs() - lastOk) / 1e6);
      return stats;
    },
  };
}

/** Starts the load, runs `restart()` RESTARTS times, each once the service answers again. */
async function underLoad(subject, variant, port, restart, note) {
  if (!(await waitFor(() => get(port), { timeoutMs: 15_000, everyMs: 50 }))) throw new Error("the service never answered");
  const load = loadGenerator(port);
  const deadline = Date.now() + 40_000; // the figure says how many restarts fit
  let done = 0;
  try {
    for (; done < restarts && Date.now() < deadline; done++) {
      await restart();
      if (!(await waitFor(() => get(port), { timeoutMs: 15_000, everyMs: 20 }))) throw new Error(`no answer after restart ${done + 1}`);
      await sleep(50);
    }
  } finally {
    await load.stop();
  }
  const { ok, failed, longestStallMs } = load.stats;
  const extra = `${done} restarts, ${ok + failed} requests; ${note}`;
  return [
    row({ ...base, subject, variant, metric: "failed requests", unit: "", value: failed, samples: done, note: extra }),
    row({ ...base, subject, variant, metric: "longest stall", unit: "ms", value: longestStallMs, samples: done, note: extra }),
  ];
}

const skipRows = (variant) => [{ metric: "failed requests", unit: "", variant }, { metric: "longest stall", unit: "ms", variant }];

async function stewardVariant(ws, variant) {
  const port = freshPort();
  const socketActivated = variant !== "plain";
  const up = await steward.up(
    ws,
    [{ name: "web", argv: [process.execPath, server], mode: "notify", env: socketActivated ? {} : { PORT: String(port) } }],
    { tag: `steward-${variant}`, unitExtra: "TimeoutStopSec=10s\n" },
  );
  try {
    if (socketActivated) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(ws.dir, `steward-${variant}-units`, "web.socket"), `[Socket]\nListenStream=127.0.0.1:${port}\n`);
      const reload = await up.ctl("daemon-reload");
      const started = await up.ctl("start", "web.socket");
      if (started.code !== 0) throw new Error(`start web.socket: ${started.stderr}${reload.stderr}`);
      // The service was started before its socket existed: restart it to take the listener.
      await up.ctl("restart", "web");
    }
    const { ApiClient } = await import(join(benchDir, "..", "dist", "src", "api", "client.js"));
    const api = new ApiClient(join(up.runtime, "control.sock"));
    const restartWeb = async () => {
      if (variant === "overlapped") {
        const r = await up.ctl("restart", "--overlap", "web");
        if (r.code !== 0) throw new Error(`restart --overlap: ${r.stderr}`);
        return;
      }
      const outcome = await api.submit({ action: "restart", units: ["web.service"] });
      if (!outcome.ok) throw new Error(`restart: ${outcome.message}`);
    };
    const notes = {
      plain: "Type=notify, binds 127.0.0.1 itself; restart = stop, then start",
      "socket-activated": "web.socket holds the listener across the restart; Type=notify",
      overlapped: "steward restart --overlap: the new instance gets the listener, the old one stops once it is ready",
    };
    return await underLoad("steward", variant, port, restartWeb, notes[variant]);
  } finally {
    await up.shutdown();
  }
}

async function pm2Variant(ws, variant) {
  const port = freshPort();
  const cluster = variant === "cluster reload";
  const up = await pm2.up(
    ws,
    [{ name: "web", argv: [server], interpreter: process.execPath, mode: "simple", restart: "always", env: { PORT: String(port) }, pm2: { wait_ready: true, listen_timeout: 5000, kill_timeout: 5000 } }],
    { tag: `pm2-${cluster ? "cluster" : "fork"}`, execMode: cluster ? "cluster" : "fork" },
  );
  try {
    const restartWeb = async () => {
      const r = await up.ctl(cluster ? "reload" : "restart", "web");
      if (r.code !== 0) throw new Error(`pm2 ${cluster ? "reload" : "restart"}: ${r.stderr.slice(-300)}`);
    };
    return await underLoad("pm2", variant, port, restartWeb, cluster ? "exec_mode cluster, 1 instance, wait_ready; pm2 reload" : "exec_mode fork, wait_ready; pm2 restart");
  } finally {
    await up.shutdown();
  }
}

async function supervisordVariant(ws) {
  const port = freshPort();
  const up = await supervisord.up(ws, [{ name: "web", argv: [process.execPath, server], mode: "simple", restart: "always", env: { PORT: String(port) } }]);
  try {
    await up.waitApi();
    const restartWeb = async () => {
      // supervisorctl may report the start as failed while the new process is coming up;
      // whether it answers again is what counts (checked after each restart).
      await up.ctl("restart", "web");
    };
    return await underLoad("supervisord", "restart", port, restartWeb, "startsecs=0; supervisorctl restart (stop, then start)");
  } finally {
    await up.shutdown();
  }
}

let overlapReason = null;
await runFigure("restart-under-load", base, [
  { subject: "steward", available: steward.available, skipRows: skipRows("plain"), measure: (ws) => stewardVariant(ws, "plain") },
  { subject: "steward", available: steward.available, skipRows: skipRows("socket-activated"), measure: (ws) => stewardVariant(ws, "socket-activated") },
  {
    subject: "steward",
    available: () => steward.available() ?? overlapReason,
    skipRows: skipRows("overlapped"),
    measure: (ws) => stewardVariant(ws, "overlapped"),
    async prepare() {
      overlapReason = await steward.overlapMissing();
    },
  },
  { subject: "pm2", available: pm2.available, skipRows: skipRows("fork restart"), measure: (ws) => pm2Variant(ws, "fork restart") },
  { subject: "pm2", available: pm2.available, skipRows: skipRows("cluster reload"), measure: (ws) => pm2Variant(ws, "cluster reload") },
  { subject: "supervisord", available: supervisord.available, skipRows: skipRows("restart"), measure: (ws) => supervisordVariant(ws) },
]);
