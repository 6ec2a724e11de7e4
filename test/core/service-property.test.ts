// Property tests of the service reducer against a fake manager and process table: for random
// units and random event sequences it never throws, the one timer always matches the state's
// deadline, every spawn names a command line the unit has, and a stop followed by what the
// effects ask for (exits of signalled processes, emptiness, PID files, timers) always ends in
// dead or failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import fc from "fast-check";
import { step } from "../../src/core/service.js";
import { activeState, controlPidOf, initialServiceSnapshot, mainPidOf, timerOf } from "../../src/core/service-state.js";
import type { Effect, PidFileOutcome, ServiceEvent, ServiceSnapshot } from "../../src/core/service-state.js";
import type { ProcessEnd } from "../../src/protocol/exit-status.js";
import { RESTART_POLICIES } from "../../src/units/service-section.js";
import type { ServiceUnitModel } from "../../src/units/unit-model.js";
import { describeState, notifyMessage, serviceUnit } from "./service-harness.js";

const { SIGKILL, SIGCONT, SIGSTOP, SIGTERM, SIGSEGV, SIGTSTP } = constants.signals;

type EventInput = ServiceEvent extends infer E ? (E extends ServiceEvent ? Omit<E, "now"> : never) : never;

// ---- units ----

const unitArbitrary = fc
  .record({
    type: fc.constantFrom("simple", "exec", "forking", "oneshot", "notify", "notify-reload", "stop"),
    restart: fc.constantFrom(...RESTART_POLICIES),
    killMode: fc.constantFrom("control-group", "mixed", "process", "none"),
    sendSigkill: fc.boolean(),
    condition: fc.boolean(),
    startPre: fc.boolean(),
    startPost: fc.boolean(),
    stop: fc.boolean(),
    stopPost: fc.boolean(),
    reload: fc.boolean(),
    pidFile: fc.boolean(),
    remain: fc.boolean(),
    notifyAccess: fc.constantFrom(null, "main", "exec", "all"),
    startFailure: fc.constantFrom("terminate", "abort", "kill"),
    stopFailure: fc.constantFrom("terminate", "abort", "kill"),
    runtimeMax: fc.boolean(),
    exitCgroup: fc.boolean(),
    ignoreFailures: fc.boolean(),
    watchdog: fc.constantFrom(0, 0, 3, 15),
    timeoutAbort: fc.boolean(),
  })
  .map((u) => {
    const dash = u.ignoreFailures ? "-" : "";
    const oneshot = u.type === "oneshot";
    const lines = [
      `Type=${u.type}`,
      `ExecStart=${dash}/bin/main`,
      oneshot ? "ExecStart=/bin/second" : "",
      `Restart=${oneshot && (u.restart === "always" || u.restart === "on-success") ? "on-failure" : u.restart}`,
      `KillMode=${u.killMode}`,
      `SendSIGKILL=${u.sendSigkill ? "yes" : "no"}`,
      u.condition ? "ExecCondition=/bin/check" : "",
      u.startPre ? `ExecStartPre=${dash}/bin/pre\nExecStartPre=/bin/pre2` : "",
      u.startPost ? "ExecStartPost=/bin/post" : "",
      u.stop ? "ExecStop=/bin/stop" : "",
      u.stopPost ? `ExecStopPost=${dash}/bin/stop-post` : "",
      u.reload ? "ExecReload=/bin/reload" : "",
      u.pidFile && u.type === "forking" ? "PIDFile=/run/main.pid" : "",
      u.remain ? "RemainAfterExit=yes" : "",
      u.notifyAccess === null ? "" : `NotifyAccess=${u.notifyAccess}`,
      `TimeoutStartFailureMode=${u.startFailure}`,
      `TimeoutStopFailureMode=${u.stopFailure}`,
      "TimeoutStartSec=20",
      "TimeoutStopSec=10",
      "RestartSec=1",
      u.runtimeMax && !oneshot ? "RuntimeMaxSec=60" : "",
      u.exitCgroup && !oneshot ? "ExitType=cgroup" : "",
      u.watchdog > 0 ? `WatchdogSec=${u.watchdog}` : "",
      u.timeoutAbort ? "TimeoutAbortSec=4" : "",
    ];
    return lines.filter((line) => line !== "").join("\n");
  });

// ---- what happens to the service ----

