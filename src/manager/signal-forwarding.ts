// Passing a signal on to a service (steward run as a container's PID 1). "main": to the
// main process alone, as tini does by default. "group": to the main process's process
// group, as tini -g (TINI_KILL_PROCESS_GROUP) does with kill(-pid): a shell script's
// children in the foreground get it too. steward starts every service process in a
// session (and so a process group) of its own, so the group is the service's tree unless
// a process moved itself out with setsid()/setpgid().
import { isSystemCallError, killPid, killProcessGroup } from "../sys/index.js";
import { readProcStat } from "./proc.js";

export type ForwardTarget = "main" | "group";

export const FORWARD_TARGETS: readonly ForwardTarget[] = ["main", "group"];

/**
 * The process group to signal for a main process: its own, as /proc says; its PID (the
 * group it was started as the leader of) when /proc is missing or another namespace's.
 */
export function processGroupOf(pid: number): number {
  const stat = readProcStat(pid); // null when /proc is missing or another namespace's
  return stat && stat.pgrp > 1 ? stat.pgrp : pid;
}

export function forwardToProcess(mainPid: number, signal: NodeJS.Signals, to: ForwardTarget): void {
  try {
    if (to === "group") killProcessGroup(processGroupOf(mainPid), signal);
    else killPid(mainPid, signal);
  } catch (error) {
    // Gone meanwhile (tini ignores ESRCH too).
    if (!isSystemCallError(error, "ESRCH")) throw error;
  }
}
