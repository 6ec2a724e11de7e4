// The service lifecycle reducer: (unit, state + runtime, event) → (state + runtime, effects).
// Pure: no I/O, no clock (time comes on the event), nothing the caller holds is changed.
// The states, events and effects are in service-state.ts; how each kind of event moves each
// state is in the file named after it: requests here, processes in service-process.ts,
// sd_notify in service-notify.ts, deadlines in service-timeout.ts, the watchdog in
// service-watchdog.ts.
import type { ServiceUnitModel } from "../units/unit-model.js";
import { onNotify } from "./service-notify.js";
import { onChildExited, onChildStopped, onSpawned, onSpawnFailed } from "./service-process.js";
import { canReload, enterReload } from "./service-reload.js";
import { enterRunning } from "./service-running.js";
import { beginStart, onMainPidGuessed, onPidFileRead, pidFileNeverWritten } from "./service-start.js";
import { activeState, controlOf, mainPidOf, timerOf, WATCHDOG_STATES } from "./service-state.js";
import type { ServiceEvent, ServiceSnapshot, ServiceState, StepResult } from "./service-state.js";
import { enterDead, enterSignal, enterStop, enterStopPost } from "./service-stop.js";
import { restartNow, onTimer } from "./service-timeout.js";
import { emptyStartLimitWindow } from "./start-limit.js";
import { Transition } from "./service-transition.js";

export function step(model: ServiceUnitModel, snapshot: ServiceSnapshot, event: ServiceEvent): StepResult {
  const t = new Transition(model, snapshot.runtime, event.now);
  const state = runQueuedStart(t, dispatch(t, snapshot.state, event));
  settle(t, snapshot, state, event);
  return { state, runtime: t.runtime, effects: t.effects };
}

/**
 * A start job that waited for the service to go down runs once it is down (systemd's job
 * engine): from dead or failed as a manual start; a plain start finding an automatic restart
 * pending hurries it up instead.
 */
function runQueuedStart(t: Transition, state: ServiceState): ServiceState {
  const queued = t.runtime.queuedStart;
  if (queued === null) return state;
  if (state.kind === "dead" || state.kind === "failed") return beginStart(t, false);
  if (state.kind === "auto-restart") return queued === "start" ? restartNow(t) : beginStart(t, false);
  return state;
}

function dispatch(t: Transition, state: ServiceState, event: ServiceEvent): ServiceState {
  switch (event.kind) {
    case "start-requested":
      return onStartRequested(t, state);
    case "stop-requested":
      t.update({ queuedStart: null });
      return onStopRequested(t, state, event.forRestart === true);
    case "restart-requested":
      return onRestartRequested(t, state);
    case "reload-requested":
      return onReloadRequested(t, state);
    case "reset-failed-requested":
      return onResetFailed(t, state);
    case "spawned":
      return onSpawned(t, state, event);
    case "spawn-failed":
      return onSpawnFailed(t, state, event);
    case "child-exited":
      return onChildExited(t, state, event);
    case "child-stopped":
      return onChildStopped(t, state, event);
    case "notify":
      return onNotify(t, state, event);
    case "pid-file-read":
      if ((state.kind === "start" || state.kind === "start-post") && isReadingPidFile(state)) return onPidFileRead(t, state, event.outcome);
      return state;
    case "main-pid-guessed":
      if ((state.kind === "start" || state.kind === "start-post") && state.lookup === "guessing") {
        return onMainPidGuessed(t, state, event.pid, event.reason);
      }
      return state;
    case "processes-gone":
      return onProcessesGone(t, state);
    case "timer":
      return onTimer(t, state);
  }
}

function isReadingPidFile(state: { readonly lookup: string }): boolean {
  return state.lookup === "reading-pid-file" || state.lookup === "waiting-for-pid-file";
}

function onStartRequested(t: Transition, state: ServiceState): ServiceState {
  switch (state.kind) {
    case "dead":
    case "failed":
      return beginStart(t, false);
    case "auto-restart":
      // A manual start while waiting RestartSec= restarts at once, still counted as automatic.
      return restartNow(t);
    case "condition":
    case "start-pre":
    case "start":
    case "start-post":
    case "running":
    case "exited":
    case "reload":
    case "reload-signal":
    case "reload-notify":
      return state;
    case "stop":
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
    case "stop-post":
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      // The start job waits for the stop to finish (step() starts it once dead or failed).
      t.update({ queuedStart: t.runtime.queuedStart ?? "start" });
      return state;
  }
}

function onStopRequested(t: Transition, state: ServiceState, forRestart = false): ServiceState {
  // No automatic restart after a manual stop.
  if (state.kind !== "dead" && state.kind !== "failed") t.update({ stopRequested: true, stopForRestart: forRestart });
  const mainPid = mainPidOf(state);
  switch (state.kind) {
    case "dead":
    case "failed":
      return state;
    case "auto-restart":
      // Give up on the restart; the unit is simply dead, even after a failure.
      t.update({ stopRequested: false, stopForRestart: false });
      return { kind: "dead" };
    case "running":
    case "exited":
      return enterStop(t, "success", mainPid);
    case "condition":
    case "start-pre":
    case "start":
    case "start-post":
    case "reload":
    case "reload-signal":
    case "reload-notify":
    case "stop-watchdog":
      // Something is running: straight to the kill stages (ExecStop= is for a started service).
      return enterSignal(t, "stop-sigterm", "success", mainPid, controlOf(state));
    case "stop":
    case "stop-sigterm":
    case "stop-sigkill":
    case "stop-post":
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      return state;
  }
}

