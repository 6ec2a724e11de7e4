// Driving the service reducer in tests: units from unit-file text (through the real parser),
// a fake clock that is just a number, and a driver that answers spawns the way the manager
// must (at once, main PIDs from 100, control PIDs from 200).
import assert from "node:assert/strict";
import { parseNotify } from "../../src/protocol/notify-message.js";
import type { NotifyMessage } from "../../src/protocol/notify-message.js";
import type { ProcessEnd } from "../../src/protocol/exit-status.js";
import { step } from "../../src/core/service.js";
import { activeState, controlPidOf, initialServiceSnapshot, mainPidOf, timerOf } from "../../src/core/service-state.js";
import type {
  Effect,
  MainPidCheck,
  PidFileOutcome,
  ProcessRole,
  ServiceEvent,
  ServiceRuntime,
  ServiceSnapshot,
  ServiceState,
} from "../../src/core/service-state.js";
import { lexUnitFile } from "../../src/units/unit-lexer.js";
import { buildUnitModel } from "../../src/units/unit-model.js";
import type { ServiceUnitModel } from "../../src/units/unit-model.js";
import type { SpecifierHost } from "../../src/units/specifiers.js";

const host: SpecifierHost = { runtimeRoot: "/run", home: "/root", userName: "root", uid: 0, groupName: "root", gid: 0 };

/** A unit from its text; lines without a section header go into [Service]. */
export function serviceUnit(text: string): ServiceUnitModel {
  const body = text.trimStart().startsWith("[") ? text : `[Service]\n${text}\n`;
  const built = buildUnitModel("web.service", [{ path: "/units/web.service", syntax: lexUnitFile(body) }], host);
  assert.deepEqual(built.errors, [], `unit does not load:\n${body}`);
  assert.equal(built.model.kind, "service");
  return built.model;
}

export function notifyMessage(text: string, fds = 0): NotifyMessage {
  const parsed = parseNotify(Buffer.from(text), fds);
  assert.ok(parsed.ok, `bad notify text ${text}`);
  return parsed.message;
}

export const exited = (code: number): ProcessEnd => ({ kind: "exited", code });
export const killed = (signal: number, coreDumped = false): ProcessEnd => ({ kind: "killed", signal, coreDumped });

type EventInput = ServiceEvent extends infer E ? (E extends ServiceEvent ? Omit<E, "now"> : never) : never;

export const SECOND = 1_000_000;

/** What the manager adds to a notify event besides the message. */
export interface NotifyExtra {
  member?: boolean;
  mainPidCheck?: MainPidCheck;
  /** fds attached to the datagram (MAINPIDFD=1 needs exactly one). */
  fds?: number;
  mainPidFromFd?: number;
}

export class ServiceDriver {
  snapshot: ServiceSnapshot = initialServiceSnapshot();
  now = 1_000 * SECOND;
  /** Effects of the last event sent (including the answered spawns it caused). */
  effects: Effect[] = [];
  /** Every effect so far. */
  readonly history: Effect[] = [];
  /** The timer as the effects armed it. */
  timer: number | null = null;
  nextMainPid = 100;
  nextControlPid = 200;
  /** Spawns to answer with spawn-failed: "ExecStart[0]" → the failed stage. */
  readonly failingSpawns = new Map<string, string>();

  constructor(readonly model: ServiceUnitModel) {}

  get state(): ServiceState {
    return this.snapshot.state;
  }

  get runtime(): ServiceRuntime {
    return this.snapshot.runtime;
  }

  get mainPid(): number | null {
    return mainPidOf(this.state);
  }

  get controlPid(): number | null {
    return controlPidOf(this.state);
  }

  /** Sends one event at the current time; spawn effects are answered at once. */
  send(event: EventInput): Effect[] {
    this.effects = [];
    this.apply(event);
    return this.effects;
  }

  private apply(event: EventInput): void {
    const result = step(this.model, this.snapshot, { ...event, now: this.now });
    this.snapshot = { state: result.state, runtime: result.runtime };
    const spawns: Extract<Effect, { kind: "spawn" }>[] = [];
    for (const effect of result.effects) {
      this.effects.push(effect);
      this.history.push(effect);
      if (effect.kind === "arm-timer") this.timer = effect.at;
      if (effect.kind === "disarm-timer") this.timer = null;
      if (effect.kind === "spawn") spawns.push(effect);
    }
    for (const spawn of spawns) {
      const stage = this.failingSpawns.get(`${spawn.command}[${spawn.index}]`);
      if (stage !== undefined) {
        this.apply({ kind: "spawn-failed", role: spawn.role, stage, code: "ENOENT", message: `${stage} failed: ENOENT` });
        continue;
      }
      const pid = spawn.role === "main" ? this.nextMainPid++ : this.nextControlPid++;
      this.apply({ kind: "spawned", role: spawn.role, pid });
    }
  }

  advance(usec: number): this {
    this.now += usec;
    return this;
  }

  pidOf(role: ProcessRole): number {
    const pid = role === "main" ? this.mainPid : this.controlPid;
    assert.notEqual(pid, null, `no ${role} process in ${describeState(this.state)}`);
    return pid as number;
  }

  start(): Effect[] {
    return this.send({ kind: "start-requested" });
  }

  stop(): Effect[] {
    return this.send({ kind: "stop-requested" });
  }

  exit(role: ProcessRole, end: ProcessEnd | number, pidFile?: PidFileOutcome): Effect[] {
    const pid = this.pidOf(role);
    return this.send({ kind: "child-exited", pid, end: typeof end === "number" ? exited(end) : end, pidFile });
  }