const endArbitrary: fc.Arbitrary<ProcessEnd | null> = fc.oneof(
  fc.constantFrom(0, 1, 2, 42, 203, 254, 255).map((code): ProcessEnd => ({ kind: "exited", code })),
  fc.constantFrom(SIGTERM, SIGKILL, SIGSEGV).map((signal): ProcessEnd => ({ kind: "killed", signal, coreDumped: signal === SIGSEGV })),
  fc.constant(null),
);

type Happening =
  | { kind: "request"; which: "start-requested" | "stop-requested" | "restart-requested" | "reload-requested" | "reset-failed-requested" }
  | { kind: "exit"; who: "main" | "control" | "other"; end: ProcessEnd | null }
  | { kind: "notify"; who: "main" | "control" | "stranger"; text: string; member: boolean; checked: boolean }
  | { kind: "timer" }
  | { kind: "advance"; usec: number }
  | { kind: "deliver" }
  | { kind: "gone" }
  | { kind: "stopped"; signal: number }
  | { kind: "pid-file"; outcome: "ok" | "missing" | "refused" }
  | { kind: "guess"; found: boolean };

const happeningArbitrary: fc.Arbitrary<Happening> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom("start-requested", "start-requested", "stop-requested", "restart-requested", "reload-requested", "reload-requested", "reset-failed-requested")
      .map((which) => ({ kind: "request" as const, which })),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("exit" as const), who: fc.constantFrom("main" as const, "control" as const, "other" as const), end: endArbitrary }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("notify" as const),
      who: fc.constantFrom("main" as const, "control" as const, "stranger" as const),
      text: fc.constantFrom(
        "READY=1",
        "READY=1",
        "READY=1",
        "RELOADING=1",
        "STOPPING=1",
        "STATUS=busy",
        "STATUS=",
        "ERRNO=5",
        "MAINPID=",
        "MAINPIDFD=1",
        "READY=1\nRELOADING=1",
        "READY=1\nSTOPPING=1",
        "NOTIFYACCESS=all",
        "NOTIFYACCESS=none",
        "RESTART_RESET=1",
        "WATCHDOG=1",
        "WATCHDOG=1",
        "WATCHDOG=1\nSTATUS=alive",
        "WATCHDOG=trigger",
        "WATCHDOG_USEC=0",
        "WATCHDOG_USEC=2000000",
        "WATCHDOG_USEC=40000000",
        "EXTEND_TIMEOUT_USEC=5000000",
        "EXTEND_TIMEOUT_USEC=60000000",
        "READY=1\nWATCHDOG=1\nEXTEND_TIMEOUT_USEC=1000000",
      ),
      member: fc.boolean(),
      checked: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "timer" as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 30_000_000 }).map((usec) => ({ kind: "advance" as const, usec })) },
  { weight: 2, arbitrary: fc.constant({ kind: "deliver" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "gone" as const }) },
  { weight: 1, arbitrary: fc.constantFrom(SIGSTOP, SIGTSTP).map((signal) => ({ kind: "stopped" as const, signal })) },
  { weight: 1, arbitrary: fc.constantFrom("ok" as const, "missing" as const, "refused" as const).map((outcome) => ({ kind: "pid-file" as const, outcome })) },
  { weight: 1, arbitrary: fc.boolean().map((found) => ({ kind: "guess" as const, found })) },
);

// ---- the fake manager and process table ----

/** "polite" processes die of any signal but SIGCONT; "stubborn" ones only of SIGKILL. */
type Temper = "polite" | "stubborn";

class FakeManager {
  snapshot: ServiceSnapshot = initialServiceSnapshot();
  now = 1_000_000_000;
  timer: number | null = null;
  readonly alive = new Map<number, Temper>();
  readonly queue: EventInput[] = [];
  awaitingGone = false;
  nextPid = 100;
  steps = 0;
  #seed: number;

  constructor(
    readonly model: ServiceUnitModel,
    seed: number,
  ) {
    this.#seed = seed >>> 0;
  }

  /** mulberry32: the fake world's own dice, seeded by fast-check. */
  chance(p: number): boolean {
    this.#seed = (this.#seed + 0x6d2b79f5) >>> 0;
    let x = this.#seed;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296 < p;
  }

  newProcess(): number {
    const pid = this.nextPid++;
    this.alive.set(pid, this.chance(0.3) ? "stubborn" : "polite");
    return pid;
  }

