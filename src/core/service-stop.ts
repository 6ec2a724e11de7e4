// The way down (protocols.md §4.3): ExecStop=, the kill stages, ExecStopPost=, the final
// kill stages, and the end: dead, failed or auto-restart. Each enter* function mirrors
// systemd's service_enter_* of the same name and takes the result to record (the first
// non-success result of a cycle sticks).
import { restartDelayUsec } from "./restart-backoff.js";
import { shallRestart } from "./restart-policy.js";
import { sendKillSignals } from "./service-kill.js";
import { hasCommand, spawnControl } from "./service-spawn.js";
import type { ControlProcess, KillStage, ServiceResult, ServiceState } from "./service-state.js";
import type { Transition } from "./service-transition.js";

/** Runs ExecStop=, or goes straight to the kill stages when there is none. */
export function enterStop(t: Transition, result: ServiceResult, mainPid: number | null): ServiceState {
  t.fail(result);
  if (!hasCommand(t, "ExecStop")) return enterSignal(t, "stop-sigterm", "success", mainPid, null);
  return { kind: "stop", mainPid, control: spawnControl(t, "ExecStop", 0, mainPid), deadline: t.stopDeadline };
}

/**
 * Sends a kill stage's signals and waits for the processes to go (TimeoutStopSec=, or
 * TimeoutAbortSec= after WatchdogSignal=). When there was nobody to signal, systemd moves on
 * to the next stage at once.
 */
export function enterSignal(
  t: Transition,
  stage: KillStage,
  result: ServiceResult,
  mainPid: number | null,
  control: ControlProcess | null,
): ServiceState {
  t.fail(result);
  // A control process whose spawn is still pending cannot be signalled (the manager answers
  // spawns at once, so this does not happen); it is forgotten.
  const running = control?.pid === null ? null : control;
  const sent = sendKillSignals(t, stage, mainPid, running?.pid ?? null);
  if (sent.signalledProcesses || sent.signalledOthers) {
    const watchdog = stage === "stop-watchdog" || stage === "final-watchdog";
    return { kind: stage, mainPid, control: running, deadline: watchdog ? t.abortDeadline : t.stopDeadline };
  }
  const sendSigkill = t.service.kill.sendSigkill;
  switch (stage) {
    case "stop-watchdog":
    case "stop-sigterm":
      return sendSigkill ? enterSignal(t, "stop-sigkill", "success", mainPid, running) : enterStopPost(t, "success", mainPid);
    case "stop-sigkill":
      return enterStopPost(t, "success", mainPid);
    case "final-watchdog":
    case "final-sigterm":
      return sendSigkill ? enterSignal(t, "final-sigkill", "success", mainPid, running) : enterDead(t, "success", true);
    case "final-sigkill":
      return enterDead(t, "success", true);
  }
}

/** STOPPING=1: as if the service had been sent KillSignal=, without sending anything. */
export function enterStopByNotify(t: Transition, mainPid: number | null): ServiceState {
  return { kind: "stop-sigterm", mainPid, control: null, deadline: t.stopDeadline };
}

/** Runs ExecStopPost= (also after a failed start), or kills what is left. */
export function enterStopPost(t: Transition, result: ServiceResult, mainPid: number | null): ServiceState {
  t.fail(result);
  if (!hasCommand(t, "ExecStopPost")) return enterSignal(t, "final-sigterm", "success", mainPid, null);
  return { kind: "stop-post", mainPid, control: spawnControl(t, "ExecStopPost", 0, mainPid), deadline: t.stopDeadline };
}

/** The end of a cycle: dead, failed, or auto-restart when Restart= says so. */
export function enterDead(t: Transition, result: ServiceResult, allowRestart: boolean): ServiceState {
  t.fail(result);
  const final = t.runtime.result;
  if (final === "success") t.log("info", "Deactivated successfully.");
  else if (final === "exec-condition") t.log("info", "Skipped due to 'exec-condition'.");
  else t.log("warning", `Failed with result '${final}'.`);

  let restart = false;
  if (!allowRestart) t.log("debug", "Service restart not allowed.");
  else if (t.runtime.stopRequested) t.log("debug", "Service will not restart (manual stop).");
  else {
    const decision = shallRestart(t.service, final, t.runtime.mainExit);
    restart = decision.restart;
    t.log("debug", `Service will ${restart ? "" : "not "}restart (${decision.reason}).`);
  }

  // systemd removes the PID file: it is out of date now and might confuse someone.
  if (t.service.pidFile !== null) t.emit({ kind: "remove-pid-file", path: t.service.pidFile });
  t.update({
    stopRequested: false,
    stopForRestart: false,
    notifyAccessOverride: null,
    notifyPhase: null,
    lastEnd: { result: final, at: t.now, invocation: t.runtime.invocation },
  });
  if (restart) {
    const delay = restartDelayUsec(t.service, t.runtime.restarts);
    t.log("debug", `Next restart interval calculated as ${delay} µs.`);
    return { kind: "auto-restart", deadline: t.now + delay, result: final };
  }
  return { kind: final === "success" || final === "exec-condition" ? "dead" : "failed" };
}
