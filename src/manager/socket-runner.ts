// One socket unit's life in the running manager: holds the socket reducer's snapshot
// (src/core/socket.ts), feeds it events and carries out its effects: binding the
// listeners, watching them for readability, closing them. What happens next is decided
// by the reducer; starting the service goes through the manager's job engine.
// Accept=yes: each connection is accepted here and handed to a new instance of the
// template service, which the manager starts (docs/sockets.md).
import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { stepSocket } from "../core/socket.js";
import {
  initialSocketSnapshot, listenerFdsOf, socketActiveState,
  type ConnectionPeer, type ListenOptions, type SocketEffect, type SocketEvent, type SocketSnapshot,
} from "../core/socket-state.js";
import type { UnitActiveState } from "../core/jobs-model.js";
import {
  acceptConnection, closeFd, createFifo, createSocket, isSystemCallError, WatchSet, type AcceptedConnection, type SocketSpec,
} from "../sys/index.js";
import type { Listener } from "../units/socket-address.js";
import type { SocketUnitModel } from "../units/unit-model.js";
import { lookupGroup, lookupUser } from "./accounts.js";
import type { LogRegistry } from "./logs/index.js";

export interface SocketRunnerHost {
  readonly logs: LogRegistry;
  now(): number;
  /** A start request for the triggered service, through the job engine. */
  startService(socket: string, service: string): void;
  /** This socket's start job fails (the reducer's start-refused). */
  startRefused(socket: string, reason: string): void;
  /** The active state changed (after the whole step). */
  stateChanged(unit: string, previous: UnitActiveState, current: UnitActiveState): void;
  /**
   * Accept=yes: start the instance `unit` of the template with the connection as its one
   * socket fd (the host owns the fd from here, and reports instanceStopped() once it is down).
   */
  startInstance(socket: string, instance: StartInstance): void;
}

export type StartInstance = Extract<SocketEffect, { kind: "start-instance" }>;

export class SocketRunner {
  readonly name: string;
  #model: SocketUnitModel;
  #snapshot: SocketSnapshot = initialSocketSnapshot();
  readonly #host: SocketRunnerHost;
  readonly #queue: SocketEvent[] = [];
  #draining = false;
  /** Created on the first watch-listeners; each readable member is reported once, then re-added on the next watch. */
  #watch: WatchSet | null = null;
  readonly #watched = new Set<number>();

  constructor(name: string, model: SocketUnitModel, host: SocketRunnerHost) {
    this.name = name;
    this.#model = model;
    this.#host = host;
  }

  get snapshot(): SocketSnapshot {
    return this.#snapshot;
  }

  get model(): SocketUnitModel {
    return this.#model;
  }

  /** A reloaded definition takes effect at the next start. */
  replaceModel(model: SocketUnitModel): void {
    this.#model = model;
  }