  send(event: EventInput): void {
    const before = this.snapshot.state;
    let result;
    try {
      result = step(this.model, this.snapshot, { ...event, now: this.now });
    } catch (error) {
      throw new Error(`step threw on ${JSON.stringify(event)} in ${describeState(before)}: ${String(error)}`);
    }
    this.steps++;
    this.snapshot = { state: result.state, runtime: result.runtime };
    const answers: EventInput[] = [];
    for (const effect of result.effects) this.interpret(effect, answers);
    const deadline = timerOf(this.snapshot);
    assert.equal(this.timer, deadline, `timer ${this.timer} but deadline ${deadline} after ${JSON.stringify(event)}: ${describeState(before)} → ${describeState(this.snapshot.state)}`);
    // The manager answers spawns once it has carried out all the effects of the step.
    for (const answer of answers) this.send(answer);
    this.answerEmptiness();
  }

  interpret(effect: Effect, answers: EventInput[]): void {
    switch (effect.kind) {
      case "spawn": {
        assert.ok(this.model.service.commands[effect.command][effect.index] !== undefined, `spawn of a missing ${effect.command}[${effect.index}]`);
        if (this.chance(0.05)) {
          answers.push({ kind: "spawn-failed", role: effect.role, stage: this.chance(0.5) ? "execve" : "fork", code: "ENOENT", message: "failed" });
          return;
        }
        const pid = this.newProcess();
        // Commands usually finish on their own.
        if (effect.role === "control" && this.chance(0.6)) {
          this.alive.delete(pid);
          this.queue.push({ kind: "child-exited", pid, end: { kind: "exited", code: this.chance(0.8) ? 0 : 1 } });
          // A forking start process leaves its daemon behind.
          if (effect.command === "ExecStart") this.newProcess();
        }
        answers.push({ kind: "spawned", role: effect.role, pid });
        return;
      }
      case "signal": {
        const state = this.snapshot.state;
        const targets =
          effect.scope === "others"
            ? [...this.alive.keys()].filter((pid) => pid !== mainPidOf(state) && pid !== controlPidOf(state))
            : effect.pid === null
              ? []
              : [effect.pid];
        for (const pid of targets) {
          const temper = this.alive.get(pid);
          if (temper === undefined || effect.signal === SIGCONT || (temper === "stubborn" && effect.signal !== SIGKILL)) continue;
          this.alive.delete(pid);
          this.queue.push({ kind: "child-exited", pid, end: { kind: "killed", signal: effect.signal, coreDumped: false } });
        }
        return;
      }
      case "arm-timer":
        this.timer = effect.at;
        return;
      case "disarm-timer":
        this.timer = null;
        return;
      case "await-processes-gone":
        this.awaitingGone = true;
        return;
      case "read-pid-file":
      case "watch-pid-file":
        this.queue.push({ kind: "pid-file-read", outcome: this.pidFile() });
        return;
      case "guess-main-pid": {
        const candidates = [...this.alive.keys()].filter((pid) => pid !== controlPidOf(this.snapshot.state));
        this.queue.push({ kind: "main-pid-guessed", pid: candidates.length === 1 ? (candidates[0] ?? null) : null });
        return;
      }
      case "watch-main-pid":
        if (!this.alive.has(effect.pid)) this.alive.set(effect.pid, "polite");
        return;
      case "unwatch-pid-file":
      case "remove-pid-file":
      case "log":
        return;
    }
  }

  pidFile(): PidFileOutcome {
    const daemon = [...this.alive.keys()].find((pid) => pid !== controlPidOf(this.snapshot.state));
    if (daemon !== undefined && this.chance(0.6)) return { kind: "ok", pid: daemon };
    return this.chance(0.8) ? { kind: "missing" } : { kind: "refused", reason: "not in the service" };
  }

  answerEmptiness(): void {
    if (this.awaitingGone && this.alive.size === 0) {
      this.awaitingGone = false;
      this.queue.push({ kind: "processes-gone" });
    }
  }

  fireTimer(): void {
    if (this.timer === null) return;
    this.now = Math.max(this.now, this.timer);
    this.timer = null;
    this.send({ kind: "timer" });
  }

  deliver(): boolean {
    const event = this.queue.shift();
    if (event === undefined) return false;
    this.send(event);
    return true;
  }

  /** Something happens; usually the world then answers everything the effects asked for. */
  happenThenSettle(h: Happening): void {
    this.happen(h);
    if (this.chance(0.2)) return;
    for (let i = 0; i < 50 && this.deliver(); i++);
  }

