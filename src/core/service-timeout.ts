// The service's one timer fired (systemd's service_dispatch_timer, protocols.md §4.3 table,
// and service_dispatch_watchdog): TimeoutStartSec= with TimeoutStartFailureMode=,
// RuntimeMaxSec=, a reload that takes too long, TimeoutStopSec= with TimeoutStopFailureMode=
// through the kill stages, the end of RestartSec=, and WatchdogSec= without a WATCHDOG=1.
import { finishReload } from "./service-reload.js";
import { beginStart } from "./service-start.js";
import { activeWatchdog, controlOf, deadlineOf, mainPidOf } from "./service-state.js";
import type { ControlProcess, ServiceState } from "./service-state.js";
import type { TimeoutFailureMode } from "../units/service-section.js";
import { enterDead, enterSignal, enterStop, enterStopPost } from "./service-stop.js";
import { SIGKILL } from "./signal-numbers.js";
import type { Transition } from "./service-transition.js";
import { onWatchdogExpired } from "./service-watchdog.js";

export function onTimer(t: Transition, state: ServiceState): ServiceState {
  const deadline = deadlineOf(state);
  // The state's own timeout first: systemd runs the watchdog at idle priority. If both are
  // due and the state stays where the watchdog counts, the re-armed timer fires again at once.
  if (deadline !== null && t.now >= deadline) return onStateTimeout(t, state);
  const watchdog = activeWatchdog(state, t.runtime);
  if (watchdog !== null && t.now >= watchdog.deadline) return onWatchdogExpired(t, state);
  // A timer armed for an earlier deadline, or for a state since left.
  return state;
}

function onStateTimeout(t: Transition, state: ServiceState): ServiceState {
  const mainPid = mainPidOf(state);
  const control = controlOf(state);
  const { sendSigkill } = t.service.kill;
  switch (state.kind) {
    case "dead":
    case "failed":
    case "exited":
      return state;
    case "condition":
    case "start-pre":
    case "start":
    case "start-post":
      return failOnTimeout(t, t.service.timeoutStartFailureMode, `${state.kind} operation timed out.`, "stop", mainPid, control);
    case "running":
      t.log("warning", "Service reached runtime time limit. Stopping.");
      return enterStop(t, "timeout", mainPid);
    case "reload":
    case "reload-signal":
    case "reload-notify":
      t.log("warning", "Reload operation timed out. Killing reload process.");
      if (control !== null && control.pid !== null) t.emit({ kind: "signal", scope: "control", pid: control.pid, signal: SIGKILL });
      return finishReload(t, "timeout", mainPid);
    case "stop":
      return failOnTimeout(t, t.service.timeoutStopFailureMode, "Stopping timed out.", "stop", mainPid, control);
    case "stop-watchdog":
      t.log("warning", `State 'stop-watchdog' timed out. ${sendSigkill ? "Killing." : "Skipping SIGKILL."}`);
      return sendSigkill ? enterSignal(t, "stop-sigkill", "timeout", mainPid, control) : enterStopPost(t, "timeout", mainPid);
    case "stop-sigterm":
      if (t.service.timeoutStopFailureMode === "abort") {
        t.log("warning", "State 'stop-sigterm' timed out. Aborting.");
        return enterSignal(t, "stop-watchdog", "timeout", mainPid, control);
      }
      t.log("warning", `State 'stop-sigterm' timed out. ${sendSigkill ? "Killing." : "Skipping SIGKILL."}`);
      return sendSigkill ? enterSignal(t, "stop-sigkill", "timeout", mainPid, control) : enterStopPost(t, "timeout", mainPid);
    case "stop-sigkill":
      // Something SIGKILL cannot kill (uninterruptible sleep): go on regardless.
      t.log("warning", "Processes still around after SIGKILL. Ignoring.");
      return enterStopPost(t, "timeout", mainPid);
    case "stop-post":
      return failOnTimeout(t, t.service.timeoutStopFailureMode, "State 'stop-post' timed out.", "final", mainPid, control);
    case "final-watchdog":
      t.log("warning", `State 'final-watchdog' timed out. ${sendSigkill ? "Killing." : "Skipping SIGKILL. Entering failed mode."}`);
      return sendSigkill ? enterSignal(t, "final-sigkill", "timeout", mainPid, control) : enterDead(t, "timeout", false);
    case "final-sigterm":
      if (t.service.timeoutStopFailureMode === "abort") {
        t.log("warning", "State 'final-sigterm' timed out. Aborting.");
        return enterSignal(t, "final-watchdog", "timeout", mainPid, control);
      }
      t.log("warning", `State 'final-sigterm' timed out. ${sendSigkill ? "Killing." : "Skipping SIGKILL. Entering failed mode."}`);
      return sendSigkill ? enterSignal(t, "final-sigkill", "timeout", mainPid, control) : enterDead(t, "timeout", false);
    case "final-sigkill":
      t.log("warning", "Processes still around after final SIGKILL. Entering failed mode.");
      return enterDead(t, "timeout", true);
    case "auto-restart":
      return restartNow(t);
  }
}

/**
 * TimeoutStartFailureMode=/TimeoutStopFailureMode=: terminate (KillSignal=), abort
 * (WatchdogSignal=, then TimeoutAbortSec=) or kill (FinalKillSignal= at once). `phase`
 * "final" is after ExecStopPost=, where skipping SIGKILL ends the service (failed, no restart).
 */
function failOnTimeout(
  t: Transition,
  mode: TimeoutFailureMode,
  what: string,
  phase: "stop" | "final",
  mainPid: number | null,
  control: ControlProcess | null,
): ServiceState {
  const stage = phase === "stop" ? ({ terminate: "stop-sigterm", abort: "stop-watchdog", kill: "stop-sigkill" } as const) : ({ terminate: "final-sigterm", abort: "final-watchdog", kill: "final-sigkill" } as const);
  if (mode === "kill" && !t.service.kill.sendSigkill) {
    t.log("warning", `${what} Skipping SIGKILL.`);
    return phase === "stop" ? enterStopPost(t, "timeout", mainPid) : enterDead(t, "timeout", false);
  }
  t.log("warning", `${what} ${{ terminate: "Terminating.", abort: "Aborting.", kill: "Killing." }[mode]}`);
  return enterSignal(t, stage[mode], "timeout", mainPid, control);
}

/** The restart job: NRestarts counts it, then a start like any other (start limit included). */
export function restartNow(t: Transition): ServiceState {
  const restarts = t.runtime.restarts + 1;
  t.update({ restarts });
  t.log("info", `Scheduled restart job, restart counter is at ${restarts}.`);
  return beginStart(t, true);
}
