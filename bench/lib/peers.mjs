// steward and its peers, each driven the same way: bring up a set of services, find the
// manager's own processes, ask for status, restart one, shut down. A peer that is not
// installed (bench/install-peers.sh) answers available() with the reason it is skipped.
//
// A service is {name, argv, env?, mode, restart?, after?} where argv runs the stamp helper
// (bench/c/stamp.c) and mode is "simple" (running once exec'd) or "notify" (ready when it
// says so, in each supervisor's own protocol where it has one).
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchDir, cli, commandName, descendants, nowNs, run, start, waitFor } from "./common.mjs";

const which = (program) => ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"].map((d) => join(d, program)).find((p) => existsSync(p)) ?? null;
export const pm2Bin = join(benchDir, ".peers", "node_modules", "pm2", "bin", "pm2");
const notInstalled = (what) => `${what} is not installed (run bench/install-peers.sh)`;

// ---------------------------------------------------------------- steward
export const steward = {
  /** `steward restart --overlap` is on its way; null when this build has it. */
  async overlapMissing() {
    const help = await run([process.execPath, cli, "restart", "--help"], { timeoutMs: 10_000 });
    return help.stdout.includes("--overlap") ? null : "this steward has no `restart --overlap` yet";
  },
  name: "steward",
  available: () => (existsSync(cli) ? null : "dist/ is not built (npm install)"),
  /** Writes the units and runs `steward up`; resolves once its initial start jobs are done
   *  (it reports READY=1 to the notify socket we give it) with the time that took. */
  async up(ws, services, { tag = "steward", autostart = true, waitMs = 120_000, unitExtra = "" } = {}) {
    const units = join(ws.dir, `${tag}-units`);
    const runtime = join(ws.dir, `${tag}-run`);
    mkdirSync(units, { recursive: true });
    for (const s of services) {
      const deps = (s.after ?? []).map((d) => `After=${d}.service\nRequires=${d}.service\n`).join("");
      const env = Object.entries(s.env ?? {}).map(([k, v]) => `Environment=${k}=${v}\n`).join("");
      writeFileSync(
        join(units, `${s.name}.service`),
        `[Unit]\nStartLimitIntervalSec=0\n${deps}[Service]\nType=${s.mode === "notify" ? "notify" : "simple"}\nExecStart=${s.argv.join(" ")}\n${env}` +
          `Restart=${s.restart ?? "no"}\nRestartSec=0\n${unitExtra}` +
          (autostart ? "[Install]\nWantedBy=default.target\n" : ""),
      );
    }
    const address = `@steward-bench-up-${process.pid}-${tag}-${Date.now()}`;
    const waiter = start([ws.build("notify-wait"), address], { ws, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    waiter.stdout.on("data", (c) => (out += c));
    await waitFor(() => out.startsWith("ready\n"), { timeoutMs: 5000 });
    const began = nowNs();
    const manager = start([process.execPath, cli, "--runtime-dir", runtime, "up", "--units", units], { ws, env: { NOTIFY_SOCKET: address } });
    const readyNs = await Promise.race([
      waitFor(() => (out.split("\n")[1] ? BigInt(out.split("\n")[1]) : null), { timeoutMs: waitMs }),
      manager.exited.then(() => null),
    ]);
    waiter.kill("SIGKILL");
    if (readyNs === null) throw new Error(`steward up did not report ready in ${waitMs} ms: ${manager.stderrText()}`);
    return {
      name: "steward",
      began,
      upMs: Number(readyNs - began) / 1e6,
      runtime,
      managerPids: () => [manager.pid],
      statusArgv: [process.execPath, cli, "--runtime-dir", runtime, "status", "--json"],
      ctl: (...args) => run([process.execPath, cli, "--runtime-dir", runtime, ...args], { timeoutMs: 60_000 }),
      async shutdown() {
        await run([process.execPath, cli, "--runtime-dir", runtime, "shutdown"], { timeoutMs: 30_000 });
        await Promise.race([manager.exited, new Promise((r) => setTimeout(r, 10_000))]);
      },
    };
  },
};

// ---------------------------------------------------------------- supervisord
export const supervisord = {
  name: "supervisord",
  available: () => (which("supervisord") && which("supervisorctl") ? null : notInstalled("supervisord (Debian supervisor)")),
  async up(ws, services, { tag = "supervisord" } = {}) {
    const dir = join(ws.dir, tag);
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, "supervisord.conf");
    const programs = services.map((s) => {
      const env = Object.entries(s.env ?? {}).map(([k, v]) => `${k}="${v}"`).join(",");
      // startsecs=0: RUNNING as soon as it is spawned, so an exit is restarted without
      // the BACKOFF delay that applies to exits within startsecs.
      return `[program:${s.name}]\ncommand=${s.argv.join(" ")}\nautostart=true\nautorestart=${s.restart === "always" ? "true" : "false"}\n` +
        `startsecs=0\nstartretries=1000000\nstopsignal=TERM\nstopwaitsecs=5\nstdout_logfile=NONE\nstderr_logfile=NONE\n${env ? `environment=${env}\n` : ""}`;
    });
    writeFileSync(
      conf,
      `[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\nminfds=4096\n` +
        `[unix_http_server]\nfile=${dir}/supervisor.sock\n[supervisorctl]\nserverurl=unix://${dir}/supervisor.sock\n` +
        `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n${programs.join("")}`,
    );
    const began = nowNs();
    const manager = start([which("supervisord"), "-n", "-c", conf], { ws });
    const ctl = (...args) => run([which("supervisorctl"), "-c", conf, ...args], { timeoutMs: 60_000 });
    return {
      name: "supervisord",
      began,
      managerPids: () => [manager.pid],
      statusArgv: [which("supervisorctl"), "-c", conf, "status"],
      ctl,
      async waitApi() {
        return waitFor(async () => (await ctl("pid")).code === 0, { timeoutMs: 30_000, everyMs: 100 });
      },
      async shutdown() {
        manager.kill("SIGTERM");
        await Promise.race([manager.exited, new Promise((r) => setTimeout(r, 10_000))]);
      },
    };
  },
};

// ---------------------------------------------------------------- s6 and runit
// Both run a scan directory of service directories whose ./run is a link to the stamp
// helper (no shell in between); the helper then takes its arguments from STAMP_* in the
// environment, which s6-svscan and runsvdir pass down. A service may bring its own
// `runScript` instead (readiness-latency's dependent under s6).
function serviceDirs(root, services, withNotificationFd) {
  mkdirSync(root, { recursive: true });
  for (const s of services) {
    const dir = join(root, s.name);
    mkdirSync(dir, { recursive: true });
    if (s.runScript) writeFileSync(join(dir, "run"), s.runScript, { mode: 0o755 });
    else symlinkSync(s.argv[0], join(dir, "run"));
    if (withNotificationFd && s.mode === "notify") writeFileSync(join(dir, "notification-fd"), "3\n");
  }
}

/** STAMP_* for s6 and runit: every service of one run shares the stamp file and mode. */
function stampEnv(services, withNotificationFd) {
  const [first] = services;
  if (!first) return {};
  for (const s of services) if (!s.runScript && (s.argv[1] !== first.argv[1] || s.argv[2] !== first.argv[2])) throw new Error("s6/runit services of one run must share the stamp file and mode");
  return { STAMP_FILE: first.argv[1], STAMP_MODE: first.argv[2], ...(withNotificationFd && first.mode === "notify" ? { STAMP_NOTIFY_FD: "3" } : {}) };
}

export const s6 = {
  name: "s6",
  available: () => (which("s6-svscan") && which("s6-svstat") ? null : notInstalled("s6")),
  async up(ws, services, { tag = "s6" } = {}) {
    const scan = join(ws.dir, tag);
    serviceDirs(scan, services, true);
    const began = nowNs();
    const manager = start([which("s6-svscan"), "-c", String(Math.max(services.length * 2, 500)), scan], { ws, env: stampEnv(services, true) });
    return {
      name: "s6",
      began,
      scan,
      managerPids: () => [manager.pid, ...descendants(manager.pid).filter((p) => commandName(p) === "s6-supervise")],
      statusArgv: [which("s6-svstat"), join(scan, services[0]?.name ?? "x")],
      statusNote: "s6-svstat takes one service directory: timed for one service",
      async shutdown() {
        await run([which("s6-svscanctl"), "-t", scan], { timeoutMs: 10_000 });
        await Promise.race([manager.exited, new Promise((r) => setTimeout(r, 10_000))]);
      },
    };
  },
};

export const runit = {
  name: "runit",
  available: () => (which("runsvdir") && which("sv") ? null : notInstalled("runit")),
  async up(ws, services, { tag = "runit" } = {}) {
    const scan = join(ws.dir, tag);
    serviceDirs(scan, services, false);
    const began = nowNs();
    const manager = start([which("runsvdir"), scan], { ws, env: stampEnv(services, false) });
    return {
      name: "runit",
      began,
      scan,
      managerPids: () => [manager.pid, ...descendants(manager.pid).filter((p) => commandName(p) === "runsv")],
      statusArgv: [which("sv"), "status", ...services.map((s) => join(scan, s.name))],
      statusNote: "sv status on every service directory",
      async shutdown() {
        manager.kill("SIGHUP"); // runsvdir: SIGHUP sends TERM to each runsv, which stops its service
        await Promise.race([manager.exited, new Promise((r) => setTimeout(r, 10_000))]);
      },
    };
  },
};

// ---------------------------------------------------------------- PM2
export const pm2 = {
  name: "pm2",
  available: () => (existsSync(pm2Bin) ? null : notInstalled("pm2 (npm, into bench/.peers)")),
  async up(ws, services, { tag = "pm2", waitMs = 180_000, execMode = "fork", instances = 1 } = {}) {
    const home = join(ws.dir, `${tag}-home`);
    mkdirSync(home, { recursive: true });
    const env = { PM2_HOME: home };
    const apps = services.map((s) => ({
      name: s.name,
      script: s.argv[0],
      args: s.argv.slice(1),
      interpreter: s.interpreter ?? "none",
      exec_mode: execMode,
      instances,
      autorestart: s.restart === "always",
      // min_uptime 0: no exit counts as "unstable", so PM2 never gives up on a fast-exiting
      // service; no restart_delay, no exponential back-off: PM2's fastest restart.
      min_uptime: 0,
      max_restarts: 1_000_000_000,
      ...(s.pm2 ?? {}),
      env: s.env ?? {},
      out_file: "/dev/null",
      error_file: "/dev/null",
    }));
    const eco = join(ws.dir, `${tag}-ecosystem.json`);
    writeFileSync(eco, JSON.stringify({ apps }));
    const pm2Run = (...args) => run([process.execPath, pm2Bin, ...args], { env: { ...env, STEWARD_BENCH_WORKSPACE: ws.dir }, timeoutMs: waitMs });
    const began = nowNs();
    // No apps: `pm2 ping` starts the daemon alone (footprint with 0 services).
    const started = services.length > 0 ? await pm2Run("start", eco) : await pm2Run("ping");
    if (started.code !== 0) throw new Error(`pm2 start failed: ${started.stderr.slice(-500)}`);
    const daemonPid = () => {
      try {
        return Number(readFileSync(join(home, "pm2.pid"), "utf8"));
      } catch {
        return null;
      }
    };
    return {
      name: "pm2",
      began,
      startedMs: started.ms,
      managerPids: () => [daemonPid()].filter(Boolean),
      statusArgv: [process.execPath, pm2Bin, "jlist"],
      statusEnv: env,
      ctl: pm2Run,
      async shutdown() {
        await pm2Run("kill");
      },
    };
  },
};

export const supervisors = [steward, pm2, supervisord, s6, runit];

/** Brings `count` sleep-like services up under `peer` and waits until every one has
 *  exec'd (by its start stamp); throws past `capMs`. Returns the peer's handle. */
export async function upAndRunning(peer, ws, count, { tag = `${peer.name}-${count}`, capMs = 90_000 } = {}) {
  const file = join(ws.dir, `${tag}.stamps`);
  const services = Array.from({ length: count }, (_, i) => ({ name: `svc${i}`, argv: [ws.build("stamp"), file, "sleep"], mode: "simple" }));
  const up = await peer.up(ws, services, { tag, waitMs: capMs });
  const all = await waitFor(() => (countStarts(file) >= count ? true : null), { timeoutMs: capMs, everyMs: 20 });
  if (!all) {
    await up.shutdown();
    throw new Error(`not all ${count} services running within ${capMs / 1000} s`);
  }
  return up;
}

function countStarts(file) {
  try {
    return readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith("S ")).length;
  } catch {
    return 0;
  }
}

/** STEWARD_BENCH_ONLY=steward,s6 limits a run to those subjects (and the limit). */
export function selected(name) {
  const only = process.env.STEWARD_BENCH_ONLY;
  return !only || name === "limit" || name === "all" || only.split(",").includes(name);
}