  happen(h: Happening): void {
    const state = this.snapshot.state;
    const main = mainPidOf(state);
    const control = controlPidOf(state);
    switch (h.kind) {
      case "request":
        this.send({ kind: h.which });
        return;
      case "exit": {
        const others = [...this.alive.keys()].filter((pid) => pid !== main && pid !== control);
        const pid = h.who === "main" ? main : h.who === "control" ? control : (others[0] ?? 9999);
        if (pid === null) return;
        this.alive.delete(pid);
        this.send({ kind: "child-exited", pid, end: h.end });
        return;
      }
      case "notify": {
        const sender = h.who === "main" ? main : h.who === "control" ? control : 4242;
        if (sender === null) return;
        let text = h.text;
        if (text === "MAINPID=") {
          const pid = this.newProcess();
          text = `MAINPID=${pid}`;
        }
        if (text.includes("RELOADING=1")) text += `\nMONOTONIC_USEC=${this.now}`;
        const check = h.checked ? ({ kind: "ok" } as const) : ({ kind: "refused", reason: "not a member" } as const);
        // MAINPIDFD=1 carries one pidfd; the manager sometimes cannot read it (the process is gone).
        const pidFd = text === "MAINPIDFD=1";
        const fromFd = pidFd && this.chance(0.8) ? { mainPidFromFd: this.newProcess() } : {};
        const message = notifyMessage(text, pidFd ? 1 : 0);
        this.send({ kind: "notify", senderPid: sender, senderIsMember: h.member, message, ...fromFd, mainPidCheck: check });
        return;
      }
      case "timer":
        this.fireTimer();
        return;
      case "advance":
        this.now += h.usec;
        return;
      case "deliver":
        this.deliver();
        return;
      case "gone":
        this.send({ kind: "processes-gone" });
        return;
      case "stopped":
        if (main !== null) this.send({ kind: "child-stopped", pid: main, signal: h.signal });
        return;
      case "pid-file":
        this.send({
          kind: "pid-file-read",
          outcome: h.outcome === "ok" ? { kind: "ok", pid: this.newProcess() } : h.outcome === "missing" ? { kind: "missing" } : { kind: "refused", reason: "owned by nobody" },
        });
        return;
      case "guess":
        this.send({ kind: "main-pid-guessed", pid: h.found ? this.newProcess() : null });
        return;
    }
  }
}

const runs = Number(process.env.STEWARD_PROPERTY_RUNS ?? 300);

test("service property: random events never throw, the timer always matches the deadline, spawns name real command lines", () => {
  fc.assert(
    fc.property(unitArbitrary, fc.array(happeningArbitrary, { minLength: 5, maxLength: 80, size: "large" }), fc.integer(), (unit, happenings, seed) => {
      const manager = new FakeManager(serviceUnit(unit), seed);
      for (const h of happenings) manager.happenThenSettle(h);
    }),
    { numRuns: runs },
  );
});

test("service property: a stop, followed by what the effects ask for, always ends in dead or failed", () => {
  fc.assert(
    fc.property(unitArbitrary, fc.array(happeningArbitrary, { minLength: 5, maxLength: 60, size: "large" }), fc.integer(), (unit, happenings, seed) => {
      const manager = new FakeManager(serviceUnit(unit), seed);
      for (const h of happenings) manager.happenThenSettle(h);
      manager.send({ kind: "stop-requested" });
      for (let i = 0; i < 400; i++) {
        const kind = manager.snapshot.state.kind;
        if (kind === "dead" || kind === "failed") return;
        if (manager.deliver()) continue;
        assert.notEqual(manager.timer, null, `stuck in ${describeState(manager.snapshot.state)} with nothing to wait for; unit:\n${unit}`);
        manager.fireTimer();
      }
      assert.fail(`no end after 400 events: ${describeState(manager.snapshot.state)}`);
    }),
    { numRuns: runs },
  );
});

test("service property: after a start, answering every effect without failures reaches an active or inactive state", () => {
  fc.assert(
    fc.property(unitArbitrary, fc.integer(), (unit, seed) => {
      const manager = new FakeManager(serviceUnit(unit), seed);
      manager.send({ kind: "start-requested" });
      for (let i = 0; i < 200 && manager.deliver(); i++);
      const active = activeState(manager.snapshot.state);
      assert.ok(active !== "deactivating" || manager.timer !== null, `stuck deactivating: ${describeState(manager.snapshot.state)}`);
    }),
    { numRuns: runs },
  );
});
