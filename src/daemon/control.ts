// The four control actions of libucw's daemon-control protocol (ucw/daemon-
// ctrl.c), each run with the guard file locked from its first look at the PID
// file to its last, each returning libucw's status:
//
//   check   running → ok; no file or empty and unlocked → not-running;
//           unlocked with content → stale; unreadable → error.
//   start   running → already-done. Otherwise run the daemon's command and
//           wait for it to report that it holds the lock: libucw's way is
//           the command's exit (a self-daemonizing launcher exits once the
//           PID is written; 0 = started); with a keeper (a program that stays
//           in the foreground), the keeper's READY line. Then the file is
//           read again: anything but running or not-running is an error.
//           ok, or stale when a stale file was replaced (still a success).
//   stop    not-running → already-done; stale → stale. Running: signal it
//           (SIGTERM), then wait until the PID-file lock is released → ok.
//           "exiting" (locked, empty): no signal, just the wait.
//   reload  running → signal (SIGHUP) → ok; signal finds nobody → not-running;
//           anything else that is not an error → not-running.
//
// steward's one change: before a signal, the PID is turned into a pidfd while
// the lock is known to be held (pin.ts), so no signal reaches a reused PID.
import { closeSync, constants, openSync } from "node:fs";
import { signalName } from "../protocol/signals.js";
import { DaemonControlStatus, type DaemonControlStatusCode } from "../protocol/ucw-status.js";
import { closeFd, isSystemCallError, killPid, signalPidfd } from "../sys/index.js";
import { defaultGuardFile, lockGuard } from "./guard.js";
import type { LauncherOutcome } from "./launcher.js";
import { inspectOpenPidFile, readPidFile, type PidFileState } from "./pid-file.js";
import { pinDaemon } from "./pin.js";
import { waitForRelease } from "./release-wait.js";

export type DaemonAction = "start" | "stop" | "reload" | "check";

export interface DaemonControlResult {
  status: DaemonControlStatusCode;
  /** For a person: why it failed, or what was found. */
  message: string;
  /** The daemon's PID where the action learned it, else null. */
  pid: number | null;
}

/** How long start and stop wait by default (systemd's default start/stop timeout). */
export const DEFAULT_CONTROL_TIMEOUT_MS = 90_000;

export interface ControlTarget {
  pidFile: string;
  /** Default: the PID file's name with ".pid" replaced by ".lock" (an error if it does not end in ".pid"). */
  guardFile?: string;
}

export interface StartRequest extends ControlTarget {
  /** The daemon's command; argv[0] is searched on PATH. */
  command: readonly string[];
  env?: NodeJS.ProcessEnv;
  /**
   * Run the command under a keeper that holds the lock for it: for programs
   * that stay in the foreground. `log` takes their stdout and stderr
   * (/dev/null otherwise). Absent: the command daemonizes itself (libucw).
   */
  keeper?: { log?: string | null } | null;
  /** null or 0: wait for ever (libucw). */
  timeoutMs?: number | null;
}

export interface SignalRequest extends ControlTarget {
  /** Signal number; default SIGTERM for stop, SIGHUP for reload. */
  signal?: number;
}

export interface StopRequest extends SignalRequest {
  timeoutMs?: number | null;
}

const SIGTERM = 15;
const SIGHUP = 1;

function result(status: DaemonControlStatusCode, message: string, pid: number | null = null): DaemonControlResult {
  return { status, message, pid };
}

function error(message: string): DaemonControlResult {
  return result(DaemonControlStatus.error, message);
}

function deadlineOf(timeoutMs: number | null | undefined): number | null {
  const ms = timeoutMs === undefined ? DEFAULT_CONTROL_TIMEOUT_MS : timeoutMs;
  return ms ? Date.now() + ms : null;
}

/** Runs `action` with the guard file locked; the guard is released whatever happens. */
async function guarded(target: ControlTarget, action: () => Promise<DaemonControlResult> | DaemonControlResult) {
  const guardFile = target.guardFile ?? defaultGuardFile(target.pidFile);
  if (guardFile === null) {
    return error(`For automatic choice of --guard-file, the --pid-file must end with \`.pid'`);
  }
  let guard;
  try {
    guard = lockGuard(guardFile);
  } catch (cause) {
    const { code, syscall } = cause as { code?: string; syscall?: string };
    const verb = syscall === "flock" ? "lock" : "open";
    return error(`Cannot ${verb} guard file \`${guardFile}': ${code ?? String(cause)}`);
  }
  try {
    return await action();
  } finally {
    guard.release();
  }
}

