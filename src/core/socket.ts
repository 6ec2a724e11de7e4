// The socket unit reducer (systemd's src/core/socket.c, for what steward supports):
// (unit, state + runtime, event) → (state + runtime, effects). Pure: no I/O, no clock (time
// comes on the event), nothing the caller holds is changed. The states, events, effects and
// the contract with the manager are in socket-state.ts.
//
//   event             dead/failed           start-open          listening                 running
//   start-requested   start limit, service  -                   -                         -
//                     check → open-listeners
//   opened            close them            → listening, watch  close them                close them
//   open-failed       -                     → failed resources  -                         -
//   incoming          -                     -                   Accept=no: trigger limit, -
//                                                               start-service, unwatch →
//                                                               running; Accept=yes:
//                                                               accept-connection
//   accepted          close-connection      close-connection    limits → start-instance   close-connection
//   service-changed   remember              remember            service running → running; service down → listening
//                                                               (watch, FlushPending=); start limit hit → failed
//   stop-requested    -                     → dead              close (RemoveOnStop=) → dead
//
// Decisions where systemd leaves a choice or steward differs:
// - Sockets stay open while the service stops, crashes or restarts; only a stop (or a failure)
//   of the socket unit closes them. Connections keep queuing in the backlog meanwhile.
// - Trigger limit: systemd's ratelimit_below() on each activation, counted with the event's
//   `now` (a window opens with the first activation and lasts TriggerLimitIntervalSec=; the
//   activation that makes it Burst+1 fails the socket with "trigger-limit-hit"). That needs no
//   timer, so none is armed: a window that has ended is simply replaced by the next activation.
// - No ExecStartPre= etc. and no TimeoutSec= (see socket-state.ts); the suppression of
//   activations while a stop job is pending for the socket (unit_stop_pending) is left to the
//   job engine, which runs the stop first.
import type { SocketUnitModel } from "../units/unit-model.js";
import type { SocketSection } from "../units/socket-section.js";
import { parseUnitName } from "../units/unit-name.js";
import type { LogLevel } from "./service-state.js";
import {
  connectionInstanceName,
  connectionSource,
  instanceUnitName,
  isTransientAcceptError,
  remoteEnvironment,
} from "./socket-instance.js";
import { listenerAddress, listenerFdsOf, listenerPaths, listenOptions } from "./socket-state.js";
import type {
  ConnectionPeer,
  SocketEffect,
  SocketEvent,
  SocketResult,
  SocketRuntime,
  SocketSnapshot,
  SocketState,
  SocketStep,
  TriggeredService,
} from "./socket-state.js";
import { checkStartLimit, emptyStartLimitWindow } from "./start-limit.js";

export function stepSocket(model: SocketUnitModel, snapshot: SocketSnapshot, event: SocketEvent): SocketStep {
  const t = new SocketTransition(model, snapshot.runtime, event.now);
  const state = dispatch(t, snapshot.state, event);
  return { state, runtime: t.runtime, effects: t.effects };
}

class SocketTransition {
  readonly effects: SocketEffect[] = [];
  #runtime: SocketRuntime;

  constructor(
    readonly model: SocketUnitModel,
    runtime: SocketRuntime,
    readonly now: number,
  ) {
    this.#runtime = runtime;
  }

  get runtime(): SocketRuntime {
    return this.#runtime;
  }

  get socket(): SocketSection {
    return this.model.socket;
  }

  update(changes: Partial<SocketRuntime>): void {
    this.#runtime = { ...this.#runtime, ...changes };
  }

