// The daemon side of the protocol, for Node programs (and `steward up
// --detach`): become a daemon, lock the PID file before telling anyone the
// PID, keep the lock for the whole life of the daemon, drop it only at exit.
//
// libucw's daemon_run() forks; Node cannot, so the launching process starts
// a fresh copy of itself (or any program) through sys.spawn: a new session,
// no controlling terminal, /dev/null (or a log file) on stdio, a working
// directory, a umask, optionally another user and group. The copy finds a
// pipe on fd 3 (named by STEWARD_DAEMON_REPORT_FD), takes the PID-file lock,
// writes its PID and reports one line on the pipe:
//   READY <pid>        the lock is held and <pid> is in the file
//   BUSY <pid>|-       another daemon holds the lock
//   FAILED <message>   anything else
// The launcher waits for that line (or the pipe's end, if the copy dies
// first) and returns; this is the moment libucw's launcher exits.
import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { DaemonControlStatus } from "../protocol/ucw-status.js";
import { closeFd, pipe, setCloexec, signalPidfd, spawn, killPid } from "../sys/index.js";
import type { DaemonControlResult } from "./control.js";
import { defaultGuardFile, lockGuard } from "./guard.js";
import { DaemonAlreadyRunning, lockPidFile, readPidFile, type PidFileLock } from "./pid-file.js";

/** The variable that tells a daemonized copy which fd reports to its launcher. */
export const DAEMON_REPORT_FD_ENV = "STEWARD_DAEMON_REPORT_FD";
const REPORT_FD = 3;

/** How long a launcher waits for its daemon to hold the lock, unless told otherwise. */
export const DEFAULT_DAEMONIZE_TIMEOUT_MS = 60_000;

export interface DaemonSpawnSpec {
  /** argv[0] must be an absolute path (it is the program run). */
  argv: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Working directory of the daemon; "/" by default (so it keeps no directory busy). */
  cwd?: string;
  /** 0o022 by default, as libucw. */
  umask?: number;
  uid?: number;
  gid?: number;
  groups?: readonly number[];
  /** stdout and stderr appended to this file; /dev/null when absent or null. stdin is always /dev/null. */
  log?: string | null;
  /** Milliseconds to wait for the report; null or 0 waits for ever. */
  timeoutMs?: number | null;
}

export type DaemonSpawnOutcome =
  | { kind: "ready"; pid: number }
  | { kind: "busy"; pid: number | null }
  | { kind: "failed"; message: string };

function environment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}

function parseReport(line: string, what: string): DaemonSpawnOutcome {
  const space = line.indexOf(" ");
  const word = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? "" : line.slice(space + 1);
  const pid = /^[0-9]+$/.test(rest) ? Number(rest) : null;
  if (word === "READY" && pid !== null) return { kind: "ready", pid };
  if (word === "BUSY") return { kind: "busy", pid };
  if (word === "FAILED") return { kind: "failed", message: rest };
  return { kind: "failed", message: `${what} sent a garbled report: ${JSON.stringify(line)}` };
}

/**
 * Starts `argv` as a daemon and waits until it reports that it holds the
 * PID-file lock (see the file comment). It is the caller's child until the
 * caller exits (then init's, or the nearest subreaper's).
 */
export async function spawnDaemon(spec: DaemonSpawnSpec): Promise<DaemonSpawnOutcome> {
  const file = spec.argv[0];
  if (file === undefined) throw new TypeError("spawnDaemon: empty argv");
  const report = pipe();
  const opened: number[] = [];
  let child;
  try {
    const devNull = openSync("/dev/null", constants.O_RDWR);
    opened.push(devNull);
    let output = devNull;
    if (spec.log) {
      output = openSync(spec.log, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o644);
      opened.push(output);
    }
    child = spawn({
      file,
      argv: spec.argv,
      env: { ...environment(spec.env ?? process.env), [DAEMON_REPORT_FD_ENV]: String(REPORT_FD) },
      fds: [devNull, output, output, report.writeEnd],
      cwd: spec.cwd ?? "/",
      detach: "session",
      umask: spec.umask ?? 0o022,
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
      ...(spec.groups === undefined ? {} : { groups: spec.groups }),
    });
  } catch (error) {
    closeFd(report.readEnd);
    return { kind: "failed", message: error instanceof Error ? error.message : String(error) };
  } finally {
    closeFd(report.writeEnd);
    for (const fd of opened) closeSync(fd);
  }
  const { pid, pidfd } = child;
  const what = `${file} (pid ${pid})`;
  try {
    return await readReport(report.readEnd, what, spec.timeoutMs ?? DEFAULT_DAEMONIZE_TIMEOUT_MS, () => {
      // It never said it holds the lock, so it is nobody's daemon: end it.
      try {
        if (pidfd !== null) signalPidfd(pidfd, "SIGKILL");
        else killPid(pid, "SIGKILL");
      } catch {
        // already gone
      }
    });
  } finally {
    if (pidfd !== null) closeFd(pidfd);
  }
}

function readReport(fd: number, what: string, timeoutMs: number | null, onTimeout: () => void): Promise<DaemonSpawnOutcome> {
  return new Promise((resolve) => {
    const socket = new Socket({ fd, readable: true, writable: false });
    let text = "";
    let done = false;
    let timer: NodeJS.Timeout | null = null;
    const finish = (outcome: DaemonSpawnOutcome): void => {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    if (timeoutMs) {
      timer = setTimeout(() => {
        onTimeout();
        finish({ kind: "failed", message: `${what} did not lock its PID file within ${timeoutMs / 1000} s` });
      }, timeoutMs);
    }
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end >= 0) finish(parseReport(text.slice(0, end), what));
    });
    socket.on("error", () => undefined); // the end of the pipe is handled on "close"
    socket.on("close", () => {
      finish({ kind: "failed", message: `${what} exited before it locked its PID file` });
    });
  });
}

