// One service's life in the running manager: holds the core reducer's state,
// feeds it events, and carries out every effect it asks for. Nothing here
// decides what a service does next; src/core/service.ts does.
import { randomBytes } from "node:crypto";
import { openSync, rmSync } from "node:fs";
import { collectFds, type SocketFds } from "../core/fd-store.js";
import { exitEnvironment } from "../core/service-result.js";
import { step } from "../core/service.js";
import {
  activeState, controlPidOf, initialServiceSnapshot, mainPidOf,
  type ActiveState, type Effect, type ProcessRole, type ServiceEvent, type ServiceSnapshot,
} from "../core/service-state.js";
import type { ProcessEnd } from "../protocol/exit-status.js";
import type { NotifyMessage } from "../protocol/notify-message.js";
import {
  closeFd, isSystemCallError, killPid, signalPidfd, spawn, SpawnError,
} from "../sys/index.js";
import type { ServiceUnitModel } from "../units/unit-model.js";
import { planExec } from "./exec-plan.js";
import { checkPidfdId, pidOfPidfd } from "./main-pid.js";
import { MainPidFinder } from "./main-pid-finder.js";
import type { LogRegistry } from "./logs/index.js";
import type { ProcessTable } from "./process-table.js";
import { ServiceFdStore } from "./service-fd-store.js";
import { openStdio, type ServiceStdio } from "./service-stdio.js";

export interface RunnerHost {
  readonly processes: ProcessTable;
  readonly logs: LogRegistry;
  readonly notifyAddress: string;
  readonly managerEnv: Readonly<Record<string, string | undefined>>;
  now(): number;
  /** The listening fds of the socket units that activate this service, and its Sockets= order. */
  listenFds(unit: string): { sockets: SocketFds[]; order: readonly string[] };
  /** Accept=yes instances: the connection (their stdio with StandardInput=socket) and REMOTE_ADDR/REMOTE_PORT. */
  connectionOf(unit: string): { fd: number; env: Readonly<Record<string, string>> } | null;
  /** A start or restart job is queued or running for the unit (the unit will run again). */
  startPending(unit: string): boolean;
  /** Watches a process that is not our child; calls back once when it has exited. */
  watchExit(pid: number, onExit: () => void): () => void;
  /** The active state changed (after the whole step); `runner` says which instance. */
  stateChanged(unit: string, previous: ActiveState, current: ActiveState, runner: ServiceRunner): void;
}

/** What status shows beyond the reducer's state. */
export interface RunnerFacts {
  activeSince: number | null;
  /** X_* and unknown notify variables from allowed senders, latest value each, since the last start. */
  notifyVariables: Record<string, string>;
}

export class ServiceRunner {
  readonly name: string;
  /**
   * What the process table and the cgroups know this runner's processes by: the unit's
   * name, or for the new instance of an overlapped restart a name of its own, so that
   * each instance's processes are told apart (and stopped) separately.
   */
  readonly trackingKey: string;
  #model: ServiceUnitModel;
  #snapshot: ServiceSnapshot = initialServiceSnapshot();
  readonly #host: RunnerHost;
  readonly #queue: ServiceEvent[] = [];
  #draining = false;
  /** The reducer's one timer; cancel() disarms it. */
  #timer: { cancel(): void } | null = null;
  #pidfds = new Map<number, number>();
  readonly #mainPid: MainPidFinder;
  #membersWatch: (() => void)[] = [];
  #invocationId = "";
  /** MONITOR_* for the start that OnFailure= asked for; cleared by any other start. */
  #monitorEnv: Record<string, string> = {};
  #invocation = -1;
  #devNull: number | null = null;
  /** FDSTORE=1: the manager's copies, kept across restarts per FileDescriptorStorePreserve=. */
  readonly #fdStore: ServiceFdStore;
  readonly facts: RunnerFacts = { activeSince: null, notifyVariables: {} };

  constructor(name: string, model: ServiceUnitModel, host: RunnerHost, trackingKey = name) {
    this.name = name;
    this.trackingKey = trackingKey;
    this.#model = model;
    this.#host = host;
    this.#mainPid = new MainPidFinder(host, trackingKey);
    this.#fdStore = new ServiceFdStore((message) => host.logs.store(name).appendManagerLine(message));
  }

