// Reloading (systemd's service_enter_reload and friends, as in current upstream): ExecReload=
// runs first; then a Type=notify-reload service is sent ReloadSignal= and must answer
// RELOADING=1 (stamped with MONOTONIC_USEC= after the request) and READY=1. Whatever the
// outcome, the service goes back to running; only reloadResult records a failure.
import { enterRunning } from "./service-running.js";
import { hasCommand, spawnControl } from "./service-spawn.js";
import type { ReloadState, ServiceResult, ServiceState } from "./service-state.js";
import { SIGCONT, SIGKILL } from "./signal-numbers.js";
import type { Transition } from "./service-transition.js";

export function canReload(t: Transition): boolean {
  return hasCommand(t, "ExecReload") || t.service.type === "notify-reload";
}

export function enterReload(t: Transition, mainPid: number | null): ServiceState {
  const phase = t.runtime.notifyPhase;
  t.update({
    reloadResult: "success",
    reloadBeganAt: t.now,
    notifyPhase: phase === "reloading" || phase === "reload-ready" ? null : phase,
  });
  if (!hasCommand(t, "ExecReload")) return enterReloadSignal(t, mainPid, null);
  return { kind: "reload", mainPid, control: spawnControl(t, "ExecReload", 0, mainPid), deadline: t.startDeadline };
}

/** After ExecReload= (`afterCommand`) or instead of it. */
export function enterReloadSignal(t: Transition, mainPid: number | null, afterCommand: ReloadState | null): ServiceState {
  if (t.service.type !== "notify-reload") return finishReload(t, "success", mainPid);
  if (afterCommand !== null) {
    // The service may have told us about its reload while ExecReload= ran.
    if (t.runtime.notifyPhase === "reloading") return { kind: "reload-notify", mainPid, deadline: afterCommand.deadline };
    if (t.runtime.notifyPhase === "reload-ready") return finishReload(t, "success", mainPid);
  }
  if (mainPid === null) return finishReload(t, "success", mainPid);
  const signal = t.service.reloadSignal;
  t.emit({ kind: "signal", scope: "main", pid: mainPid, signal });
  if (signal !== SIGCONT && signal !== SIGKILL) t.emit({ kind: "signal", scope: "main", pid: mainPid, signal: SIGCONT });
  return { kind: "reload-signal", mainPid, deadline: t.startDeadline };
}

export function finishReload(t: Transition, result: ServiceResult, mainPid: number | null): ServiceState {
  const phase = t.runtime.notifyPhase;
  // A dangling RELOADING=1 must not send the service straight back into reload-notify.
  t.update({ reloadResult: result, reloadBeganAt: null, notifyPhase: phase === "reloading" ? null : phase });
  if (result !== "success") t.log("warning", `Reload failed with result '${result}'.`);
  return enterRunning(t, mainPid, "success");
}
