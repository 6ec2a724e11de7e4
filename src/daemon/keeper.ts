// The keeper: holds the PID-file lock on behalf of a program that stays in
// the foreground and knows nothing of PID files (`daemon-control --start
// --keeper -- CMD`). It runs as a daemon itself (started by spawnDaemon, in
// a session of its own), and:
//   1. locks the PID file and marks it "(starting)", as libucw's daemon_init();
//   2. starts CMD, which dies with SIGKILL should the keeper die first;
//   3. writes CMD's PID, so signals from controllers go straight to CMD;
//   4. reports READY to its launcher and forwards SIGTERM/SIGHUP/SIGINT it
//      receives itself to CMD;
//   5. when CMD exits, empties the file *before* reaping CMD (while CMD's PID
//      cannot be reused yet, so "lock held and file names P" always means P
//      is CMD or its unreaped corpse), then reaps, closes and exits with
//      CMD's status (128+signal when killed).
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  PidfdExitWatcher, Reaper, SpawnError, closeFd, reapNow, signalPidfd, spawn, killPid, type ChildChange,
} from "../sys/index.js";
import { DAEMON_REPORT_FD_ENV, reportDaemonFailure, reportDaemonReady } from "./daemonize.js";
import { lockPidFile, type PidFileLock } from "./pid-file.js";

/** The signals the keeper passes on to its program. */
export const FORWARDED_SIGNALS = ["SIGTERM", "SIGHUP", "SIGINT"] as const;

/** The keeper's entry script, next to this module in dist/. */
export function keeperMainPath(): string {
  return fileURLToPath(new URL("./keeper-main.js", import.meta.url));
}

/** The command that runs `command` under a keeper holding `pidFile`. */
export function keeperCommand(pidFile: string, command: readonly string[]): string[] {
  return [process.execPath, keeperMainPath(), "--pid-file", resolve(pidFile), "--", ...command];
}

/** execvp's search: a name with a slash is taken as it is (relative to cwd), else each PATH entry. */
export function findExecutable(name: string, path: string | undefined, cwd: string): string | null {
  const executable = (candidate: string): boolean => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name === "") return null;
  if (name.includes("/")) {
    const candidate = isAbsolute(name) ? name : resolve(cwd, name);
    return executable(candidate) ? candidate : null;
  }
  for (const dir of (path ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter)) {
    const candidate = resolve(cwd, join(dir === "" ? "." : dir, name));
    if (executable(candidate)) return candidate;
  }
  return null;
}

function exitCodeOf(change: ChildChange): number {
  if (change.kind === "exited") return change.code;
  if (change.kind === "killed") return 128 + change.signal;
  return 1;
}

export interface KeeperSpec {
  pidFile: string;
  command: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}

/** Runs the keeper in this process (already daemonized); resolves with the exit code for it. */
export async function runKeeper(spec: KeeperSpec): Promise<number> {
  let lock: PidFileLock;
  try {
    lock = lockPidFile(spec.pidFile);
    lock.markStarting();
  } catch (error) {
    reportDaemonFailure(error);
    return 1;
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env ?? process.env)) {
    if (value !== undefined && key !== DAEMON_REPORT_FD_ENV) env[key] = value;
  }
  const name = spec.command[0] ?? "";
  const file = findExecutable(name, env.PATH, process.cwd());
  let child;
  try {
    if (file === null) throw new Error(`Cannot execute \`${name}': ENOENT (No such file or directory)`);
    child = spawn({ file, argv: spec.command, env, fds: [0, 1, 2], parentDeathSignal: "SIGKILL" });
  } catch (error) {
    lock.release();
    reportDaemonFailure(error instanceof SpawnError ? new Error(`Cannot execute \`${name}': ${error.message}`) : error);
    return 1;
  }
  const { pid, pidfd } = child;
  const forward = (signal: NodeJS.Signals): void => {
    try {
      if (pidfd !== null) signalPidfd(pidfd, signal);
      else killPid(pid, signal);
    } catch {
      // it has just ended; its exit is on its way
    }
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  lock.writePid(pid);
  reportDaemonReady(pid);
  try {
    const change = pidfd !== null ? await exitSeenOnPidfd(pid, pidfd, lock) : await exitSeenByReaper(pid, lock);
    return exitCodeOf(change);
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    if (pidfd !== null) closeFd(pidfd);
    lock.release();
  }
}

// The pidfd turns readable when CMD is a zombie: its PID is still taken, so
// the file can be emptied before the PID is freed by reaping it.
function exitSeenOnPidfd(pid: number, pidfd: number, lock: PidFileLock): Promise<ChildChange> {
  return new Promise((resolvePromise) => {
    const watcher = new PidfdExitWatcher(() => {
      watcher.close();
      lock.markExiting();
      // The keeper has no other child, so reaping them all reaps CMD.
      const change = reapNow().find((c) => c.pid === pid && (c.kind === "exited" || c.kind === "killed"));
      resolvePromise(change ?? { pid, kind: "exited", code: 1 });
    });
    watcher.add(pidfd);
  });
}

// Kernels without pidfds: the reaper reports CMD only once reaped, so the
// file is emptied just after, a window libucw's daemon_exit() has as well.
function exitSeenByReaper(pid: number, lock: PidFileLock): Promise<ChildChange> {
  return new Promise((resolvePromise) => {
    const reaper = new Reaper((changes) => {
      const change = changes.find((c) => c.pid === pid && (c.kind === "exited" || c.kind === "killed"));
      if (change === undefined) return;
      reaper.close();
      lock.markExiting();
      resolvePromise(change);
    });
  });
}