  /** The listener fds held open now (none unless listening or running). */
  get listenerFds(): readonly number[] {
    return listenerFdsOf(this.#snapshot.state);
  }

  request(kind: "start-requested" | "stop-requested" | "reset-failed-requested"): void {
    this.dispatch({ kind, now: this.#host.now() });
  }

  /** Accept=yes: an instance this socket started is dead or failed, its connection closed. */
  instanceStopped(unit: string): void {
    this.dispatch({ kind: "instance-stopped", unit, now: this.#host.now() });
  }

  /** The triggered service's state changed or a job of it ended (socket-state.ts's contract). */
  serviceChanged(active: UnitActiveState, sub: string | null, job: "start" | "stop" | "restart" | "reload" | null, startLimitHit: boolean): void {
    this.dispatch({ kind: "service-changed", active, sub, job, startLimitHit, now: this.#host.now() });
  }

  dispatch(event: SocketEvent): void {
    this.#queue.push(event);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#step(next);
    } finally {
      this.#draining = false;
    }
  }

  #step(event: SocketEvent): void {
    const before = socketActiveState(this.#snapshot.state);
    const result = stepSocket(this.#model, this.#snapshot, event);
    this.#snapshot = { state: result.state, runtime: result.runtime };
    for (const effect of result.effects) this.#apply(effect);
    const after = socketActiveState(result.state);
    if (after !== before) this.#host.stateChanged(this.name, before, after);
  }

  #apply(effect: SocketEffect): void {
    switch (effect.kind) {
      case "open-listeners":
        return this.#open(effect.listeners, effect.options);
      case "watch-listeners":
        return this.#watchListeners(effect.fds);
      case "unwatch-listeners":
        for (const fd of effect.fds) this.#unwatch(fd);
        return;
      case "close-listeners":
        for (const fd of effect.fds) {
          this.#unwatch(fd);
          closeFd(fd);
        }
        if (effect.remove) for (const path of effect.paths) rmSync(path, { force: true });
        return;
      case "flush-listeners":
        // FlushPending= needs a non-blocking accept()/recv() loop the system layer does not offer yet.
        this.#log("FlushPending=yes is not carried out by steward; queued connections stay.");
        return;
      case "start-service":
        return this.#host.startService(this.name, effect.unit);
      case "start-refused":
        return this.#host.startRefused(this.name, effect.reason);
      case "accept-connection":
        return this.#accept(effect.listenerIndex, effect.fd);
      case "start-instance":
        return this.#host.startInstance(this.name, effect);
      case "close-connection":
        closeFd(effect.fd);
        return;
      case "log":
        if (effect.level !== "debug") this.#log(effect.message);
        return;
    }
  }

  /** Accept=yes: one connection, then the listener is watched again (more may wait). */
  #accept(listenerIndex: number, fd: number): void {
    try {
      const connection = acceptConnection(fd);
      const peer = peerOf(connection);
      if (peer === null) {
        // The peer went away before getpeername(): a connection that is gone (as systemd's ENOTCONN).
        closeFd(connection.fd);
        this.dispatch({ kind: "accept-failed", listenerIndex, code: "ENOTCONN", message: "the peer went away", now: this.#host.now() });
      } else {
        this.dispatch({ kind: "accepted", listenerIndex, fd: connection.fd, peer, now: this.#host.now() });
      }
    } catch (error) {
      const code = isSystemCallError(error) ? error.code : "EINVAL";
      this.dispatch({ kind: "accept-failed", listenerIndex, code, message: (error as Error).message, now: this.#host.now() });
    }
    if (this.#snapshot.state.kind === "listening" && this.listenerFds.includes(fd)) this.#watchListeners([fd]);
  }

  #log(message: string): void {
    this.#host.logs.store(this.name).appendManagerLine(message);
  }

  /** open-listeners: bind every Listener in order; on a failure close what was opened. */
  #open(listeners: readonly Listener[], options: ListenOptions): void {
    const opened: number[] = [];
    for (const [index, listener] of listeners.entries()) {
      try {
        opened.push(openListener(listener, options));
      } catch (error) {
        for (const fd of opened) closeFd(fd);
        const code = isSystemCallError(error) ? error.code : "EINVAL";
        this.dispatch({ kind: "open-failed", listener: index, code, message: (error as Error).message, now: this.#host.now() });
        return;
      }
    }
    this.dispatch({ kind: "opened", fds: opened, now: this.#host.now() });
  }

  #watchListeners(fds: readonly number[]): void {
    this.#watch ??= new WatchSet("readable", (ready) => this.#onReadable(ready));
    for (const fd of fds) {
      if (this.#watched.has(fd)) continue;
      this.#watch.add(fd);
      this.#watched.add(fd);
    }
  }

  #unwatch(fd: number): void {
    if (!this.#watched.delete(fd)) return;
    this.#watch?.remove(fd);
  }

  #onReadable(fds: number[]): void {
    for (const fd of fds) {
      // A reported member has left the set already.
      if (!this.#watched.delete(fd)) continue;
      const listenerIndex = this.listenerFds.indexOf(fd);
      if (listenerIndex >= 0) this.dispatch({ kind: "incoming", listenerIndex, now: this.#host.now() });
    }
  }

  /** Manager exit: close the listeners (paths stay, as systemd leaves them unless RemoveOnStop=). */
  dispose(): void {
    for (const fd of this.listenerFds) {
      this.#unwatch(fd);
      closeFd(fd);
    }
    this.#snapshot = initialSocketSnapshot();
    this.#watch?.close();
    this.#watch = null;
  }
}

function peerOf(connection: AcceptedConnection): ConnectionPeer | null {
  if (connection.family === "unix") {
    return { family: "unix", credentials: connection.credentials, remoteAddress: connection.remoteAddress };
  }
  if (connection.remoteAddress === null) return null;
  return {
    family: connection.family,
    local: { address: connection.localAddress, port: connection.localPort ?? 0 },
    remote: { address: connection.remoteAddress, port: connection.remotePort ?? 0 },
  };
}

const SOCKET_TYPE = { stream: "stream", datagram: "dgram", "sequential-packet": "seqpacket" } as const;

function owner(options: ListenOptions): { uid?: number; gid?: number } {
  const ids: { uid?: number; gid?: number } = {};
  if (options.socketUser !== null) {
    const user = lookupUser(options.socketUser);
    if (!user) throw new Error(`SocketUser=${options.socketUser}: no such user`);
    ids.uid = user.uid;
  }
  if (options.socketGroup !== null) {
    const group = lookupGroup(options.socketGroup);
    if (!group) throw new Error(`SocketGroup=${options.socketGroup}: no such group`);
    ids.gid = group.gid;
  }
  return ids;
}

/** A file-system path's parent (DirectoryMode=), and a stale socket file in the way removed, as systemd does. */
function preparePath(path: string, options: ListenOptions, removeStaleSocket: boolean): void {
  mkdirSync(dirname(path), { recursive: true, mode: options.directoryMode });
  if (!removeStaleSocket) return;
  try {
    if (statSync(path).isSocket()) rmSync(path, { force: true });
  } catch {
    // nothing there
  }
}

function openListener(listener: Listener, options: ListenOptions): number {
  if (listener.kind === "fifo") {
    preparePath(listener.path, options, false);
    return createFifo({ path: listener.path, mode: options.socketMode, ...owner(options) });
  }
  const type = SOCKET_TYPE[listener.kind];
  const common = { type, backlog: Math.min(options.backlog, 2 ** 31 - 1), reusePort: options.reusePort };
  const address = listener.address;
  let spec: SocketSpec;
  switch (address.family) {
    case "unix":
      preparePath(address.path, options, true);
      spec = { ...common, family: "unix", path: address.path, mode: options.socketMode, ...owner(options) };
      break;
    case "abstract":
      spec = { ...common, family: "unix", path: `@${address.name}` };
      break;
    case "inet": {
      if (address.interface !== null) throw new Error(`BindToDevice (${address.interface}) is not supported by steward`);
      const v6 = address.version !== 4;
      spec = { ...common, family: v6 ? "inet6" : "inet", port: address.port, host: address.host ?? (v6 ? "::" : "0.0.0.0") };
      // BindIPv6Only=: "default" keeps the kernel's choice (dual stack on most systems).
      if (v6 && options.bindIpv6Only !== "default") spec.ipv6Only = options.bindIpv6Only === "ipv6-only";
      break;
    }
  }
  return createSocket(spec);
}
