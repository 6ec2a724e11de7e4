// The one step where steward does better than libucw's protocol. libucw reads
// the PID while the daemon's lock is held and then calls kill(pid): if the
// daemon exits and its PID is reused in between, the signal hits a stranger
// (its own documentation says so). steward turns the PID into a pidfd and
// only then checks, on the same open file, that the lock is still held and
// the file still names that PID. The lock holder was alive at that second
// look, so it was alive when the pidfd was opened, and the pidfd is the
// daemon's: a signal through it can never reach a recycled PID.
import { closeSync, constants, openSync } from "node:fs";
import { closeFd, isSystemCallError, openPidfd } from "../sys/index.js";
import { inspectOpenPidFile, type PidFileState } from "./pid-file.js";

/**
 * - `pinned`: `pidfd` is the daemon's (null where the kernel has no pidfds:
 *   the caller falls back to kill(pid), with libucw's window).
 * - `absent`: the lock is held and the file names `pid`, but no such process
 *   exists: something else holds the lock (a child the daemon forked, or a
 *   program that does not follow the protocol). Nobody may be signalled.
 * - `changed`: between the first read and now the daemon went away (or the
 *   file changed); `state` is what the file says now.
 *
 * `pidFileFd` is an open fd on the PID file that was checked, for waiting on
 * its lock; the caller closes it (and `pidfd`).
 */
export type PinnedDaemon =
  | { kind: "pinned"; pid: number; pidfd: number | null; pidFileFd: number }
  | { kind: "absent"; pid: number; pidFileFd: number }
  | { kind: "changed"; state: PidFileState };

function openPidfdIfAny(pid: number): number | null | "gone" {
  try {
    return openPidfd(pid);
  } catch (error) {
    if (isSystemCallError(error, "ESRCH")) return "gone";
    // ENOSYS (kernel < 5.3) or a seccomp filter: no pidfds here.
    return null;
  }
}

/** Pins the daemon a previous read of `path` found running as `pid`. */
export function pinDaemon(path: string, pid: number): PinnedDaemon {
  let pidFileFd: number;
  try {
    pidFileFd = openSync(path, constants.O_RDONLY);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { kind: "changed", state: { kind: "missing" } };
    const code = (error as { code?: string }).code ?? String(error);
    return { kind: "changed", state: { kind: "invalid", reason: `Cannot open PID file \`${path}': ${code}` } };
  }
  const pidfd = openPidfdIfAny(pid);
  // The second look, after the pidfd exists: same lock holder, same PID?
  const now = inspectOpenPidFile(pidFileFd, path);
  if (now.kind === "running" && now.pid === pid) {
    if (pidfd === "gone") return { kind: "absent", pid, pidFileFd };
    return { kind: "pinned", pid, pidfd, pidFileFd };
  }
  if (typeof pidfd === "number") closeFd(pidfd);
  closeSync(pidFileFd);
  return { kind: "changed", state: now };
}
