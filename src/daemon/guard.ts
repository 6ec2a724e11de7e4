// The guard file of the daemon-control protocol: every control action (start,
// stop, reload, check) holds an exclusive flock() on it from before it reads
// the PID file until it is done, so no two actions ever interleave. The
// daemon itself never touches it.
import { closeSync, constants, openSync } from "node:fs";
import { lockFile } from "../sys/index.js";

/**
 * The guard file ucw-daemon-control picks when none is given: the PID file's
 * name with its ".pid" suffix replaced by ".lock". Null when the PID file
 * does not end in ".pid" (the utility then refuses to guess).
 */
export function defaultGuardFile(pidFile: string): string | null {
  return pidFile.endsWith(".pid") ? `${pidFile.slice(0, -4)}.lock` : null;
}

export interface GuardLock {
  readonly path: string;
  /** Drops the lock (closes the fd). Idempotent. */
  release(): void;
}

/**
 * Opens (creating it, mode 0666 less the umask, as libucw) and locks the
 * guard file exclusively, waiting as long as another action holds it.
 *
 * The wait blocks the calling thread inside flock(), exactly as libucw does:
 * the kernel wakes waiters when the holder lets go, which is both the
 * cheapest and the fairest wait there is. Do not call it from a process that
 * itself holds the same guard through another fd: that waits forever.
 */
export function lockGuard(path: string): GuardLock {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o666);
  try {
    lockFile(fd, "exclusive", true);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  return {
    path,
    release(): void {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
