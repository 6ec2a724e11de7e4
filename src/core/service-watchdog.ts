// The service watchdog and the notify keys that move deadlines (protocols.md §4.8 and §1.5;
// systemd's service_reset_watchdog, service_override_watchdog_timeout, service_force_watchdog,
// service_dispatch_watchdog, service_extend_timeout). The watchdog is not a second timer: its
// deadline is kept in runtime.watchdog and folded into the service's one timer (timerOf()).
import { formatTimeSpan } from "../protocol/time-span.js";
import { activeWatchdog, controlOf, mainPidOf, WATCHDOG_STATES } from "./service-state.js";
import type { ServiceState } from "./service-state.js";
import { enterSignal } from "./service-stop.js";
import type { Transition } from "./service-transition.js";

/** 0 and infinity both mean "not set" (systemd's timestamp_is_set). */
function isSet(usec: number): boolean {
  return usec > 0 && usec !== Infinity;
}

/**
 * Starts the watchdog afresh from now (entering start-post, WATCHDOG=1, WATCHDOG_USEC=), or
 * stops it when no interval is in force. The caller makes sure the state is one it counts in,
 * or is about to be (settle() drops it in any other).
 */
export function resetWatchdog(t: Transition): void {
  const usec = t.runtime.watchdogUsec;
  t.update({ watchdog: isSet(usec) ? { resetAt: t.now, deadline: t.now + usec } : null });
}

/** WATCHDOG=1: the service is alive. Outside the watchdog's states there is nothing to reset. */
export function onWatchdogPing(t: Transition, state: ServiceState): void {
  if (WATCHDOG_STATES.has(state.kind)) resetWatchdog(t);
  else t.log("debug", `Ignoring WATCHDOG=1 in state ${state.kind}: the watchdog runs from start-post to running.`);
}

/**
 * WATCHDOG_USEC=: the service's own interval, until the next start; 0 turns the watchdog off.
 * It is kept even when sent before the watchdog runs (it then applies from start-post on).
 */
export function overrideWatchdog(t: Transition, state: ServiceState, usec: number): void {
  t.log("debug", `Watchdog interval set by the service to ${formatTimeSpan(usec)}.`);
  t.update({ watchdogUsec: usec });
  if (WATCHDOG_STATES.has(state.kind)) resetWatchdog(t);
}

/** The watchdog's deadline passed without a WATCHDOG=1 (the caller checked it counts here). */
export function onWatchdogExpired(t: Transition, state: ServiceState): ServiceState {
  t.log("error", `Watchdog timeout (limit ${formatTimeSpan(t.runtime.watchdogUsec)})!`);
  return enterWatchdogStop(t, state);
}

/**
 * States where WATCHDOG=trigger acts: wherever a stop request would send the kill signals, and
 * in the first two stop states (where it hurries the stop along with WatchdogSignal=). Later
 * stop states are past it; systemd would send them back to stop-watchdog and run
 * ExecStopPost= twice.
 */
const TRIGGER_STATES: ReadonlySet<ServiceState["kind"]> = new Set([
  "condition",
  "start-pre",
  "start",
  "start-post",
  "running",
  "exited",
  "reload",
  "reload-signal",
  "reload-notify",
  "stop",
  "stop-sigterm",
]);

/** WATCHDOG=trigger: as if the watchdog had expired, with or without WatchdogSec=. */
export function onWatchdogTrigger(t: Transition, state: ServiceState): ServiceState {
  if (!TRIGGER_STATES.has(state.kind)) {
    t.log("debug", `Ignoring WATCHDOG=trigger in state ${state.kind}: the service is already being killed.`);
    return state;
  }
  t.log("error", `Watchdog request (last status: ${t.runtime.statusText ?? "<unset>"})!`);
  return enterWatchdogStop(t, state);
}

/** WatchdogSignal= to the main and control processes, then TimeoutAbortSec=; result watchdog. */
function enterWatchdogStop(t: Transition, state: ServiceState): ServiceState {
  return enterSignal(t, "stop-watchdog", "watchdog", mainPidOf(state), controlOf(state));
}

/**
 * EXTEND_TIMEOUT_USEC=: the current state's deadline (start, runtime, reload, stop, abort)
 * and the watchdog's are moved to at least now + usec; never earlier. A state without a
 * timeout keeps none. RestartSec= is a delay, not a timeout, and is not extended.
 */
export function extendTimeout(t: Transition, state: ServiceState, usec: number): ServiceState {
  if (!isSet(usec)) return state;
  const until = t.now + usec;
  const watchdog = activeWatchdog(state, t.runtime);
  if (watchdog !== null && watchdog.deadline < until) t.update({ watchdog: { ...watchdog, deadline: until } });
  switch (state.kind) {
    case "dead":
    case "failed":
    case "exited":
    case "auto-restart":
      return state;
    case "condition":
    case "start-pre":
    case "start":
    case "start-post":
    case "running":
    case "reload":
    case "reload-signal":
    case "reload-notify":
    case "stop":
    case "stop-post":
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      if (state.deadline === null || state.deadline >= until) return state;
      t.log("debug", `Timeout of state ${state.kind} extended by ${formatTimeSpan(usec)}.`);
      return { ...state, deadline: until };
  }
}
