// Process attributes and signals: subreaper, parent-death signal, kill, killpg, flock.
import { native } from "./native.js";
import { signalNumber, type SignalLike } from "./signals.js";

/** Orphaned descendants are re-parented to us instead of init (PR_SET_CHILD_SUBREAPER). */
export function setChildSubreaper(on: boolean): void {
  native.setChildSubreaper(on);
}

export function isChildSubreaper(): boolean {
  return native.getChildSubreaper();
}

/** The signal this process gets when its parent thread dies; 0 clears it. */
export function setParentDeathSignal(signal: SignalLike): void {
  native.setParentDeathSignal(signalNumber(signal));
}

export function parentDeathSignal(): number {
  return native.getParentDeathSignal();
}

/** kill(2) for a positive PID only: never a broadcast by accident. */
export function killPid(pid: number, signal: SignalLike): void {
  native.kill(pid, signalNumber(signal));
}

export function killProcessGroup(pgid: number, signal: SignalLike): void {
  native.killpg(pgid, signalNumber(signal));
}

export type LockMode = "shared" | "exclusive";

/** flock(2): true when taken; with wait=false, false while someone else holds it. */
export function lockFile(fd: number, mode: LockMode, wait = false): boolean {
  return native.flock(fd, mode, wait);
}

export function unlockFile(fd: number): void {
  native.flock(fd, "unlock", true);
}
