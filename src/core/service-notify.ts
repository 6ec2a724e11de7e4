// sd_notify messages (protocols.md §1.5-1.7, systemd's service_notify_message): who may
// send them (NotifyAccess=), MAINPIDFD=1/MAINPID=, then READY=/RELOADING=/STOPPING=, then
// STATUS=, NOTIFYACCESS=, ERRNO=, RESTART_RESET=, EXTEND_TIMEOUT_USEC=, WATCHDOG=,
// WATCHDOG_USEC=, in systemd's order. The fd store keys are the manager's.
import type { NotifyMessage } from "../protocol/notify-message.js";
import { enterReloadByNotify } from "./service-running.js";
import { finishReload } from "./service-reload.js";
import { adoptMainPid, enterStartPost } from "./service-start.js";
import { controlPidOf, mainPidOf } from "./service-state.js";
import type { ServiceEvent, ServiceState, StateWithMain } from "./service-state.js";
import { enterStopByNotify } from "./service-stop.js";
import type { Transition } from "./service-transition.js";
import { extendTimeout, onWatchdogPing, onWatchdogTrigger, overrideWatchdog } from "./service-watchdog.js";

/** How many refused senders a start remembers; refusals from further ones are logged at debug. */
export const REFUSED_SENDERS_REMEMBERED = 32;

type NotifyEvent = Extract<ServiceEvent, { kind: "notify" }>;

/** Where MAINPID= is accepted (v257: also stop and stop-sigterm). */
const MAIN_PID_STATES: ReadonlySet<ServiceState["kind"]> = new Set([
  "start",
  "start-post",
  "running",
  "reload",
  "reload-signal",
  "reload-notify",
  "stop",
  "stop-sigterm",
]);

/** null when the sender may speak; otherwise why not. */
function refusal(t: Transition, state: ServiceState, event: NotifyEvent): string | null {
  const sender = event.senderPid;
  const main = mainPidOf(state);
  const control = controlPidOf(state);
  const isMain = sender === main;
  const isControl = sender === control;
  const listed = (pids: readonly (number | null)[], none: string): string => {
    const known = pids.filter((pid) => pid !== null);
    return known.length === 0 ? `, ${none},` : ` (PID ${known.join(", ")})`;
  };
  switch (t.notifyAccess) {
    case "none":
      return "reception is disabled (NotifyAccess=none)";
    case "main":
      return isMain ? null : `only the main process${listed([main], "which is not known")} may send (NotifyAccess=main)`;
    case "exec":
      if (isMain || isControl) return null;
      return `only the main and control processes${listed([main, control], "which are not known")} may send (NotifyAccess=exec)`;
    case "all":
      return isMain || isControl || event.senderIsMember ? null : "the sender is not a process of the service (NotifyAccess=all)";
  }
}

/** A refused message changes nothing; it is logged once per sender and start. */
function refuse(t: Transition, state: ServiceState, sender: number, why: string): ServiceState {
  const refused = t.runtime.refusedNotifySenders;
  if (refused.includes(sender)) return state;
  const remember = refused.length < REFUSED_SENDERS_REMEMBERED;
  if (remember) t.update({ refusedNotifySenders: [...refused, sender] });
  // systemd warns at once only when no notification is expected at all (and at debug level
  // otherwise, for every message); once per sender, a notice is not noise.
  const level = !remember ? "debug" : t.notifyAccess === "none" ? "warning" : "notice";
  t.log(level, `Ignoring notification from PID ${sender}: ${why}.`);
  return state;
}