  get snapshot(): ServiceSnapshot {
    return this.#snapshot;
  }

  get model(): ServiceUnitModel {
    return this.#model;
  }

  /** A reloaded definition takes effect at the next start (daemon-reload restarts nothing). */
  replaceModel(model: ServiceUnitModel): void {
    this.#model = model;
  }

  get invocationId(): string {
    return this.#invocationId;
  }

  dispatch(event: ServiceEvent): void {
    this.#queue.push(event);
    if (this.#draining) return; // an effect fed an event back: it runs after this step
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#step(next);
    } finally {
      this.#draining = false;
    }
  }

  request(kind: "start-requested" | "stop-requested" | "restart-requested" | "reload-requested", monitorEnv?: Record<string, string>): void {
    if (kind === "start-requested") {
      this.#monitorEnv = monitorEnv ?? {};
      if (this.#snapshot.state.kind === "dead" || this.#snapshot.state.kind === "failed") this.facts.notifyVariables = {};
    }
    this.dispatch({ kind, now: this.#host.now() });
  }

  /** The stop half of a restart job (the job engine starts the unit again once it is down): RestartKillSignal=. */
  requestStopForRestart(): void {
    this.dispatch({ kind: "stop-requested", forRestart: true, now: this.#host.now() });
  }

  /** The MONITOR_* variables systemd gives to the OnFailure= units of this one. */
  monitorEnvironment(): Record<string, string> {
    const runtime = this.#snapshot.runtime;
    const env: Record<string, string> = {
      MONITOR_SERVICE_RESULT: runtime.result,
      MONITOR_INVOCATION_ID: this.#invocationId,
      MONITOR_UNIT: this.name,
    };
    const end = runtime.mainExit?.end;
    if (end) {
      const exit = exitEnvironment(end);
      env.MONITOR_EXIT_CODE = exit.EXIT_CODE;
      env.MONITOR_EXIT_STATUS = exit.EXIT_STATUS;
    }
    return env;
  }

  childExited(pid: number, end: ProcessEnd | null): void {
    const pidFile = this.#model.service.pidFile;
    const isMain = mainPidOf(this.#snapshot.state) === pid;
    this.#forgetPidfd(pid);
    this.#host.processes.markExited(pid);
    this.dispatch({
      kind: "child-exited",
      pid,
      end,
      now: this.#host.now(),
      // A forking daemon may hand over to a new main process (nginx's USR2 upgrade): the
      // PID file then names it when the old one exits.
      ...(isMain && pidFile ? { pidFile: this.#mainPid.readPidFile(pidFile, this.#model) } : {}),
    });
  }

  childStopped(pid: number, signal: number): void {
    this.dispatch({ kind: "child-stopped", pid, signal, now: this.#host.now() });
  }

  /** `fds` are the datagram's attached fds: an entry this runner takes is set to -1. */
  notify(senderPid: number, message: NotifyMessage, fds: number[] = []): void {
    if (this.#notifyAllowed(senderPid)) Object.assign(this.facts.notifyVariables, message.extra);
    if ((message.fdStore || message.fdStoreRemove) && this.#notifyAllowed(senderPid)) {
      this.#fdStore.take(message, fds, this.#model.service.fileDescriptorStoreMax);
    }
    // MAINPIDFD=1: the new main process is the one pidfd attached; read its PID from fdinfo.
    const mainPidFromFd = message.mainPidFd && fds.length === 1 && fds[0] !== undefined ? pidOfPidfd(fds[0]) : null;
    const named = mainPidFromFd ?? message.mainPid;
    let mainPidCheck = named === null ? undefined : this.#mainPid.check(named);
    if (mainPidCheck?.kind === "ok" && mainPidFromFd === null && message.mainPid !== null && message.mainPidFdId !== null) {
      mainPidCheck = checkPidfdId(message.mainPid, message.mainPidFdId);
    }
    this.dispatch({
      kind: "notify",
      senderPid,
      senderIsMember: true,
      message,
      now: this.#host.now(),
      ...(mainPidFromFd !== null ? { mainPidFromFd } : {}),
      ...(mainPidCheck ? { mainPidCheck } : {}),
    });
  }

  #step(event: ServiceEvent): void {
    const before = activeState(this.#snapshot.state);
    const result = step(this.#model, this.#snapshot, event);
    this.#snapshot = { state: result.state, runtime: result.runtime };
    if (result.runtime.invocation !== this.#invocation) {
      this.#invocation = result.runtime.invocation;
      this.#invocationId = randomBytes(16).toString("hex");
      this.#host.processes.registerInvocation(this.#invocationId, this.trackingKey);
    }
    for (const effect of result.effects) this.#apply(effect);
    const after = activeState(result.state);
    this.#releaseStoreIfDue(result.state.kind, after);
    if (after !== before) {
      this.facts.activeSince = after === "active" ? this.#host.now() : this.facts.activeSince;
      if (after === "inactive" || after === "failed") this.#wentDown();
      this.#host.stateChanged(this.name, before, after, this);
    }
  }

  #wentDown(): void {
    this.facts.activeSince = null;
    this.#stopWatchingMembers();
    this.#mainPid.unwatchMain();
    for (const pidfd of this.#pidfds.values()) closeFd(pidfd);
    this.#pidfds.clear();
    this.#host.processes.forgetUnit(this.trackingKey);
    this.#host.processes.cgroups?.release(this.trackingKey);
  }

  #apply(effect: Effect): void {
    switch (effect.kind) {
      case "spawn":
        return this.#spawn(effect);
      case "signal":
        return this.#signal(effect.scope, effect.pid, effect.signal);
      case "arm-timer":
        return this.#armTimer(effect.at);
      case "disarm-timer":
        this.#timer?.cancel();
        this.#timer = null;
        return;
      case "read-pid-file":
        return this.dispatch({ kind: "pid-file-read", outcome: this.#mainPid.readPidFile(effect.path, this.#model), now: this.#host.now() });
      case "watch-pid-file":
        return this.#mainPid.watchPidFile(effect.path, this.#model, (outcome) => this.dispatch({ kind: "pid-file-read", outcome, now: this.#host.now() }));
      case "unwatch-pid-file":
        return this.#mainPid.unwatchPidFile();
      case "remove-pid-file":
        rmSync(effect.path, { force: true });
        return;
      case "guess-main-pid":
        return this.#guessMainPid();
      case "watch-main-pid":
        return this.#mainPid.watchMain(effect.pid, () => this.childExited(effect.pid, null));
      case "await-processes-gone":
        return this.#awaitProcessesGone();
      case "log":
        if (effect.level !== "debug") this.#host.logs.store(this.name).appendManagerLine(effect.message);
        return;
    }
  }

  // --- processes -------------------------------------------------------------

  #spawn(effect: Extract<Effect, { kind: "spawn" }>): void {
    const { role } = effect;
    const now = () => this.#host.now();
    const command = this.#model.service.commands[effect.command][effect.index];
    if (!command) {
      this.dispatch({ kind: "spawn-failed", role, stage: "prepare", code: "EINVAL", message: `no ${effect.command} command ${effect.index}`, now: now() });
      return;
    }
    let stdio: ServiceStdio;
    try {
      stdio = this.#stdio();
    } catch (error) {
      const message = `${this.name}: standard output: ${(error as Error).message}`;
      this.#host.logs.store(this.name).appendManagerLine(message);
      this.dispatch({ kind: "spawn-failed", role, stage: "prepare", code: "ERESOURCES", message, now: now() });
      return;
    }
    // Sockets and the fd store go to the main process only, as systemd passes them.
    const passed = role === "main" ? this.#passedFds() : { fds: [], env: {}, socketFdCount: 0 };
    try {
      const plan = planExec({
        unit: this.name,
        exec: this.#model.service.exec,
        command,
        extraEnv: { ...this.#serviceEnv(role), ...passed.env, ...effect.extraEnv },
        fds: [...stdio.fds, ...passed.fds],
        managerEnv: this.#host.managerEnv,
        setListenPid: passed.fds.length > 0,
        setWatchdogPid: role === "main" && this.#watchdogUsec() !== null,
        socketFdCount: passed.socketFdCount,
        nonBlocking: this.#model.service.nonBlocking,
        cgroup: this.#host.processes.cgroups?.dirOf(this.trackingKey),
      });
      if (!plan.ok) {
        this.#host.logs.store(this.name).appendManagerLine(plan.message);
        this.dispatch({ kind: "spawn-failed", role, stage: "prepare", code: plan.result === "resources" ? "ERESOURCES" : "ENOENT", message: plan.message, now: now() });
        return;
      }
      for (const warning of plan.warnings) this.#host.logs.store(this.name).appendManagerLine(warning);
      let child;
      try {
        child = spawn(plan.spec);
      } catch (error) {
        if (!(error instanceof SpawnError)) throw error;
        this.#host.logs.store(this.name).appendManagerLine(`${command.path}: ${error.stage} failed: ${error.code}`);
        // DESIGN.md: a Limit*= that cannot be applied fails the start with result "resources",
        // as the other set-up steps the manager does before fork ("prepare") do.
        const stage = error.stage === "rlimit" ? "prepare" : error.stage;
        this.dispatch({ kind: "spawn-failed", role, stage, code: error.code, message: error.message, now: now() });
        return;
      }
      this.#host.processes.register(child.pid, this.trackingKey, role);
      if (child.pidfd !== null) this.#pidfds.set(child.pid, child.pidfd);
      this.dispatch({ kind: "spawned", role, pid: child.pid, now: now() });
    } finally {
      stdio.release();
    }
  }

  /** fds 0-2 for a new process; release() closes the manager's copies once it has its own. */
  #stdio(): ServiceStdio {
    this.#devNull ??= openSync("/dev/null", "r+");
    const socket = this.#host.connectionOf(this.name)?.fd ?? null;
    return openStdio(this.#model.service.exec, this.#devNull, (fd, stream) => this.#host.logs.capture(this.name, fd, stream), socket);
  }

  /** The watchdog interval a new main process is told (WatchdogSec=; infinity means none). */
  #watchdogUsec(): number | null {
    const usec = this.#model.service.watchdogUsec;
    return Number.isFinite(usec) && usec > 0 ? usec : null;
  }

  #serviceEnv(role: ProcessRole): Record<string, string> {
    const service = this.#model.service;
    const env: Record<string, string> = { ...this.#monitorEnv, ...this.#host.connectionOf(this.name)?.env, INVOCATION_ID: this.#invocationId };
    const access = this.#snapshot.runtime.notifyAccessOverride ?? service.notifyAccess;
    // NOTIFY_SOCKET only for the processes NotifyAccess= would believe (systemd does the same).
    if ((role === "main" && access !== "none") || (role === "control" && (access === "exec" || access === "all"))) {
      env.NOTIFY_SOCKET = this.#host.notifyAddress;
    }
    if (service.type === "stop") env.UPSTART_JOB = this.name.replace(/\.service$/, "");
    const watchdog = this.#watchdogUsec();
    if (role === "main" && watchdog !== null) env.WATCHDOG_USEC = String(watchdog);
    if (service.pidFile) env.PIDFILE = service.pidFile;
    return env;
  }

  #signal(scope: "main" | "control" | "others", pid: number | null, signal: number): void {
    const targets = scope === "others" ? this.#others() : pid === null ? [] : [pid];
    for (const target of targets) {
      try {
        const pidfd = this.#pidfds.get(target);
        if (pidfd !== undefined) signalPidfd(pidfd, signal);
        else killPid(target, signal);
      } catch (error) {
        if (!isSystemCallError(error, "ESRCH")) throw error;
      }
    }
  }

  #others(): number[] {
    const state = this.#snapshot.state;
    const skip = new Set([mainPidOf(state), controlPidOf(state)]);
    return this.#host.processes.membersOf(this.trackingKey).filter((pid) => !skip.has(pid));
  }

  #forgetPidfd(pid: number): void {
    const pidfd = this.#pidfds.get(pid);
    if (pidfd === undefined) return;
    closeFd(pidfd);
    this.#pidfds.delete(pid);
  }

  #armTimer(at: number): void {
    this.#timer?.cancel();
    const fire = () => {
      this.#timer = null;
      this.dispatch({ kind: "timer", now: this.#host.now() });
    };
    const delayUsec = at - this.#host.now();
    if (delayUsec <= 0) {
      // Due now (RestartSec=0): on the next turn, not after setTimeout's 1 ms minimum.
      const immediate = setImmediate(fire);
      this.#timer = { cancel: () => clearImmediate(immediate) };
      return;
    }
    // Node caps timers at 2^31-1 ms; a later deadline re-arms when the timer fires early.
    const timeout = setTimeout(fire, Math.min(Math.ceil(delayUsec / 1000), 2 ** 31 - 1));
    this.#timer = { cancel: () => clearTimeout(timeout) };
  }

  // --- finding the main process ---------------------------------------------

  #guessMainPid(): void {
    const { pid, reason } = this.#mainPid.guess(controlPidOf(this.#snapshot.state));
    this.dispatch({ kind: "main-pid-guessed", pid, now: this.#host.now(), ...(reason ? { reason } : {}) });
  }

  // --- waiting for the last process -----------------------------------------

  #awaitProcessesGone(): void {
    this.#stopWatchingMembers();
    const cgroups = this.#host.processes.cgroups;
    if (cgroups) {
      this.#membersWatch.push(cgroups.whenEmpty(this.trackingKey, () => this.dispatch({ kind: "processes-gone", now: this.#host.now() })));
      return;
    }
    const members = this.#host.processes.membersOf(this.trackingKey);
    if (members.length === 0) {
      this.dispatch({ kind: "processes-gone", now: this.#host.now() });
      return;
    }
    // Every member's exit is an event (pidfds); on each, look again.
    for (const pid of members) {
      try {
        this.#membersWatch.push(this.#host.watchExit(pid, () => this.#awaitProcessesGone()));
      } catch {
        // gone already; the next look will tell
      }
    }
  }

  #stopWatchingMembers(): void {
    for (const stop of this.#membersWatch.splice(0)) stop();
  }

  // --- the fd store (protocols.md §3) -----------------------------------------

  #passedFds(): { fds: readonly number[]; env: Readonly<Record<string, string>>; socketFdCount: number } {
    const { sockets, order } = this.#host.listenFds(this.name);
    const collected = collectFds(sockets, this.#fdStore.store, order);
    return { fds: collected.fds, env: collected.env, socketFdCount: collected.socketFdCount };
  }

  /** NotifyAccess= as the reducer applies it, for the fds a message carries. */
  #notifyAllowed(senderPid: number): boolean {
    const access = this.#snapshot.runtime.notifyAccessOverride ?? this.#model.service.notifyAccess;
    const state = this.#snapshot.state;
    if (access === "all") return true;
    if (access === "main") return senderPid === mainPidOf(state);
    if (access === "exec") return senderPid === mainPidOf(state) || senderPid === controlPidOf(state);
    return false;
  }

  /**
   * FileDescriptorStorePreserve=: "service-dead" each time the service ends (also into an
   * automatic restart), "unit-inactive" when it is down for good: no restart pending, no job.
   */
  #releaseStoreIfDue(kind: string, active: ActiveState): void {
    if (this.#fdStore.size === 0) return;
    const preserve = this.#model.service.fileDescriptorStorePreserve;
    if (kind === "dead" || kind === "failed" || kind === "auto-restart") this.#fdStore.release(preserve, "service-dead");
    if ((active === "inactive" || active === "failed") && !this.#host.startPending(this.name)) this.#fdStore.release(preserve, "unit-inactive");
  }

  /** An overlapped restart's new instance starts with duplicates of the running one's store. */
  copyFdStoreFrom(other: ServiceRunner): void {
    this.#fdStore.copyFrom(other.#fdStore, this.#model.service.fileDescriptorStoreMax);
  }

  /** status --json's fdStore. */
  describeFdStore(): { name: string; kind: string }[] {
    return this.#fdStore.describe();
  }

  /** Closes everything the runner holds (manager exit). */
  dispose(): void {
    this.#fdStore.dispose(this.#model.service.fileDescriptorStorePreserve);
    this.#timer?.cancel();
    this.#mainPid.close();
    this.#wentDown();
    if (this.#devNull !== null) closeFd(this.#devNull);
    this.#devNull = null;
  }
}


