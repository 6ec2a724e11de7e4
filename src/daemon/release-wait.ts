// Waiting for a daemon to let go of its PID-file lock: the proof that it is
// gone (its PID vanishing is not: a forked child may still hold the lock, and
// a PID can be reused).
//
// flock() offers no readiness event: no poll/epoll bit and no inotify event
// fires when a lock is released, and a blocking flock() can be bounded by no
// deadline (and would freeze the event loop). So the wait is driven by the
// event that normally comes with the release, the exit of the process the
// PID file names, seen on its pidfd; each wake-up then tries the lock
// without waiting. Where that event cannot come (no pidfd, PID 0 "exiting",
// a lock shared with a forked child, the keeper's moment between its
// program's exit and its own), a poll with a short backoff (1 ms doubling
// to 50 ms) covers it.
import { PidfdExitWatcher, lockFile } from "../sys/index.js";

const FIRST_DELAY_MS = 1;
const MAX_DELAY_MS = 50;
// While the pidfd may still fire, the poll is only a fallback: keep it rare.
const MAX_DELAY_WITH_PIDFD_MS = 500;

export type ReleaseOutcome = "released" | "timeout";

export interface ReleaseWait {
  /** An fd on the PID file; on "released" it holds a shared lock until closed. */
  pidFileFd: number;
  /** The pidfd of the process the file names, when there is one. */
  pidfd: number | null;
  /** Absolute time (Date.now()) to give up at; null waits for ever, as libucw. */
  deadline: number | null;
}

export async function waitForRelease({ pidFileFd, pidfd, deadline }: ReleaseWait): Promise<ReleaseOutcome> {
  let wake: (() => void) | null = null;
  let exited = false;
  const watcher =
    pidfd === null
      ? null
      : new PidfdExitWatcher(() => {
          exited = true;
          wake?.();
        });
  watcher?.add(pidfd as number);
  let delay = FIRST_DELAY_MS;
  try {
    for (;;) {
      if (lockFile(pidFileFd, "shared", false)) return "released";
      const now = Date.now();
      if (deadline !== null && now >= deadline) return "timeout";
      const waitingForExit = watcher !== null && !exited;
      const pause = deadline === null ? delay : Math.min(delay, deadline - now);
      const wasExited = exited;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      // The named process just ended: its lock should follow at once.
      if (exited && !wasExited) delay = FIRST_DELAY_MS;
      else delay = Math.min(delay * 2, waitingForExit ? MAX_DELAY_WITH_PIDFD_MS : MAX_DELAY_MS);
    }
  } finally {
    if (watcher !== null) {
      if (!exited) watcher.remove(pidfd as number);
      watcher.close();
    }
  }
}
