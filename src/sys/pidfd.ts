// pidfds: signals that never reach a recycled PID, and exit of processes that are not our children.
import { native } from "./native.js";
import { signalNumber, type SignalLike } from "./signals.js";
import { WatchSet } from "./watch-set.js";

export function openPidfd(pid: number): number {
  return native.pidfdOpen(pid);
}

/** Throws ESRCH once the process has exited and been reaped. */
export function signalPidfd(pidfd: number, signal: SignalLike): void {
  native.pidfdSendSignal(pidfd, signalNumber(signal));
}

/** The pidfs inode ID of the process (what MAINPIDFDID= carries). */
export function pidfdInodeId(pidfd: number): bigint {
  return native.pidfdInodeId(pidfd);
}

/** Reports pidfds whose process has exited, all that exited in one wake-up at once. */
export class PidfdExitWatcher extends WatchSet {
  constructor(onExited: (pidfds: number[]) => void) {
    super("readable", onExited);
  }
}
