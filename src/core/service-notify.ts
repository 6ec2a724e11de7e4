// sd_notify messages (protocols.md §1.5-1.7, systemd's service_notify_message): who may
// send them (NotifyAccess=), MAINPID=, then READY=/RELOADING=/STOPPING=, then STATUS=,
// NOTIFYACCESS=, ERRNO=, RESTART_RESET=. Other keys (watchdog, fd store, EXTEND_TIMEOUT_USEC=)
// are not handled here.
import type { NotifyMessage } from "../protocol/notify-message.js";
import { enterReloadByNotify } from "./service-running.js";
import { finishReload } from "./service-reload.js";
import { adoptMainPid, enterStartPost } from "./service-start.js";
import { controlPidOf, mainPidOf } from "./service-state.js";
import type { ServiceEvent, ServiceState, StateWithMain } from "./service-state.js";
import { enterStopByNotify } from "./service-stop.js";
import type { Transition } from "./service-transition.js";

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
  const isMain = sender === mainPidOf(state);
  const isControl = sender === controlPidOf(state);
  switch (t.notifyAccess) {
    case "none":
      return "reception is disabled (NotifyAccess=none)";
    case "main":
      return isMain ? null : "only the main process may send (NotifyAccess=main)";
    case "exec":
      return isMain || isControl ? null : "only the main and control processes may send (NotifyAccess=exec)";
    case "all":
      return isMain || isControl || event.senderIsMember ? null : "the sender is not a process of the service";
  }
}

export function onNotify(t: Transition, state: ServiceState, event: NotifyEvent): ServiceState {
  const why = refusal(t, state, event);
  if (why !== null) {
    // systemd warns only when no notification is expected at all.
    t.log(t.notifyAccess === "none" ? "warning" : "debug", `Ignoring notification from PID ${event.senderPid}: ${why}.`);
    return state;
  }
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
    t.log("notice", `Got RESTART_RESET=1, resetting restart counter from ${t.runtime.restarts}.`);
    t.update({ restarts: 0 });
  }
  return next;
}

function applyMainPid(t: Transition, state: ServiceState, event: NotifyEvent): ServiceState {
  const pid = event.message.mainPid;
  if (pid === null || !MAIN_PID_STATES.has(state.kind) || !("mainPid" in state) || pid === state.mainPid) return state;
  const refuse = (reason: string): ServiceState => {
    t.log("warning", `Ignoring MAINPID=${pid} from PID ${event.senderPid}: ${reason}.`);
    return state;
  };
  if (pid === controlPidOf(state)) return refuse("it is the control process");
  const check = event.mainPidCheck;
  if (check === undefined) return refuse("it could not be checked");
  if (check.kind === "refused") return refuse(check.reason);
  adoptMainPid(t, pid, "MAINPID=");
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
