// `steward up` in the foreground: run a manager until SIGTERM/SIGINT or
// `steward shutdown`, start the units asked for, and tell an outer supervisor
// (NOTIFY_SOCKET) when the initial start is done.
import { notify } from "../client/notify.js";
import { isDaemonizedChild, reportDaemonFailure, reportDaemonReady } from "../daemon/daemonize.js";
import { Manager } from "./manager.js";
import { ReadyHttpServer, type ReadyAddress } from "./ready-http.js";
import { ManagerAlreadyRunning } from "./runtime-dir.js";
import type { ForwardTarget } from "./signal-forwarding.js";

export interface ForegroundOptions {
  runtimeDir: string;
  unitDirs: readonly string[];
  /** Units to start; none: every unit with an [Install] section. */
  units: readonly string[];
  /**
   * `steward run`: the one unit that matters. When it ends for good the manager stops
   * and exits with its main process's exit status (128+n for a signal, as tini does);
   * SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH are forwarded to its main process instead
   * of stopping everything.
   */
  mainUnit?: string;
  /** `steward run --forward-to`: the main process (default) or its process group (tini -g). */
  forwardTo?: ForwardTarget;
  /** `steward up --ready-port`: serve GET /ready here (ready-http.ts). */
  readyAddress?: ReadyAddress | null;
}

const FORWARDED: readonly NodeJS.Signals[] = ["SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH"];
const IGNORED: readonly NodeJS.Signals[] = ["SIGUSR1", "SIGUSR2"];

export async function runForeground(options: ForegroundOptions): Promise<number> {
  if (options.unitDirs.length === 0) {
    process.stderr.write("steward: no unit directory given (use --units DIR or STEWARD_UNITS)\n");
    return 1;
  }
  // A terminal or pipe that goes away (Ctrl-C kills `| tee` too) must not take the
  // manager down with EPIPE before it has stopped the units.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  const manager = new Manager({
    runtimeDir: options.runtimeDir,
    unitDirs: options.unitDirs,
    echo: process.stdout.isTTY ? process.stdout : null,
    // STEWARD_TRACKING=tree: track by process tree even where cgroups are writable.
    tracking: process.env.STEWARD_TRACKING === "tree" ? "tree" : "auto",
  });
  try {
    await manager.start();
  } catch (error) {
    // `up --detach`: the launcher waits for our word; give it the reason.
    if (isDaemonizedChild()) reportDaemonFailure(error);
    if (error instanceof ManagerAlreadyRunning) {
      process.stderr.write(`steward: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  // `up --detach`: the manager holds its PID-file lock and its API listens: the launcher may return.
  if (isDaemonizedChild()) reportDaemonReady(process.pid);
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`steward: ${signal}: stopping every unit\n`);
    manager.shutdown();
  };
  // SIGHUP: the terminal went away; leave nothing running behind it (steward up).
  const stopSignals: NodeJS.Signals[] = options.mainUnit ? ["SIGTERM", "SIGINT"] : ["SIGTERM", "SIGINT", "SIGHUP"];
  for (const signal of stopSignals) process.on(signal, onSignal);
  if (!options.mainUnit) {
    // By default SIGUSR2 would end the manager and orphan every service, and SIGUSR1 would
    // open Node's inspector on 127.0.0.1:9229 (code execution for anyone who connects).
    // A listener of our own disarms both.
    for (const signal of IGNORED) process.on(signal, () => void process.stderr.write(`steward: ${signal} ignored\n`));
  }
  let exitCode = 0;
  if (options.mainUnit) {
    const mainUnit = options.mainUnit;
    const forwardTo = options.forwardTo ?? "main";
    for (const signal of FORWARDED) process.on(signal, () => manager.forwardSignal(mainUnit, signal, forwardTo));
    manager.subscribe((event) => {
      if (event.kind !== "unit" || event.unit.name !== mainUnit) return;
      const ended = manager.endOf(mainUnit);
      if (ended === null) return;
      exitCode = ended;
      manager.shutdown();
    });
  }
  const units = options.units.length > 0 ? options.units : manager.installedUnits();
  const tracking = manager.processes.tracking === "cgroup" ? `cgroup ${manager.processes.cgroups?.root ?? ""}` : `process tree (${manager.trackingNote ?? "no cgroup"})`;
  process.stderr.write(`steward: manager ${process.pid} up, runtime directory ${options.runtimeDir}; tracking by ${tracking}\n`);
  // One line per thing the host denies us, saying what steward cannot do as a result.
  for (const degradation of manager.degradations) process.stderr.write(`steward: degraded: ${degradation.message}\n`);
  let ready: ReadyHttpServer | null = null;
  if (options.readyAddress) {
    try {
      ready = await ReadyHttpServer.listen(options.readyAddress, () => manager.readiness());
      process.stderr.write(`steward: readiness on http://${ready.address}/ready\n`);
    } catch (error) {
      process.stderr.write(`steward: --ready-port: cannot listen on ${options.readyAddress.host}:${options.readyAddress.port}: ${(error as Error).message}\n`);
      manager.shutdown();
      await manager.stopped;
      return 1;
    }
  }
  process.stderr.write(`steward: starting ${units.join(", ") || "nothing"}\n`);
  const initialStart = units.length > 0 ? manager.submit({ action: "start", units: [...units] }) : null;
  // submit() queues the jobs at once: from here on, readiness is the units' to answer.
  manager.initialStartQueued = true;
  if (initialStart) {
    const outcome = await initialStart;
    if (!outcome.ok) process.stderr.write(`steward: start-up: ${outcome.message ?? "some units failed"}\n`);
  }
  if (options.mainUnit) {
    // The one unit could not even be set up (a bad setting), or ended before we looked.
    const ended = manager.runners.has(options.mainUnit) ? manager.endOf(options.mainUnit) : 1;
    if (ended !== null) {
      exitCode = ended;
      manager.shutdown();
    }
  }
  // Tell a supervisor above us that the initial start jobs are done.
  notify({ READY: 1, STATUS: `${manager.runners.size} units loaded` }, { unsetEnvironment: true });
  // The handlers stay: a SIGTERM while the manager finishes must not kill it with a signal status.
  await manager.stopped;
  await ready?.close();
  process.stderr.write("steward: every unit stopped; manager exiting\n");
  return exitCode;
}
