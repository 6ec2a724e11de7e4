// How a process end becomes a service result (systemd's is_clean_exit and
// service_sigchld_event), what a failed spawn counts as, and the results status shows.
import { exitStatusSetHas } from "../protocol/exit-status.js";
import type { ExitStatusSet, ProcessEnd } from "../protocol/exit-status.js";
import { signalName } from "../protocol/signals.js";
import type { ServiceResult } from "./service-state.js";
import { SIGHUP, SIGINT, SIGPIPE, SIGTERM } from "./signal-numbers.js";

/**
 * "daemon": a main process (not oneshot), for which dying of SIGHUP, SIGINT, SIGTERM or
 * SIGPIPE is a clean exit (a daemon without handlers for them); "command": oneshot main
 * processes and control processes, where only exit 0 (or SuccessExitStatus=) is clean.
 */
export type CleanMode = "daemon" | "command";

const DAEMON_CLEAN_SIGNALS: ReadonlySet<number> = new Set([SIGHUP, SIGINT, SIGTERM, SIGPIPE]);

export function isCleanExit(end: ProcessEnd, mode: CleanMode, successStatus: ExitStatusSet): boolean {
  if (end.kind === "exited") return end.code === 0 || successStatus.codes.includes(end.code);
  // systemd: a core dump is never clean, whatever SuccessExitStatus= lists.
  if (end.coreDumped) return false;
  return (mode === "daemon" && DAEMON_CLEAN_SIGNALS.has(end.signal)) || successStatus.signals.includes(end.signal);
}

export function resultOfEnd(end: ProcessEnd, mode: CleanMode, successStatus: ExitStatusSet): ServiceResult {
  if (isCleanExit(end, mode, successStatus)) return "success";
  if (end.kind === "exited") return "exit-code";
  return end.coreDumped ? "core-dump" : "signal";
}

/** Whether an end is listed in RestartPreventExitStatus= and the like. */
export function endListed(set: ExitStatusSet, end: ProcessEnd | null): boolean {
  return end !== null && exitStatusSetHas(set, end);
}

// Where a spawn failed in the child, systemd's child exits with these statuses
// (exit-status.h), and the service sees an ordinary exit. Failures before the child
// existed are "resources".
const CHILD_STAGE_EXIT_STATUS: ReadonlyMap<string, number> = new Map([
  ["execve", 203], // EXEC
  ["chdir", 200], // CHDIR
  ["dup", 202], // FDS
  ["rlimit", 205], // LIMITS
  ["signals", 207], // SIGNAL_MASK
  ["setgroups", 216], // GROUP
  ["setgid", 216],
  ["setuid", 217], // USER
  ["cgroup", 219], // CGROUP
  ["setsid", 220], // SETSID
  ["setpgid", 220],
  ["pdeathsig", 1],
]);

/** The end a failed spawn counts as, or null when nothing was forked (result "resources"). */
export function spawnFailureEnd(stage: string): ProcessEnd | null {
  const code = CHILD_STAGE_EXIT_STATUS.get(stage);
  return code === undefined ? null : { kind: "exited", code };
}

/**
 * The result as DESIGN.md's status contract names it: a core dump is shown as "signal",
 * an OOM kill as "resources", a skip by ExecCondition= as "success" (the unit is inactive,
 * not failed). Internally, and in $SERVICE_RESULT, systemd's names are kept.
 */
export type ApiResult = "success" | "exit-code" | "signal" | "timeout" | "watchdog" | "start-limit-hit" | "resources" | "protocol";

export function apiResult(result: ServiceResult): ApiResult {
  switch (result) {
    case "core-dump":
      return "signal";
    case "oom-kill":
      return "resources";
    case "exec-condition":
      return "success";
    case "success":
    case "exit-code":
    case "signal":
    case "timeout":
    case "watchdog":
    case "start-limit-hit":
    case "resources":
    case "protocol":
      return result;
  }
}

/** $EXIT_CODE and $EXIT_STATUS as systemd sets them for ExecStop=/ExecStopPost=. */
export function exitEnvironment(end: ProcessEnd): { EXIT_CODE: string; EXIT_STATUS: string } {
  if (end.kind === "exited") return { EXIT_CODE: "exited", EXIT_STATUS: String(end.code) };
  const name = signalName(end.signal);
  return { EXIT_CODE: end.coreDumped ? "dumped" : "killed", EXIT_STATUS: name.startsWith("SIG") ? name.slice(3) : name };
}