  /** systemd: the first non-success result of a cycle is the one that sticks. */
  fail(result: SocketResult): void {
    if (this.#runtime.result === "success" && result !== "success") this.update({ result });
  }

  emit(effect: SocketEffect): void {
    this.effects.push(effect);
  }

  log(level: LogLevel, message: string): void {
    this.effects.push({ kind: "log", level, message });
  }

  closeListeners(fds: readonly number[]): void {
    if (fds.length === 0) return;
    const remove = this.socket.removeOnStop;
    this.emit({ kind: "close-listeners", fds, remove, paths: remove ? listenerPaths(this.socket.listen) : [] });
  }

  /** ratelimit_below(&s->trigger_limit): false when this activation is one too many. */
  triggerAllowed(): boolean {
    const { triggerLimitIntervalUsec, triggerLimitBurst } = this.socket;
    const limit = checkStartLimit(this.#runtime.triggerLimit, this.now, triggerLimitIntervalUsec, triggerLimitBurst);
    this.update({ triggerLimit: limit.window });
    return limit.allowed;
  }
}

function dispatch(t: SocketTransition, state: SocketState, event: SocketEvent): SocketState {
  switch (event.kind) {
    case "start-requested":
      return onStartRequested(t, state);
    case "stop-requested":
      return state.kind === "dead" || state.kind === "failed" ? state : enterDead(t, state, "success");
    case "reset-failed-requested":
      t.update({ result: "success", startLimit: emptyStartLimitWindow() });
      return state.kind === "failed" ? { kind: "dead" } : state;
    case "opened":
      return onOpened(t, state, event.fds);
    case "open-failed": {
      if (state.kind !== "start-open") return state;
      const listener = t.socket.listen[event.listener];
      const where = listener === undefined ? `listener ${event.listener}` : listenerAddress(listener);
      t.log("error", `Failed to create listening socket (${where}): ${event.message}`);
      return enterDead(t, state, "resources");
    }
    case "incoming":
      return onIncoming(t, state, event.listenerIndex);
    case "listener-error":
      if (state.kind !== "listening") return state;
      if (event.hangUp) {
        t.log("error", "Got POLLHUP on a listening socket. The service probably invoked shutdown() on it, and should better not do that.");
      } else t.log("error", "Got POLLERR on a listening socket.");
      return enterDead(t, state, "resources");
    case "service-changed":
      t.update({
        service: { active: event.active, sub: event.sub ?? null, job: event.job ?? null, startLimitHit: event.startLimitHit ?? false },
      });
      return onServiceChanged(t, state);
    case "accepted":
      return onAccepted(t, state, event.fd, event.peer);
    case "accept-failed":
      if (isTransientAcceptError(event.code)) {
        t.log("debug", `Spurious accept() (${event.code}), ignoring.`);
        return state;
      }
      if (state.kind !== "listening") return state;
      t.log("error", `Failed to accept connection socket: ${event.message}`);
      return enterDead(t, state, "resources");
    case "instance-stopped":
      return onInstanceStopped(t, state, event.unit);
  }
}

/**
 * Closes the listeners and ends the cycle: dead after a stop, failed after a failure
 * (socket_enter_stop_pre → ... → socket_enter_dead, with nothing to run in between).
 */
function enterDead(t: SocketTransition, state: SocketState, result: SocketResult): SocketState {
  const fds = listenerFdsOf(state);
  if (state.kind === "listening") t.emit({ kind: "unwatch-listeners", fds });
  t.closeListeners(fds);
  t.fail(result);
  const final = t.runtime.result;
  if (final === "success") {
    t.log("info", "Deactivated successfully.");
    return { kind: "dead" };
  }
  t.log("warning", `Failed with result '${final}'.`);
  return { kind: "failed" };
}

/** socket_enter_listening: FlushPending= (Accept=no), then watch the listeners again. */
function enterListening(t: SocketTransition, fds: readonly number[], flush: boolean): SocketState {
  if (flush && t.socket.flushPending && !t.socket.accept) {
    t.log("debug", "Flushing socket before listening.");
    t.emit({ kind: "flush-listeners", fds });
  }
  t.emit({ kind: "watch-listeners", fds });
  return { kind: "listening", fds };
}

/** socket_can_start + socket_start. */
function onStartRequested(t: SocketTransition, state: SocketState): SocketState {
  if (state.kind !== "dead" && state.kind !== "failed") return state;
  const { startLimitIntervalUsec, startLimitBurst } = t.model.unit;
  const limit = checkStartLimit(t.runtime.startLimit, t.now, startLimitIntervalUsec, startLimitBurst);
  t.update({ startLimit: limit.window });
  if (!limit.allowed) {
    t.log("warning", "Start request repeated too quickly.");
    return enterDead(t, state, "start-limit-hit");
  }
  if (!t.socket.accept && !serviceMayBeTriggered(t.runtime.service)) {
    const reason = `Socket service ${t.socket.service} already active, refusing.`;
    t.log("error", reason);
    t.emit({ kind: "start-refused", reason });
    return state;
  }
  t.update({ result: "success" });
  t.emit({ kind: "open-listeners", listeners: t.socket.listen, options: listenOptions(t.socket) });
  return { kind: "start-open" };
}

/** systemd refuses to start a socket whose service is up, or on its way up or down, unless it only waits to restart. */
function serviceMayBeTriggered(service: TriggeredService): boolean {
  if (service.active === "inactive" || service.active === "failed") return true;
  return service.sub === "auto-restart" || service.sub === "auto-restart-queued";
}

function onOpened(t: SocketTransition, state: SocketState, fds: readonly number[]): SocketState {
  if (state.kind !== "start-open") {
    // The start was given up on (a stop came first): these belong to nobody now.
    t.log("debug", "Closing listeners opened after the start was abandoned.");
    t.closeListeners(fds);
    return state;
  }
  if (fds.length !== t.socket.listen.length) {
    t.log("error", `Got ${fds.length} listener fds for ${t.socket.listen.length} Listen*= settings.`);
    t.closeListeners(fds);
    return enterDead(t, state, "resources");
  }
  return enterListening(t, fds, false);
}

/** socket_dispatch_io → socket_enter_running. */
function onIncoming(t: SocketTransition, state: SocketState, listenerIndex: number): SocketState {
  if (state.kind !== "listening") return state;
  const fd = state.fds[listenerIndex];
  if (fd === undefined) return state;
  t.log("debug", "Incoming traffic");
  if (t.socket.accept) {
    t.emit({ kind: "accept-connection", listenerIndex, fd });
    return state;
  }
  if (!t.triggerAllowed()) {
    t.log("warning", "Trigger limit hit, refusing further activation.");
    return enterDead(t, state, "trigger-limit-hit");
  }
  // No second job when the service is already up or on its way (unit_active_or_pending).
  if (!isActiveOrPending(t.runtime.service)) t.emit({ kind: "start-service", unit: t.socket.service });
  // The kernel keeps queuing; the service will pick up what waits.
  t.emit({ kind: "unwatch-listeners", fds: state.fds });
  return { kind: "running", fds: state.fds };
}

function isActiveOrPending(service: TriggeredService): boolean {
  if (service.active === "active" || service.active === "reloading" || service.active === "activating") return true;
  return service.job === "start" || service.job === "restart";
}

/** socket_trigger_notify, Accept=no only. */
function onServiceChanged(t: SocketTransition, state: SocketState): SocketState {
  if (t.socket.accept || (state.kind !== "listening" && state.kind !== "running")) return state;
  const service = t.runtime.service;
  if (service.startLimitHit) return enterDead(t, state, "service-start-limit-hit");
  // Whatever the service does next is decided when its job ends.
  if (service.job !== null) return state;
  if (isDown(service)) return state.kind === "running" ? enterListening(t, state.fds, true) : state;
  if (isRunning(service) && state.kind === "listening") {
    t.emit({ kind: "unwatch-listeners", fds: state.fds });
    return { kind: "running", fds: state.fds };
  }
  return state;
}

// systemd (socket_trigger_notify): the service being dead or failed (also on its way to an
// automatic restart), in final-sigterm/-sigkill, or waiting to restart makes the socket listen
// again; only "running" makes it stop listening.
const DOWN_WHILE_ACTIVATING_OR_DEACTIVATING: ReadonlySet<string> = new Set(["auto-restart", "auto-restart-queued", "final-sigterm", "final-sigkill"]);

function isDown(service: TriggeredService): boolean {
  if (service.active === "inactive" || service.active === "failed") return true;
  return service.sub !== null && DOWN_WHILE_ACTIVATING_OR_DEACTIVATING.has(service.sub);
}

function isRunning(service: TriggeredService): boolean {
  return service.sub !== null ? service.sub === "running" : service.active === "active";
}

/** socket_enter_running with a connection fd (Accept=yes). */
function onAccepted(t: SocketTransition, state: SocketState, fd: number, peer: ConnectionPeer): SocketState {
  if (state.kind !== "listening" || !t.socket.accept) {
    t.log("debug", "Dropping connection: the socket is not listening.");
    t.emit({ kind: "close-connection", fd });
    return state;
  }
  const refuse = (message: string): void => {
    t.log("warning", message);
    t.update({ refused: t.runtime.refused + 1 });
    t.emit({ kind: "close-connection", fd });
  };
  if (!t.triggerAllowed()) {
    refuse("Trigger limit hit, refusing further activation.");
    return enterDead(t, state, "trigger-limit-hit");
  }
  const connections = t.runtime.connections;
  if (connections.length >= t.socket.maxConnections) {
    refuse(`Too many incoming connections (${connections.length}), dropping connection.`);
    return state;
  }
  const source = connectionSource(peer);
  const perSource = t.socket.maxConnectionsPerSource;
  if (perSource > 0 && source !== null) {
    const fromSource = connections.filter((c) => c.source === source).length + 1;
    if (fromSource > perSource) {
      refuse(`Too many incoming connections (${fromSource}) from source ${source}, dropping connection.`);
      return state;
    }
  }
  const template = t.socket.service;
  const instanceName = connectionInstanceName(t.runtime.accepted, peer);
  const unit = instanceUnitName(template, instanceName);
  if (parseUnitName(unit)?.form !== "instance") {
    t.log("warning", `Failed to load connection service unit: invalid unit name ${unit}`);
    t.emit({ kind: "close-connection", fd });
    return enterDead(t, state, "resources");
  }
  t.update({ accepted: t.runtime.accepted + 1, connections: [...connections, { unit, source }] });
  t.emit({ kind: "start-instance", template, instanceName, unit, connectionFd: fd, environment: remoteEnvironment(peer) });
  return state;
}

/** socket_connection_unref: the instance is gone and its connection with it. */
function onInstanceStopped(t: SocketTransition, state: SocketState, unit: string): SocketState {
  const index = t.runtime.connections.findIndex((c) => c.unit === unit);
  if (index < 0) return state;
  const connections = t.runtime.connections.filter((_, i) => i !== index);
  t.update({ connections });
  t.log("debug", `One connection closed, ${connections.length} left.`);
  return state;
}
