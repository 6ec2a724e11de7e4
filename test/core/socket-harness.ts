// Driving the socket reducer in tests: units from unit-file text (through the real parser), a
// fake clock that is just a number, and a driver that plays the manager: it answers
// open-listeners at once (listener fds from 10, or a bind failure when told), keeps track of
// which listener fds are open and watched (refusing to close a watched one), and of the
// services and instances started and the connections closed.
import assert from "node:assert/strict";
import { stepSocket } from "../../src/core/socket.js";
import { initialSocketSnapshot, listenerFdsOf, socketActiveState } from "../../src/core/socket-state.js";
import type {
  ConnectionPeer,
  SocketEffect,
  SocketEvent,
  SocketResult,
  SocketRuntime,
  SocketSnapshot,
  SocketState,
} from "../../src/core/socket-state.js";
import type { JobType, UnitActiveState } from "../../src/core/jobs-model.js";
import { lexUnitFile } from "../../src/units/unit-lexer.js";
import type { SpecifierHost } from "../../src/units/specifiers.js";
import { buildUnitModel } from "../../src/units/unit-model.js";
import type { SocketUnitModel } from "../../src/units/unit-model.js";

const host: SpecifierHost = { runtimeRoot: "/run", home: "/root", userName: "root", uid: 0, groupName: "root", gid: 0 };

export const SECOND = 1_000_000;

/** A socket unit from its text; lines without a section header go into [Socket]. */
export function socketUnit(text: string, name = "web.socket"): SocketUnitModel {
  const body = text.trimStart().startsWith("[") ? text : `[Socket]\n${text}\n`;
  const built = buildUnitModel(name, [{ path: `/units/${name}`, syntax: lexUnitFile(body) }], host);
  assert.deepEqual(built.errors, [], `unit does not load:\n${body}`);
  assert.equal(built.model.kind, "socket");
  return built.model;
}

export type EventInput = SocketEvent extends infer E ? (E extends SocketEvent ? Omit<E, "now"> : never) : never;
type StartInstance = Extract<SocketEffect, { kind: "start-instance" }>;

export class SocketDriver {
  snapshot: SocketSnapshot = initialSocketSnapshot();
  now = 1_000 * SECOND;
  /** Effects of the last event sent (including the answer to open-listeners). */
  effects: SocketEffect[] = [];
  readonly history: SocketEffect[] = [];
  nextListenerFd = 10;
  nextConnectionFd = 100;
  /** The next open-listeners fails at this listener. */
  failOpen: { listener: number; code: string; message: string } | null = null;
  /** Leave open-listeners unanswered (send `opened` by hand). */
  holdOpen = false;
  readonly open = new Set<number>();
  readonly watched = new Set<number>();
  readonly startedServices: string[] = [];
  readonly instances: StartInstance[] = [];
  readonly closedConnections: number[] = [];

  constructor(readonly model: SocketUnitModel) {}

  get state(): SocketState {
    return this.snapshot.state;
  }

  get runtime(): SocketRuntime {
    return this.snapshot.runtime;
  }

  send(event: EventInput): SocketEffect[] {
    this.effects = [];
    this.apply(event);
    return this.effects;
  }

  private apply(event: EventInput): void {
    // Listener fds are open from the moment the manager reports them.
    if (event.kind === "opened") for (const fd of event.fds) this.open.add(fd);
    const result = stepSocket(this.model, this.snapshot, { ...event, now: this.now });
    this.snapshot = { state: result.state, runtime: result.runtime };
    let opening = false;
    for (const effect of result.effects) {
      this.effects.push(effect);
      this.history.push(effect);
      this.carryOut(effect);
      if (effect.kind === "open-listeners") opening = true;
    }
    if (!opening || this.holdOpen) return;
    const failure = this.failOpen;
    if (failure !== null) {
      this.failOpen = null;
      this.apply({ kind: "open-failed", ...failure });
      return;
    }
    this.apply({ kind: "opened", fds: this.model.socket.listen.map(() => this.nextListenerFd++) });
  }

  private carryOut(effect: SocketEffect): void {
    switch (effect.kind) {
      case "watch-listeners":
        for (const fd of effect.fds) {
          assert.ok(this.open.has(fd), `watching fd ${fd}, which is not an open listener`);
          this.watched.add(fd);
        }
        break;
      case "unwatch-listeners":
        for (const fd of effect.fds) assert.ok(this.watched.delete(fd), `unwatching fd ${fd}, which is not watched`);
        break;
      case "close-listeners":
        for (const fd of effect.fds) {
          assert.ok(!this.watched.has(fd), `closing fd ${fd} while it is watched`);
          this.open.delete(fd);
        }
        break;
      case "start-service":
        this.startedServices.push(effect.unit);
        break;
      case "start-instance":
        this.instances.push(effect);
        break;
      case "close-connection":
        this.closedConnections.push(effect.fd);
        break;
      case "open-listeners":
      case "flush-listeners":
      case "start-refused":
      case "accept-connection":
      case "log":
        break;
    }
  }


  advance(usec: number): this {
    this.now += usec;
    return this;
  }

  logged(pattern: RegExp): boolean {
    return this.history.some((effect) => effect.kind === "log" && pattern.test(effect.message));
  }

  describe(): string {
    return `${this.state.kind} (${JSON.stringify(this.runtime)}); effects: ${JSON.stringify(this.effects)}`;
  }
}

