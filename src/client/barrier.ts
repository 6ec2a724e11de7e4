// sd_notify_barrier(3): wait until the manager has read every message we sent
// before. We send BARRIER=1 with the write end of a pipe and close our copy;
// the manager closes its copy once it has handled everything queued before it,
// and the read end then hangs up. A short-lived sender (a shell script's
// `steward notify`) needs this: a message whose sender has already exited
// cannot be attributed to a service.
import { closeFd, pipe, WatchSet } from "../sys/index.js";
import { notify } from "./notify.js";

/** What systemd-notify waits: 5 s. */
export const DEFAULT_BARRIER_TIMEOUT_MS = 5000;
// setTimeout's limit; longer waits are taken as "for ever".
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The manager did not close the barrier fd in time (sd_notify_barrier's -ETIMEDOUT). */
export class BarrierTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`notify barrier: the manager did not answer within ${timeoutMs} ms`);
    this.name = "BarrierTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

export interface BarrierOptions {
  /** Send BARRIER=1 with this process's credentials (sd_pid_notify_barrier); see NotifyOptions.pid. */
  pid?: number;
  /** Drop NOTIFY_SOCKET from our environment afterwards. */
  unsetEnvironment?: boolean;
}

/**
 * Resolves true once the manager has processed every earlier message, false
 * at once when NOTIFY_SOCKET is unset. Rejects with BarrierTimeoutError after
 * `timeoutMs` (Infinity: wait for ever), or with the error of the send. Every
 * fd it opens is closed on every path.
 */
export async function barrier(timeoutMs = DEFAULT_BARRIER_TIMEOUT_MS, options: BarrierOptions = {}): Promise<boolean> {
  if (Number.isNaN(timeoutMs) || timeoutMs < 0) throw new RangeError(`barrier: timeout ${timeoutMs} ms is not a duration`);
  const { readEnd, writeEnd } = pipe(); // close-on-exec, as sd_notify_barrier's pipe2(O_CLOEXEC)
  let sent: boolean;
  try {
    sent = notify({ BARRIER: 1 }, { fds: [writeEnd], pid: options.pid, unsetEnvironment: options.unsetEnvironment });
  } catch (error) {
    closeFd(readEnd);
    throw error;
  } finally {
    // Only the manager's copy (in flight, then received) may keep the pipe open.
    closeFd(writeEnd);
  }
  if (!sent) {
    closeFd(readEnd);
    return false;
  }
  await hangup(readEnd, timeoutMs);
  return true;
}

/** Resolves when every writer of the pipe is gone; closes `readEnd` either way. */
function hangup(readEnd: number, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let watch: WatchSet | null = null;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (error: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Out of the epoll set before the fd is closed (a no-op once reported).
      watch?.remove(readEnd);
      watch?.close();
      closeFd(readEnd);
      if (error) reject(error);
      else resolve();
    };
    try {
      // Registered with no events: only POLLHUP/POLLERR wake it, as the hang-up is all we wait for.
      watch = new WatchSet("hangup", () => finish(null));
      watch.add(readEnd);
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (timeoutMs <= MAX_TIMER_MS) timer = setTimeout(() => finish(new BarrierTimeoutError(timeoutMs)), timeoutMs);
  });
}
