// What the service's own processes do: spawned, failed to spawn, stopped themselves, exited
// (systemd's service_sigchld_event). A main process's exit and a control process's exit each
// move the service on according to the state it is in.
import { describeProcessEnd } from "../protocol/exit-status.js";
import type { ProcessEnd } from "../protocol/exit-status.js";
import { signalName } from "../protocol/signals.js";
import { finishReload, enterReloadSignal } from "./service-reload.js";
import { resultOfEnd, spawnFailureEnd } from "./service-result.js";
import { enterRunning } from "./service-running.js";
import { hasCommand, ignoresFailure, spawnControl } from "./service-spawn.js";
import { adoptMainPid, enterStart, enterStartPost, enterStartPre, lookUpMainPid, onMainSpawned, runNextMain } from "./service-start.js";
import { controlOf, mainPidOf } from "./service-state.js";
import type {
  ControlProcess,
  PidFileOutcome,
  ServiceEvent,
  ServiceResult,
  ServiceState,
  StartState,
  StateWithControl,
  StateWithMain,
} from "./service-state.js";
import { enterDead, enterSignal, enterStop, enterStopPost } from "./service-stop.js";
import { SIGCONT, SIGSTOP } from "./signal-numbers.js";
import type { Transition } from "./service-transition.js";

type Event<K extends ServiceEvent["kind"]> = Extract<ServiceEvent, { kind: K }>;

function hasMain(state: ServiceState): state is StateWithMain {
  return "mainPid" in state;
}

function hasControl(state: ServiceState): state is StateWithControl {
  return "control" in state;
}

function awaitsMainSpawn(state: ServiceState): state is StartState {
  return state.kind === "start" && state.mainCommand !== null && state.mainPid === null;
}

function withMainPid<S extends StateWithMain>(state: S, mainPid: number | null): S {
  return { ...state, mainPid };
}

function unexpected(t: Transition, state: ServiceState, what: string): ServiceState {
  t.log("warning", `Ignoring ${what}: not expected in state ${state.kind}.`);
  return state;
}

export function onSpawned(t: Transition, state: ServiceState, event: Event<"spawned">): ServiceState {
  if (event.role === "main") {
    if (awaitsMainSpawn(state)) return onMainSpawned(t, state, event.pid);
    return unexpected(t, state, `spawned main process ${event.pid}`);
  }
  const control = controlOf(state);
  if (hasControl(state) && control !== null && control.pid === null) {
    return { ...state, control: { ...control, pid: event.pid } };
  }
  return unexpected(t, state, `spawned control process ${event.pid}`);
}

export function onSpawnFailed(t: Transition, state: ServiceState, event: Event<"spawn-failed">): ServiceState {
  // A failure in the child counts as the exit systemd's child would have made (203/EXEC ...).
  const end = spawnFailureEnd(event.stage);
  if (event.role === "main") {
    if (!awaitsMainSpawn(state)) return unexpected(t, state, `failed spawn of a main process (${event.message})`);
    t.log("error", `Failed to spawn ExecStart=: ${event.message}`);
    if (end !== null) return onMainExited(t, state, null, end);
    if (state.mainCommand === 0) return enterSignal(t, "stop-sigterm", "resources", null, state.control);
    return enterStop(t, "resources", null);
  }
  const control = controlOf(state);
  if (!hasControl(state) || control === null || control.pid !== null) {
    return unexpected(t, state, `failed spawn of a control process (${event.message})`);
  }
  t.log("error", `Failed to spawn ${control.command}=: ${event.message}`);
  if (end !== null) return onControlExited(t, state, control, end);
  return controlSpawnImpossible(t, state, control);
}

