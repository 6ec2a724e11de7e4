// What the host lets the manager do, checked once at start: /proc (present, and of our
// own PID namespace), pidfds, the child-subreaper bit, writable cgroup v2. A container
// runtime or an `unshare --pid` without `--mount-proc` can take any of them away; the
// manager keeps working, and says once, per missing piece, what it cannot do as a result
// (on stderr at start, and in `status --json` as `degraded`).
import { existsSync, readlinkSync } from "node:fs";
import { closeFd, isChildSubreaper, openPidfd } from "../sys/index.js";

export interface Degradation {
  /** A short key: "proc-missing", "proc-foreign", "pidfd", "subreaper", "cgroup". */
  feature: string;
  /** One line for a person: what is missing, and what steward cannot do as a result. */
  message: string;
}

/** What /proc/self resolves to: our PID as /proc's PID namespace numbers it; null without /proc. */
function procSelf(procRoot: string): number | null {
  try {
    return Number(readlinkSync(`${procRoot}/self`));
  } catch {
    return null;
  }
}

export interface HostProbeInput {
  /** Why cgroup tracking is off (null when it is on, or tree tracking was asked for). */
  cgroupReason: string | null;
  /** Where /proc is (tests point it elsewhere). */
  procRoot?: string;
  pid?: number;
}

export function probeHost(input: HostProbeInput): Degradation[] {
  const found: Degradation[] = [];
  const procRoot = input.procRoot ?? "/proc";
  const pid = input.pid ?? process.pid;
  const self = existsSync(`${procRoot}/self/stat`) ? procSelf(procRoot) : null;
  if (self === null) {
    found.push({
      feature: "proc-missing",
      message: `${procRoot} is not mounted: steward knows only the processes it started itself: under tree tracking a stop does not find what they forked, GuessMainPID= finds nothing, and PID files and MAINPID= naming other processes are refused`,
    });
  } else if (self !== pid) {
    found.push({
      feature: "proc-foreign",
      message: `${procRoot} belongs to another PID namespace (it calls us ${self}, we are ${pid}; mount a proc of this namespace, e.g. unshare --mount-proc): steward does not read it, so it knows only the processes it started itself: under tree tracking a stop does not find what they forked, GuessMainPID= finds nothing, and PID files and MAINPID= naming other processes are refused; signals reach the processes it started through pidfds`,
    });
  }
  try {
    closeFd(openPidfd(pid));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    found.push({
      feature: "pidfd",
      message: `pidfd_open is not available (${code}): signals go by PID, which a recycled PID could misdirect, and the exit of a MAINPID= process that is not our child cannot be watched`,
    });
  }
  // PID 1 of a namespace is everyone's reaper by birth; anyone else needs the bit.
  if (pid !== 1 && !safeIsSubreaper()) {
    found.push({
      feature: "subreaper",
      message: "not a child subreaper (PR_SET_CHILD_SUBREAPER refused): daemons that double-fork escape to init, and their exit statuses are lost",
    });
  }
  if (input.cgroupReason !== null) {
    found.push({ feature: "cgroup", message: `no cgroup tracking (${input.cgroupReason}): membership by process tree, which a process that leaves its session and loses its parent can escape unless it keeps INVOCATION_ID` });
  }
  return found;
}

function safeIsSubreaper(): boolean {
  try {
    return isChildSubreaper();
  } catch {
    return false;
  }
}