export function onNotify(t: Transition, state: ServiceState, event: NotifyEvent): ServiceState {
  const why = refusal(t, state, event);
  if (why !== null) return refuse(t, state, event.senderPid, why);
  const message = event.message;
  let next = applyMainPid(t, state, event);
  next = applyNotifyState(t, next, message);
  if (message.status !== null) t.update({ statusText: message.status === "" ? null : message.status });
  if (message.notifyAccess !== null && message.notifyAccess !== t.notifyAccess) {
    t.log("debug", `NotifyAccess= overridden to ${message.notifyAccess}.`);
    t.update({ notifyAccessOverride: message.notifyAccess });
  }
  if (message.errno !== null) t.update({ errno: message.errno });
  if (message.restartReset && (next.kind === "running" || next.kind === "stop")) {
    // The restart counter is what RestartSteps= grows the delay by: RestartSec= again.
    t.log("notice", `Got RESTART_RESET=1, resetting restart counter from ${t.runtime.restarts}.`);
    t.update({ restarts: 0 });
  }
  if (message.extendTimeoutUsec !== null) next = extendTimeout(t, next, message.extendTimeoutUsec);
  if (message.watchdog === "ping") onWatchdogPing(t, next);
  else if (message.watchdog === "trigger") next = onWatchdogTrigger(t, next);
  if (message.watchdogUsec !== null) overrideWatchdog(t, next, message.watchdogUsec);
  return next;
}

/** The new main process a message names: MAINPIDFD=1 (which wins) or MAINPID=. */
function newMainPid(event: NotifyEvent): { readonly key: string; readonly pid: number | null } | null {
  const message = event.message;
  if (message.mainPidFd) return { key: "MAINPIDFD=1", pid: event.mainPidFromFd ?? null };
  return message.mainPid === null ? null : { key: `MAINPID=${message.mainPid}`, pid: message.mainPid };
}

function applyMainPid(t: Transition, state: ServiceState, event: NotifyEvent): ServiceState {
  const named = newMainPid(event);
  if (named === null || !MAIN_PID_STATES.has(state.kind) || !("mainPid" in state)) return state;
  const { key, pid } = named;
  const refuse = (reason: string): ServiceState => {
    t.log("warning", `Ignoring ${key} from PID ${event.senderPid}: ${reason}.`);
    return state;
  };
  if (pid === null) return refuse("the manager could not read the pidfd");
  if (pid === state.mainPid) return state;
  const subject = event.message.mainPidFd ? `PID ${pid}` : "it";
  if (pid === controlPidOf(state)) return refuse(`${subject} is the control process`);
  const check = event.mainPidCheck;
  if (check === undefined) return refuse(`${subject} could not be checked`);
  if (check.kind === "refused") return refuse(check.reason);
  adoptMainPid(t, pid, event.message.mainPidFd ? "MAINPIDFD=1" : "MAINPID=");
  const changed: StateWithMain = { ...state, mainPid: pid };
  return changed;
}

/** STOPPING= wins over READY=, READY= over RELOADING= (the parser resolved message.state). */
function applyNotifyState(t: Transition, state: ServiceState, message: NotifyMessage): ServiceState {
  const mainPid = mainPidOf(state);
  if (message.state === "stopping") {
    t.update({ notifyPhase: "stopping" });
    if (state.kind === "running" || state.kind === "reload-signal" || state.kind === "reload-notify") return enterStopByNotify(t, mainPid);
    return state;
  }
  // Since v259 STOPPING=1 is final: nothing brings a dying service back.
  if (t.runtime.notifyPhase === "stopping") return state;

  if (message.state === "ready") {
    t.update({ notifyPhase: t.runtime.notifyPhase === "reloading" ? "reload-ready" : "ready" });
    let next = state;
    // RELOADING=1 and READY=1 together: a whole reload cycle in one message.
    if (message.reloading && state.kind === "reload-signal" && stampedAfterReloadBegan(t, message)) next = finishReload(t, "success", mainPid);
    if (next.kind === "start" && (t.service.type === "notify" || t.service.type === "notify-reload")) return enterStartPost(t, next.mainPid);
    if (next.kind === "reload-notify") return finishReload(t, "success", next.mainPid);
    return next;
  }

  if (message.state === "reloading") {
    t.update({ notifyPhase: "reloading" });
    // Only a reload cycle begun after the signal counts; the timeout is not restarted.
    if (state.kind === "reload-signal" && stampedAfterReloadBegan(t, message)) return { ...state, kind: "reload-notify" };
    if (state.kind === "running") return enterReloadByNotify(t, state.mainPid);
  }
  return state;
}

function stampedAfterReloadBegan(t: Transition, message: NotifyMessage): boolean {
  const began = t.runtime.reloadBeganAt;
  return message.monotonicUsec !== null && began !== null && message.monotonicUsec >= began;
}