/** A restart job: stop (with RestartKillSignal=), then start as if by hand (NRestarts resets). */
function onRestartRequested(t: Transition, state: ServiceState): ServiceState {
  if (state.kind === "dead" || state.kind === "failed") return beginStart(t, false);
  // Set first: the kill stage entered on the way picks RestartKillSignal= by it.
  t.update({ queuedStart: "restart" });
  return onStopRequested(t, state);
}

function onReloadRequested(t: Transition, state: ServiceState): ServiceState {
  if (state.kind !== "running" && state.kind !== "exited") {
    // The manager's job layer only asks an active service to reload.
    t.log("debug", `Ignoring reload request in state ${state.kind}.`);
    return state;
  }
  if (!canReload(t)) {
    t.log("notice", "Reload requested, but the service has no ExecReload= and is not Type=notify-reload.");
    return state;
  }
  return enterReload(t, mainPidOf(state));
}

/** systemctl reset-failed: forget the failure, the restart counter and the start limit. */
function onResetFailed(t: Transition, state: ServiceState): ServiceState {
  t.update({ restarts: 0, startLimit: emptyStartLimitWindow() });
  if (state.kind !== "failed") return state;
  t.update({ result: "success", reloadResult: "success" });
  return { kind: "dead" };
}

/** The service has no process left (systemd's cgroup-empty event). */
function onProcessesGone(t: Transition, state: ServiceState): ServiceState {
  switch (state.kind) {
    case "start":
      if (state.lookup === "waiting-for-pid-file") return pidFileNeverWritten(t, state);
      if (startCannotComplete(t, state)) {
        t.log("warning", "No process left to send READY=1.");
        return enterStopPost(t, "protocol", null);
      }
      return state;
    case "start-post":
      return state.lookup === "waiting-for-pid-file" ? pidFileNeverWritten(t, state) : state;
    case "running":
      // Up without a known main process only while something remains.
      return state.mainPid === null ? enterRunning(t, null, "success", true) : state;
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
      return state.mainPid === null && state.control === null ? enterStopPost(t, "success", null) : state;
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      return state.mainPid === null && state.control === null ? enterDead(t, "success", true) : state;
    case "dead":
    case "failed":
    case "condition":
    case "start-pre":
    case "exited":
    case "reload":
    case "reload-signal":
    case "reload-notify":
    case "stop":
    case "stop-post":
    case "auto-restart":
      // Exits of the main and control processes say more; they come as child-exited.
      return state;
  }
}

/** A notify service whose main process exited cleanly, waiting for READY=1 from someone else. */
function startCannotComplete(t: Transition, state: ServiceState): boolean {
  const notify = t.service.type === "notify" || t.service.type === "notify-reload";
  return notify && state.kind === "start" && state.mainPid === null && state.mainCommand === null && state.control === null;
}

/** States that end only when the service is empty, so the manager must say when it is. */
function waitsForEmptiness(t: Transition, state: ServiceState): boolean {
  switch (state.kind) {
    case "start":
      return state.lookup === "waiting-for-pid-file" || startCannotComplete(t, state);
    case "start-post":
      return state.lookup === "waiting-for-pid-file";
    case "running":
      return state.mainPid === null;
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      return state.mainPid === null && state.control === null;
    case "dead":
    case "failed":
    case "condition":
    case "start-pre":
    case "exited":
    case "reload":
    case "reload-signal":
    case "reload-notify":
    case "stop":
    case "stop-post":
    case "auto-restart":
      return false;
  }
}

function watchesPidFile(state: ServiceState): boolean {
  return (state.kind === "start" || state.kind === "start-post") && state.lookup === "waiting-for-pid-file";
}

/**
 * The effects that follow from the new state itself, so that no transition can forget them:
 * the watchdog stopped outside its states, the one timer at the earlier of the state's and
 * the watchdog's deadline, the PID file watch, the emptiness request; and when the service
 * became ready.
 */
function settle(t: Transition, snapshot: ServiceSnapshot, after: ServiceState, event: ServiceEvent): void {
  const before = snapshot.state;
  // systemd stops the watchdog on entering any state it does not count in.
  if (!WATCHDOG_STATES.has(after.kind) && t.runtime.watchdog !== null) t.update({ watchdog: null });

  // A timer that fired is spent even if the deadline stays the same.
  const armed = event.kind === "timer" ? null : timerOf(snapshot);
  const deadline = timerOf({ state: after, runtime: t.runtime });
  if (deadline !== armed) t.emit(deadline === null ? { kind: "disarm-timer" } : { kind: "arm-timer", at: deadline });

  const path = t.service.pidFile;
  if (path !== null && watchesPidFile(before) !== watchesPidFile(after)) {
    t.emit({ kind: watchesPidFile(after) ? "watch-pid-file" : "unwatch-pid-file", path });
  }

  // A processes-gone answers the request; a state still waiting needs a new one.
  const requested = waitsForEmptiness(t, before) && event.kind !== "processes-gone";
  if (waitsForEmptiness(t, after) && !requested) t.emit({ kind: "await-processes-gone" });

  const active = activeState(after);
  if (active !== "active" && active !== "reloading") t.update({ readySince: null });
  else if (t.runtime.readySince === null) t.update({ readySince: t.now });
}