/** What check reports for a state (also the first step of every other action). */
function checkResult(path: string, state: PidFileState): DaemonControlResult {
  switch (state.kind) {
    case "running":
      return result(DaemonControlStatus.ok, `running (pid ${state.pid})`, state.pid);
    case "exiting":
      return result(DaemonControlStatus.ok, "running, and on its way out (the PID file is empty)");
    case "missing":
    case "not-running":
      return result(DaemonControlStatus.notRunning, "not running");
    case "stale":
      return result(DaemonControlStatus.stale, `not running, but \`${path}' is stale (the daemon died without cleaning up)`);
    case "invalid":
      return error(state.reason);
  }
}

export function checkDaemon(target: ControlTarget): Promise<DaemonControlResult> {
  return guarded(target, () => checkResult(target.pidFile, readPidFile(target.pidFile)));
}

function describeLauncherFailure(name: string, outcome: Exclude<LauncherOutcome, { kind: "exited"; code: 0 }>): string {
  switch (outcome.kind) {
    case "exec-failed":
      return `Cannot execute \`${name}': ${outcome.code}`;
    case "timeout":
      return `Daemon ${name} did not finish starting in time (a program that stays in the foreground needs --keeper)`;
    case "killed":
      return `Daemon ${name} was killed by ${outcome.signal}`;
    case "exited":
      // libucw's launcher child exits 102 when execvp fails.
      return outcome.code === DaemonControlStatus.error
        ? "Cannot execute the daemon"
        : `Daemon ${name} exited with error ${outcome.code}`;
  }
}

export function startDaemon(request: StartRequest): Promise<DaemonControlResult> {
  return guarded(request, async () => {
    const path = request.pidFile;
    const before = readPidFile(path);
    if (before.kind === "invalid") return error(before.reason);
    if (before.kind === "running" || before.kind === "exiting") {
      const found = checkResult(path, before);
      return result(DaemonControlStatus.already, `already ${found.message}`, found.pid);
    }
    const name = request.command[0] ?? "";
    const timeoutMs = request.timeoutMs === undefined ? DEFAULT_CONTROL_TIMEOUT_MS : request.timeoutMs;
    // Only start runs processes: its machinery (node:child_process, node:net)
    // is loaded here, so that stop, reload and check processes start faster.
    if (request.keeper) {
      const [{ spawnDaemon }, { keeperCommand }] = await Promise.all([import("./daemonize.js"), import("./keeper.js")]);
      const outcome = await spawnDaemon({
        argv: keeperCommand(path, request.command),
        env: request.env ?? process.env,
        cwd: process.cwd(),
        log: request.keeper.log ?? null,
        timeoutMs,
      });
      if (outcome.kind === "failed") return error(outcome.message);
      if (outcome.kind === "busy") return error(`Daemon ${name}: \`${path}' was locked by someone else`);
    } else {
      const { runLauncher } = await import("./launcher.js");
      const outcome = await runLauncher({
        command: request.command,
        env: request.env ?? process.env,
        deadline: deadlineOf(timeoutMs),
      });
      if (outcome.kind !== "exited" || outcome.code !== 0) return error(describeLauncherFailure(name, outcome));
    }
    const after = readPidFile(path);
    if (after.kind !== "running" && after.kind !== "exiting" && after.kind !== "not-running" && after.kind !== "missing") {
      return error(`Daemon ${name} failed to write the PID file \`${path}'`);
    }
    const pid = after.kind === "running" ? after.pid : null;
    const started = pid === null ? "started (and already gone)" : `started (pid ${pid})`;
    return before.kind === "stale"
      ? result(DaemonControlStatus.stale, `${started}, replacing a stale PID file`, pid)
      : result(DaemonControlStatus.ok, started, pid);
  });
}

type Delivery = "delivered" | "nobody" | { failed: string };

function deliver(pid: number, pidfd: number | null, signal: number): Delivery {
  try {
    if (pidfd !== null) signalPidfd(pidfd, signal);
    else killPid(pid, signal);
    return "delivered";
  } catch (cause) {
    if (isSystemCallError(cause, "ESRCH")) return "nobody";
    const code = isSystemCallError(cause) ? cause.code : String(cause);
    return { failed: `Cannot send signal ${signal}: ${code}` };
  }
}

// The pin can find the file changed (the daemon left meanwhile); the action
// is then decided again on what is there now, a few times at most.
const MAX_LOOKS = 3;