/** Nothing could be forked: systemd's spawn-failure paths, per state ("resources"). */
function controlSpawnImpossible(t: Transition, state: StateWithControl, control: ControlProcess): ServiceState {
  const first = control.index === 0;
  const mainPid = mainPidOf(state);
  switch (state.kind) {
    case "condition":
    case "start-pre":
      return first ? enterDead(t, "resources", true) : enterSignal(t, "stop-sigterm", "resources", null, null);
    case "start":
      return enterSignal(t, "stop-sigterm", "resources", mainPid, null);
    case "start-post":
      return first ? enterStop(t, "resources", mainPid) : enterSignal(t, "stop-sigterm", "resources", mainPid, null);
    case "reload":
      return finishReload(t, "resources", mainPid);
    case "stop":
      return enterSignal(t, "stop-sigterm", "resources", mainPid, null);
    case "stop-post":
      return first ? enterSignal(t, "final-sigterm", "resources", mainPid, null) : enterDead(t, "resources", true);
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      return { ...state, control: null };
  }
}

export function onChildExited(t: Transition, state: ServiceState, event: Event<"child-exited">): ServiceState {
  if (hasMain(state) && state.mainPid === event.pid) return onMainExited(t, state, event.pid, event.end, event.pidFile);
  const control = controlOf(state);
  if (hasControl(state) && control !== null && control.pid === event.pid) return onControlExited(t, state, control, event.end);
  // Some other process of the service (or a main process that was replaced): not ours to judge.
  return state;
}

/** upstart's `expect stop` (Type=stop): the main process stopping itself with SIGSTOP means ready. */
export function onChildStopped(t: Transition, state: ServiceState, event: Event<"child-stopped">): ServiceState {
  if (state.kind === "start" && t.service.type === "stop" && state.mainPid === event.pid && event.signal === SIGSTOP) {
    t.log("debug", `Main process ${event.pid} stopped itself: ready.`);
    t.emit({ kind: "signal", scope: "main", pid: event.pid, signal: SIGCONT });
    return enterStartPost(t, event.pid);
  }
  t.log("debug", `Ignoring process ${event.pid} stopped by ${signalName(event.signal)} in state ${state.kind}.`);
  return state;
}

function mainResult(t: Transition, state: StateWithMain, end: ProcessEnd | null): ServiceResult {
  // An adopted process's exit status cannot be known; systemd takes it as a clean exit.
  if (end === null) return "success";
  // A oneshot's main process is a command: only exit 0 is clean. A daemon may die of SIGTERM.
  const result = resultOfEnd(end, t.service.type === "oneshot" ? "command" : "daemon", t.service.successExitStatus);
  // For forking services the "-" of the start process covers the daemon too.
  const index = state.kind === "start" && state.mainCommand !== null ? state.mainCommand : 0;
  return ignoresFailure(t, "ExecStart", index) ? "success" : result;
}

function describe(end: ProcessEnd | null): string {
  return end === null ? "exited (status unknown)" : describeProcessEnd(end);
}

export function onMainExited(
  t: Transition,
  state: StateWithMain,
  pid: number | null,
  end: ProcessEnd | null,
  pidFile?: PidFileOutcome,
): ServiceState {
  const path = t.service.pidFile;
  if (pid !== null && path !== null && pidFile?.kind === "ok" && pidFile.pid !== pid) {
    // A forking daemon may move to a new PID if it rewrites its PID file before the old one exits.
    adoptMainPid(t, pidFile.pid, path);
    return withMainPid(state, pidFile.pid);
  }
  const result = mainResult(t, state, end);
  t.update({ mainExit: { pid, end, at: t.now } });
  const who = pid === null ? "Main process" : `Main process ${pid}`;
  t.log(result === "success" ? "info" : "warning", `${who} ${describe(end)}${result === "success" ? "" : `; result '${result}'`}.`);
  t.fail(result);
  const gone = withMainPid(state, null);
  switch (gone.kind) {
    case "start":
      return mainExitedWhileStarting(t, gone, result);
    case "start-post":
    case "reload":
      // Wait for the running command; without one the state can never complete.
      return gone.control === null ? enterStop(t, result, null) : gone;
    case "reload-signal":
    case "reload-notify":
      return enterStop(t, result, null);
    case "running":
      // ExitType=cgroup: up until the last process is gone (running without a main PID).
      return t.service.exitType === "cgroup" ? gone : enterRunning(t, null, result);
    case "stop":
      return gone;
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
      return gone.control === null ? enterStopPost(t, result, null) : gone;
    case "stop-post":
      return gone.control === null ? enterSignal(t, "final-sigterm", result, null, null) : gone;
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      return gone.control === null ? enterDead(t, result, true) : gone;
  }
}