export interface DaemonizeOptions extends Omit<DaemonSpawnSpec, "argv"> {
  pidFile: string;
  /**
   * The guard file to hold while starting, as a control action does: then a
   * daemon that already runs is found before anything is spawned, and two
   * launchers at once start one daemon. Default: derived from pidFile
   * (".pid" → ".lock"); null when a controller already holds the guard
   * (this process is the command of `daemon-control --start`).
   */
  guardFile?: string | null;
  /** What the daemon runs; default: this very program again (execPath, execArgv, argv). */
  argv?: readonly string[];
}

/**
 * The launcher's side: starts a daemonized copy of this program (or
 * `options.argv`) and returns once it holds the PID-file lock (ok, or stale
 * when a stale PID file was replaced), or with already-done when a daemon
 * runs, or with an error. The copy knows itself by isDaemonizedChild() and
 * must call holdPidFile() before doing anything else.
 */
export async function daemonizeSelf(options: DaemonizeOptions): Promise<DaemonControlResult> {
  const guardPath = options.guardFile === undefined ? defaultGuardFile(options.pidFile) : options.guardFile;
  const guard = guardPath === null ? null : lockGuard(guardPath);
  try {
    let wasStale = false;
    if (guard !== null) {
      const before = readPidFile(options.pidFile);
      if (before.kind === "invalid") return { status: DaemonControlStatus.error, message: before.reason, pid: null };
      if (before.kind === "running" || before.kind === "exiting") {
        const pid = before.kind === "running" ? before.pid : null;
        return { status: DaemonControlStatus.already, message: "the daemon is already running", pid };
      }
      wasStale = before.kind === "stale";
    }
    const argv = options.argv ?? [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
    return launchResult(await spawnDaemon({ ...options, argv }), wasStale);
  } finally {
    guard?.release();
  }
}

function launchResult(outcome: DaemonSpawnOutcome, wasStale: boolean): DaemonControlResult {
  switch (outcome.kind) {
    case "ready":
      return {
        status: wasStale ? DaemonControlStatus.stale : DaemonControlStatus.ok,
        message: `started (pid ${outcome.pid})${wasStale ? ", replacing a stale PID file" : ""}`,
        pid: outcome.pid,
      };
    case "busy":
      return { status: DaemonControlStatus.already, message: "the daemon is already running", pid: outcome.pid };
    case "failed":
      return { status: DaemonControlStatus.error, message: outcome.message, pid: null };
  }
}

// ---- the daemon's side -------------------------------------------------------

/** Whether this process was started by spawnDaemon()/daemonizeSelf() and has not reported yet. */
export function isDaemonizedChild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DAEMON_REPORT_FD_ENV] !== undefined;
}

/** Takes the report fd out of the environment (so no grandchild sees it); null when there is none. */
function takeReportFd(): number | null {
  const text = process.env[DAEMON_REPORT_FD_ENV];
  if (text === undefined) return null;
  delete process.env[DAEMON_REPORT_FD_ENV];
  const fd = /^[0-9]+$/.test(text) ? Number(text) : -1;
  try {
    if (fd < 0 || !fstatSync(fd).isFIFO()) return null;
  } catch {
    return null;
  }
  setCloexec(fd, true);
  return fd;
}

function report(line: string): void {
  const fd = takeReportFd();
  if (fd === null) return;
  try {
    writeSync(fd, `${line.replace(/\n/g, " ")}\n`);
  } catch {
    // The launcher is gone (EPIPE): nobody is waiting for the answer.
  } finally {
    closeSync(fd);
  }
}

/** Tells the launcher (if any) that the daemon holds its PID-file lock and `pid` is in the file. */
export function reportDaemonReady(pid: number): void {
  report(`READY ${pid}`);
}

/** Tells the launcher (if any) that the daemon could not start, and why. */
export function reportDaemonFailure(error: unknown): void {
  if (error instanceof DaemonAlreadyRunning) report(`BUSY ${error.pid ?? "-"}`);
  else report(`FAILED ${error instanceof Error ? error.message : String(error)}`);
}

export interface HoldPidFileOptions {
  /**
   * For a daemon started without a launcher (in the foreground): a guard
   * file to hold while locking and writing, so that no control action sees
   * the file half-written. Ignored in a daemonized copy, whose launcher (or
   * its controller) holds the guard already.
   */
  guardFile?: string | null;
  /** Truncate and release at process exit (libucw's daemon_exit()); default true. */
  releaseAtExit?: boolean;
}

/**
 * The daemon's side: locks the PID file (throws DaemonAlreadyRunning if
 * another process holds it), writes this process's PID, reports to the
 * launcher when there is one, and keeps the lock until release() or exit.
 * A failure is reported to the launcher too before it is thrown.
 */
export function holdPidFile(path: string, options: HoldPidFileOptions = {}): PidFileLock {
  const guard = !isDaemonizedChild() && options.guardFile ? lockGuard(options.guardFile) : null;
  let lock: PidFileLock | null = null;
  try {
    lock = lockPidFile(path);
    lock.writePid(process.pid);
  } catch (error) {
    lock?.release();
    reportDaemonFailure(error);
    throw error;
  } finally {
    guard?.release();
  }
  const held = lock;
  if (options.releaseAtExit ?? true) {
    process.once("exit", () => held.release());
  }
  reportDaemonReady(process.pid);
  return held;
}