export function stopDaemon(request: StopRequest): Promise<DaemonControlResult> {
  return guarded(request, async () => {
    const path = request.pidFile;
    const signal = request.signal ?? SIGTERM;
    let state = readPidFile(path);
    for (let look = 0; look < MAX_LOOKS; look++) {
      switch (state.kind) {
        case "invalid":
          return error(state.reason);
        case "missing":
        case "not-running":
          return result(DaemonControlStatus.already, "not running");
        case "stale":
          return checkResult(path, state);
        case "exiting":
          return awaitRelease(path, null, null, request.timeoutMs);
        case "running": {
          const pinned = pinDaemon(path, state.pid);
          if (pinned.kind === "changed") {
            state = pinned.state;
            continue;
          }
          const pidfd = pinned.kind === "pinned" ? pinned.pidfd : null;
          try {
            if (pinned.kind === "pinned") {
              const delivery = deliver(pinned.pid, pidfd, signal);
              if (typeof delivery === "object") {
                closeSync(pinned.pidFileFd);
                return error(delivery.failed);
              }
            }
            return await awaitRelease(path, pinned.pidFileFd, pidfd, request.timeoutMs, pinned.pid);
          } finally {
            if (pidfd !== null) closeFd(pidfd);
          }
        }
      }
    }
    return error(`PID file \`${path}' keeps changing`);
  });
}

/** The end of stop: wait for the lock, then judge the file as libucw does. Closes pidFileFd. */
async function awaitRelease(
  path: string,
  pidFileFd: number | null,
  pidfd: number | null,
  timeoutMs: number | null | undefined,
  pid: number | null = null,
): Promise<DaemonControlResult> {
  let fd = pidFileFd;
  if (fd === null) {
    try {
      fd = openSync(path, constants.O_RDONLY);
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? String(cause);
      return code === "ENOENT" ? result(DaemonControlStatus.ok, "stopped") : error(`Cannot open PID file \`${path}': ${code}`);
    }
  }
  try {
    const outcome = await waitForRelease({ pidFileFd: fd, pidfd, deadline: deadlineOf(timeoutMs) });
    if (outcome === "timeout") {
      const who = pid === null ? "The daemon" : `The daemon (pid ${pid})`;
      const seconds = (timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS) / 1000;
      return error(`${who} did not release \`${path}' within ${seconds} s`);
    }
    // The lock is ours now; only an over-long file is still an error (libucw).
    const after = inspectOpenPidFile(fd, path);
    return after.kind === "invalid" ? error(after.reason) : result(DaemonControlStatus.ok, "stopped", pid);
  } finally {
    closeSync(fd);
  }
}

export function reloadDaemon(request: SignalRequest): Promise<DaemonControlResult> {
  return guarded(request, () => {
    const path = request.pidFile;
    const signal = request.signal ?? SIGHUP;
    let state = readPidFile(path);
    for (let look = 0; look < MAX_LOOKS; look++) {
      if (state.kind === "invalid") return error(state.reason);
      if (state.kind !== "running") return result(DaemonControlStatus.notRunning, checkResult(path, state).message);
      const pinned = pinDaemon(path, state.pid);
      if (pinned.kind === "changed") {
        state = pinned.state;
        continue;
      }
      closeSync(pinned.pidFileFd);
      if (pinned.kind === "absent") {
        return result(DaemonControlStatus.notRunning, `\`${path}' names pid ${pinned.pid}, which does not exist`);
      }
      try {
        const delivery = deliver(pinned.pid, pinned.pidfd, signal);
        if (delivery === "nobody") return result(DaemonControlStatus.notRunning, "not running");
        if (typeof delivery === "object") return error(delivery.failed);
        return result(DaemonControlStatus.ok, `sent ${signalName(signal)} to pid ${pinned.pid}`, pinned.pid);
      } finally {
        if (pinned.pidfd !== null) closeFd(pinned.pidfd);
      }
    }
    return error(`PID file \`${path}' keeps changing`);
  });
}

export interface DaemonControlRequest extends ControlTarget {
  action: DaemonAction;
  command?: readonly string[];
  signal?: number;
  env?: NodeJS.ProcessEnv;
  keeper?: { log?: string | null } | null;
  timeoutMs?: number | null;
}

/** One entry for all four actions (what `steward daemon-control` calls). */
export function controlDaemon(request: DaemonControlRequest): Promise<DaemonControlResult> {
  switch (request.action) {
    case "check":
      return checkDaemon(request);
    case "start":
      return startDaemon({ ...request, command: request.command ?? [] });
    case "stop":
      return stopDaemon(request);
    case "reload":
      return reloadDaemon(request);
  }
}