// ---- steps of a story ----

export type Step = (d: SocketDriver) => void;

export const start: Step = (d) => void d.send({ kind: "start-requested" });
export const stop: Step = (d) => void d.send({ kind: "stop-requested" });
export const resetFailed: Step = (d) => void d.send({ kind: "reset-failed-requested" });
export const incoming =
  (listenerIndex = 0): Step =>
  (d) =>
    void d.send({ kind: "incoming", listenerIndex });
export const hangUp: Step = (d) => void d.send({ kind: "listener-error", listenerIndex: 0, hangUp: true });
export const advance =
  (usec: number): Step =>
  (d) =>
    void d.advance(usec);
export const failOpen =
  (listener: number, code: string, message: string): Step =>
  (d) => {
    d.failOpen = { listener, code, message };
  };
export const holdOpen: Step = (d) => {
  d.holdOpen = true;
};
export const answerOpen: Step = (d) => void d.send({ kind: "opened", fds: d.model.socket.listen.map(() => d.nextListenerFd++) });

export const service =
  (active: UnitActiveState, sub: string | null, job: JobType | null = null, startLimitHit = false): Step =>
  (d) =>
    void d.send({ kind: "service-changed", active, sub, job, startLimitHit });
/** The service's start job runs: activating, job start. */
export const serviceStarting = service("activating", "start", "start");
export const serviceRunning = service("active", "running");
export const serviceAutoRestart = service("activating", "auto-restart");
export const serviceDead = service("inactive", "dead");
export const serviceFailed = service("failed", "failed");

export const ipv4 = (remotePort: number, remote = "127.0.0.1"): ConnectionPeer => ({
  family: "inet",
  local: { address: "127.0.0.1", port: 7 },
  remote: { address: remote, port: remotePort },
});

/** A client connects: the listener is readable, the manager accepts as asked. */
export const connect =
  (peer: ConnectionPeer, listenerIndex = 0): Step =>
  (d) => {
    const asked = d.send({ kind: "incoming", listenerIndex });
    if (!asked.some((effect) => effect.kind === "accept-connection")) return;
    d.send({ kind: "accepted", listenerIndex, fd: d.nextConnectionFd++, peer });
  };
export const acceptFailed =
  (code: string, message: string): Step =>
  (d) =>
    void d.send({ kind: "accept-failed", listenerIndex: 0, code, message });
export const instanceStopped =
  (index: number): Step =>
  (d) => {
    const instance = d.instances[index];
    assert.ok(instance !== undefined, `no instance #${index}`);
    d.send({ kind: "instance-stopped", unit: instance.unit });
  };

export const repeat = (times: number, ...steps: Step[]): Step[] => Array.from({ length: times }, () => steps).flat();

// ---- rows ----

export interface Expect {
  sub?: SocketState["kind"];
  active?: UnitActiveState;
  result?: SocketResult;
  /** Listener fds watched right now (all of them, or none). */
  watching?: boolean;
  /** Listener fds open right now. */
  listenersOpen?: number;
  startedServices?: string[];
  instances?: string[];
  closedConnections?: number[];
  /** Each pattern matches some logged message. */
  logged?: RegExp[];
  /** Effect kinds that were (true) or were never (false) asked for during the whole story. */
  asked?: Partial<Record<SocketEffect["kind"], boolean>>;
  check?: (d: SocketDriver) => void;
}

export interface Row {
  behaviour: string;
  unit: string;
  story: Step[];
  expect: Expect;
}

export function runRow(row: Row): SocketDriver {
  const d = new SocketDriver(socketUnit(row.unit));
  for (const step of row.story) step(d);
  const { expect } = row;
  const seen = d.describe();
  if (expect.sub !== undefined) assert.equal(d.state.kind, expect.sub, seen);
  if (expect.active !== undefined) assert.equal(socketActiveState(d.state), expect.active, seen);
  if (expect.result !== undefined) assert.equal(d.runtime.result, expect.result, seen);
  if (expect.watching !== undefined) {
    const fds = listenerFdsOf(d.state);
    assert.deepEqual([...d.watched].sort(), expect.watching ? [...fds].sort() : [], `watched ${[...d.watched].join(",")}; ${seen}`);
    if (expect.watching) assert.ok(fds.length > 0, seen);
  }
  if (expect.listenersOpen !== undefined) assert.equal(d.open.size, expect.listenersOpen, `open ${[...d.open].join(",")}; ${seen}`);
  if (expect.startedServices !== undefined) assert.deepEqual(d.startedServices, expect.startedServices, seen);
  if (expect.instances !== undefined) assert.deepEqual(d.instances.map((i) => i.unit), expect.instances, seen);
  if (expect.closedConnections !== undefined) assert.deepEqual(d.closedConnections, expect.closedConnections, seen);
  for (const pattern of expect.logged ?? []) assert.ok(d.logged(pattern), `nothing logged matches ${pattern}; ${JSON.stringify(d.history)}`);
  for (const [kind, wanted] of Object.entries(expect.asked ?? {})) {
    assert.equal(d.history.some((effect) => effect.kind === kind), wanted, `${kind} ${wanted ? "never" : ""} asked for; ${JSON.stringify(d.history)}`);
  }
  expect.check?.(d);
  return d;
}