  notify(sender: ProcessRole | number, text: string, extra: NotifyExtra = {}): Effect[] {
    const senderPid = typeof sender === "number" ? sender : this.pidOf(sender);
    return this.send({
      kind: "notify",
      senderPid,
      senderIsMember: extra.member ?? false,
      message: notifyMessage(text, extra.fds ?? 0),
      ...(extra.mainPidFromFd === undefined ? {} : { mainPidFromFd: extra.mainPidFromFd }),
      mainPidCheck: extra.mainPidCheck,
    });
  }

  /** Moves the clock to the armed deadline and fires the timer. */
  fireTimer(): Effect[] {
    assert.notEqual(this.timer, null, `no timer armed in ${describeState(this.state)}`);
    this.now = Math.max(this.now, this.timer as number);
    // A timer that fired is spent.
    this.timer = null;
    return this.send({ kind: "timer" });
  }

  gone(): Effect[] {
    return this.send({ kind: "processes-gone" });
  }

  get sub(): string {
    return this.state.kind;
  }

  get active(): string {
    return activeState(this.state);
  }

  spawnsOf(effects: readonly Effect[] = this.effects): string[] {
    return effects.flatMap((e) => (e.kind === "spawn" ? [`${e.command}[${e.index}]`] : []));
  }

  signalsOf(effects: readonly Effect[] = this.effects): string[] {
    return effects.flatMap((e) => (e.kind === "signal" ? [`${e.scope}:${e.signal}`] : []));
  }

  has(kind: Effect["kind"], effects: readonly Effect[] = this.effects): boolean {
    return effects.some((e) => e.kind === kind);
  }

  /** Checks the armed timer is at the earlier of the state's and the watchdog's deadline. */
  assertTimerMatchesState(): void {
    const watchdog = JSON.stringify(this.runtime.watchdog);
    assert.equal(this.timer, timerOf(this.snapshot), `timer ${this.timer} vs deadline in ${describeState(this.state)}, watchdog ${watchdog}`);
  }
}

export function describeState(state: ServiceState): string {
  return JSON.stringify(state);
}

/** A step of a table row's story. */
export type Action = (driver: ServiceDriver) => void;

export const start: Action = (d) => void d.start();
export const stop: Action = (d) => void d.stop();
export const restart: Action = (d) => void d.send({ kind: "restart-requested" });
export const reload: Action = (d) => void d.send({ kind: "reload-requested" });
export const timer: Action = (d) => void d.fireTimer();
export const gone: Action = (d) => void d.gone();
export const exit = (role: ProcessRole, end: ProcessEnd | number, pidFile?: PidFileOutcome): Action => (d) => void d.exit(role, end, pidFile);
export const notify =
  (sender: ProcessRole | number, text: string, extra?: NotifyExtra): Action =>
  (d) =>
    void d.notify(sender, text, extra);
export const advance = (usec: number): Action => (d) => void d.advance(usec);
export const pidFileRead = (outcome: PidFileOutcome): Action => (d) => void d.send({ kind: "pid-file-read", outcome });
export const guessed = (pid: number | null): Action => (d) => void d.send({ kind: "main-pid-guessed", pid });
export const stopped = (role: ProcessRole, signal: number): Action => (d) => void d.send({ kind: "child-stopped", pid: d.pidOf(role), signal });
export const failSpawn = (command: string, stage: string): Action => (d) => void d.failingSpawns.set(command, stage);
export const send = (event: EventInput): Action => (d) => void d.send(event);

/** What a row expects after its story. */
export interface Expectation {
  sub?: string;
  active?: string;
  result?: string;
  restarts?: number;
  mainPid?: number | null;
  /** Spawns of the last event, as "ExecStop[0]". */
  spawned?: string[];
  /** Signals of the last event, as "main:15". */
  signalled?: string[];
  /** Effect kinds the last event must (true) or must not (false) include. */
  effects?: Partial<Record<Effect["kind"], boolean>>;
  check?: (driver: ServiceDriver) => void;
}

export interface Row {
  behaviour: string;
  unit: string;
  story: Action[];
  expect: Expectation;
}

export function runRow(row: Row): void {
  const driver = new ServiceDriver(serviceUnit(row.unit));
  for (const action of row.story) action(driver);
  const seen = `saw ${describeState(driver.state)}, result ${driver.runtime.result}; last effects ${JSON.stringify(driver.effects)}`;
  const want = row.expect;
  if (want.sub !== undefined) assert.equal(driver.sub, want.sub, seen);
  if (want.active !== undefined) assert.equal(driver.active, want.active, seen);
  if (want.result !== undefined) assert.equal(driver.runtime.result, want.result, seen);
  if (want.restarts !== undefined) assert.equal(driver.runtime.restarts, want.restarts, seen);
  if (want.mainPid !== undefined) assert.equal(driver.mainPid, want.mainPid, seen);
  if (want.spawned !== undefined) assert.deepEqual(driver.spawnsOf(), want.spawned, seen);
  if (want.signalled !== undefined) assert.deepEqual(driver.signalsOf(), want.signalled, seen);
  for (const [kind, present] of Object.entries(want.effects ?? {})) {
    assert.equal(driver.has(kind as Effect["kind"]), present, `${kind} effect ${present ? "missing" : "unexpected"}; ${seen}`);
  }
  driver.assertTimerMatchesState();
  want.check?.(driver);
}
