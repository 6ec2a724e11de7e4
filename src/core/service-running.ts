// Arriving at the top (systemd's service_enter_running): running while the main process
// lives, exited for RemainAfterExit=yes, otherwise stopped cleanly (ExecStop= runs). A
// RELOADING=1 or STOPPING=1 that came while starting is acted upon now.
import type { ServiceResult, ServiceState } from "./service-state.js";
import { enterSignal, enterStop, enterStopByNotify } from "./service-stop.js";
import type { Transition } from "./service-transition.js";

export function enterRunning(t: Transition, mainPid: number | null, result: ServiceResult, serviceEmpty = false): ServiceState {
  t.fail(result);
  if (t.runtime.result !== "success") return enterSignal(t, "stop-sigterm", result, mainPid, null);
  if (serviceIsUp(t, mainPid, serviceEmpty)) {
    if (t.runtime.notifyPhase === "reloading") return enterReloadByNotify(t, mainPid);
    if (t.runtime.notifyPhase === "stopping") return enterStopByNotify(t, mainPid);
    return { kind: "running", mainPid, deadline: runtimeDeadline(t) };
  }
  if (t.service.remainAfterExit) return { kind: "exited" };
  return enterStop(t, "success", null);
}

/**
 * systemd's service_good: the main process lives; or, when no main process is known (a
 * forking daemon nobody could name) or ExitType=cgroup, any process remains. This reducer
 * cannot look: it stays up and awaits processes-gone. A oneshot never is up by leftovers.
 */
function serviceIsUp(t: Transition, mainPid: number | null, serviceEmpty: boolean): boolean {
  if (mainPid !== null) return true;
  if (serviceEmpty || t.service.type === "oneshot") return false;
  return t.runtime.mainExit === null || t.service.exitType === "cgroup";
}

/** RuntimeMaxSec=, counted from when the service became active (a reload does not reset it). */
function runtimeDeadline(t: Transition): number | null {
  if (t.service.type === "oneshot") return null;
  const since = t.runtime.readySince ?? t.now;
  return t.service.runtimeMaxUsec === Infinity ? null : since + t.service.runtimeMaxUsec;
}

/** RELOADING=1 from a running service: it reloads on its own; wait for READY=1. */
export function enterReloadByNotify(t: Transition, mainPid: number | null): ServiceState {
  // Propagating the reload to PropagatesReloadTo= units is the manager's: it sees running → reload-notify.
  return { kind: "reload-notify", mainPid, deadline: t.startDeadline };
}