function mainExitedWhileStarting(t: Transition, state: StartState, result: ServiceResult): ServiceState {
  const type = t.service.type;
  if (type === "oneshot") {
    const next = state.mainCommand === null ? null : state.mainCommand + 1;
    if (result === "success" && next !== null && hasCommand(t, "ExecStart", next)) return runNextMain(t, state, next);
    return result === "success" ? enterStartPost(t, null) : enterSignal(t, "stop-sigterm", result, null, state.control);
  }
  if (type === "notify" || type === "notify-reload") {
    // Only READY=1 leads out of start.
    if (result !== "success") return enterSignal(t, "stop-sigterm", result, null, state.control);
    // Unless another process of the service may still send READY=1, it never will be ready.
    if (!t.service.remainAfterExit || t.notifyAccess === "main") return enterSignal(t, "stop-sigterm", "protocol", null, state.control);
    return { ...state, mainCommand: null };
  }
  if (type === "stop") {
    // Exiting without ever stopping itself: like a notify service that never sent READY=1.
    return enterSignal(t, "stop-sigterm", result === "success" ? "protocol" : result, null, state.control);
  }
  return enterRunning(t, null, result);
}

const SEQUENCES: ReadonlySet<ServiceState["kind"]> = new Set(["condition", "start-pre", "start-post", "reload", "stop", "stop-post"]);

export function onControlExited(t: Transition, state: StateWithControl, control: ControlProcess, end: ProcessEnd | null): ServiceState {
  let result: ServiceResult = end === null ? "success" : resultOfEnd(end, "command", t.service.successExitStatus);
  const ignored = result !== "success" && ignoresFailure(t, control.command, control.index);
  if (ignored) result = "success";
  // ExecCondition= exiting 1-254 skips the start; 255 or a signal is a failure.
  if (state.kind === "condition" && end?.kind === "exited" && result === "exit-code" && end.code < 255) result = "exec-condition";
  const who = control.pid === null ? `${control.command}=` : `${control.command}= process ${control.pid}`;
  const ok = result === "success" || result === "exec-condition";
  t.log(ok ? "info" : "warning", `${who} ${describe(end)}${ignored ? " (failure ignored)" : ""}.`);
  // A failed reload leaves the service running: only reloadResult records it.
  if (state.kind !== "reload") t.fail(result);

  const mainPid = mainPidOf(state);
  const next = control.index + 1;
  if (result === "success" && SEQUENCES.has(state.kind) && hasCommand(t, control.command, next)) {
    const stopping = state.kind === "stop" || state.kind === "stop-post";
    const deadline = stopping ? t.stopDeadline : t.startDeadline;
    return { ...state, control: spawnControl(t, control.command, next, mainPid), deadline };
  }
  switch (state.kind) {
    case "condition":
      return result === "success" ? enterStartPre(t) : enterSignal(t, "stop-sigterm", result, null, null);
    case "start-pre":
      return result === "success" ? enterStart(t) : enterSignal(t, "stop-sigterm", result, null, null);
    case "start":
      // Only the forking ExecStart= is a control process in start.
      if (t.service.type !== "forking") return { ...state, control: null };
      return result === "success" ? lookUpMainPid(t, state) : enterSignal(t, "stop-sigterm", result, state.mainPid, null);
    case "start-post":
      return result === "success" ? lookUpMainPid(t, state) : enterSignal(t, "stop-sigterm", result, state.mainPid, null);
    case "reload":
      return result === "success" ? enterReloadSignal(t, state.mainPid, state) : finishReload(t, result, state.mainPid);
    case "stop":
      return enterSignal(t, "stop-sigterm", result, state.mainPid, null);
    case "stop-post":
      return state.mainPid !== null ? { ...state, control: null } : enterSignal(t, "final-sigterm", result, null, null);
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
      return state.mainPid !== null ? { ...state, control: null } : enterStopPost(t, result, null);
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      return state.mainPid !== null ? { ...state, control: null } : enterDead(t, result, true);
  }
}
