// The running manager: owns the units, the job engine, the notify socket, the
// reaper and the control API, and wires them together. Decisions are made by
// the reducers in src/core/; this file turns their effects into actions.
import { buildDependencyGraph, graphUnitOf } from "../core/dependency-graph.js";
import { createJobEngine, jobOfUnit, listJobs, stepJobs, type JobEffect, type JobEngineState, type JobEvent, type UnitActiveState } from "../core/jobs.js";
import { connectionFds, type SocketFds } from "../core/fd-store.js";
import { activeState, subState } from "../core/service-state.js";
import { controlSocketPath } from "../api/paths.js";
import { ApiServer, type ManagerControl } from "../api/server.js";
import type { JobOutcome, JobRequest, ListEntry, LogLine, ManagerEvent, UnitStatus } from "../api/types.js";
import { shellExitCode } from "../protocol/exit-status.js";
import {
  closeFd, Reaper, setChildSubreaper, type ChildChange,
} from "../sys/index.js";
import { monotonicUsec } from "./clock.js";
import { defaultLogDirectory, LogRegistry, type EchoTarget, type UnitLogRecord } from "./logs/index.js";
import { NotifyRouter } from "./notify-router.js";
import { ExitWatches } from "./exit-watches.js";
import { OverlapRestart, overlapRefusal } from "./overlap-restart.js";
import { ProcessTable } from "./process-table.js";
import { CgroupTracker, probeCgroups } from "./cgroups.js";
import { probeHost, type Degradation } from "./host-probe.js";
import { KillModeLeftovers } from "./kill-mode-leftovers.js";
import { readinessOf, type Readiness } from "./readiness.js";
import { forwardToProcess, type ForwardTarget } from "./signal-forwarding.js";
import { claimRuntimeDir, type RuntimeDirLock } from "./runtime-dir.js";
import { ServiceRunner, type RunnerHost } from "./service-runner.js";
import { ConnectionInstances } from "./connection-instances.js";
import { SocketRunner, type SocketRunnerHost, type StartInstance } from "./socket-runner.js";
import { withImplicitSocketDependencies } from "./socket-dependencies.js";
import { unitStatus, listEntry } from "./unit-status.js";
import { UnitRegistry } from "./unit-registry.js";

export interface ManagerOptions {
  runtimeDir: string;
  unitDirs: readonly string[];
  /** Echo service output here as `unit | line` (steward up on a terminal). */
  echo?: EchoTarget | null;
  /** Lines about the manager itself. */
  say?: (message: string) => void;
  /** "tree" forces process-tree tracking even where cgroups are writable. */
  tracking?: "auto" | "tree";
}

interface PendingRequest {
  resolve(outcome: JobOutcome): void;
  noBlock: boolean;
}

export class Manager implements ManagerControl {
  readonly options: ManagerOptions;
  processes = new ProcessTable();
  readonly registry: UnitRegistry;
  readonly runners = new Map<string, ServiceRunner>();
  /** Every service runner by its tracking key: the units' own, and overlapped restarts' other instances. */
  readonly #tracked = new Map<string, ServiceRunner>();
  /** Overlapped restarts under way, by unit. */
  readonly #overlaps = new Map<string, OverlapRestart>();
  /** Accept=yes instances and their connections. */
  readonly #connections = new ConnectionInstances();
  #instances = 0;
  /** The socket units' runners (socket activation, docs/sockets.md). */
  readonly sockets = new Map<string, SocketRunner>();
  readonly #subscribers = new Set<(event: ManagerEvent) => void>();
  readonly #pending = new Map<number, PendingRequest>();
  readonly #needsRestart = new Set<string>();
  readonly #leftovers = new KillModeLeftovers();
  /** Why tracking is by process tree, when it is. */
  trackingNote: string | null = null;
  /** What the host denies the manager (host-probe.ts), found at start. */
  degradations: Degradation[] = [];
  #jobs!: JobEngineState;
  #lock: RuntimeDirLock | null = null;
  #reaper: Reaper | null = null;
  #exitWatches: ExitWatches | null = null;
  #notify: NotifyRouter | null = null;
  #api: ApiServer | null = null;
  #logs!: LogRegistry;
  #stopLogFollow: (() => void) | null = null;
  #stopped!: Promise<void>;
  #resolveStopped!: () => void;
  #shuttingDown = false;

  constructor(options: ManagerOptions) {
    this.options = options;
    this.registry = new UnitRegistry(options.unitDirs);
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
  }

  /** Resolves once shutdown has stopped every unit and closed everything. */
  get stopped(): Promise<void> {
    return this.#stopped;
  }

  #say(message: string): void {
    (this.options.say ?? ((m: string) => void process.stderr.write(`steward: ${m}\n`)))(message);
  }

  async start(): Promise<void> {
    this.#lock = claimRuntimeDir(this.options.runtimeDir);
    setChildSubreaper(true);
    const cgroups = this.options.tracking === "tree" ? { mount: null, root: null, reason: "tree tracking was asked for" } : probeCgroups();
    this.processes = new ProcessTable(cgroups.root && cgroups.mount ? new CgroupTracker(cgroups.mount, cgroups.root) : null);
    this.trackingNote = cgroups.reason;
    this.degradations = probeHost({ cgroupReason: this.options.tracking === "tree" ? null : cgroups.reason });
    this.#reaper = new Reaper((changes) => this.#onChildChanges(changes));
    this.#exitWatches = new ExitWatches();
    this.#logs = new LogRegistry({ directory: defaultLogDirectory(this.options.runtimeDir), echo: this.options.echo ?? null });
    this.#stopLogFollow = this.#logs.follow([], (record) => this.#publish({ kind: "log", line: toLogLine(record) }));
    this.#notify = new NotifyRouter(this.options.runtimeDir, {
      unitOf: (pid) => this.processes.unitOf(pid),
      // The process table knows processes by tracking key (see ServiceRunner.trackingKey).
      deliver: (key, delivery) => this.#tracked.get(key)?.notify(delivery.senderPid, delivery.message, delivery.fds),
      refuse: (key, message) => (key ? this.#logs.store(this.#unitOfKey(key)).appendManagerLine(message) : this.#say(message)),
      warn: (key, message) => this.#logs.store(this.#unitOfKey(key)).appendManagerLine(message),
    });
    for (const name of this.registry.loadAll()) {
      this.#ensureRunner(name);
      this.#logs.store(name); // so that the echo's unit column is as wide as the longest name from the start
    }
    this.#jobs = createJobEngine(this.#graph());
    for (const name of this.registry.names()) {
      for (const w of this.registry.get(name).loaded.warnings) this.#say(`${w.file}:${w.line ?? "?"}: ${w.message}`);
    }
    this.#api = await ApiServer.listen(controlSocketPath(this.options.runtimeDir), this);
  }

  /** The units `steward up` starts when none is named: every unit with an [Install] section. */
  installedUnits(): string[] {
    return this.registry.names().filter((name) => this.registry.get(name).loaded.model?.install);
  }

  // --- ManagerControl ---------------------------------------------------------

  status(names: readonly string[]): { units: UnitStatus[]; notFound: string[] } {
    const wanted = names.length > 0 ? names : this.registry.names();
    const units: UnitStatus[] = [];
    const notFound: string[] = [];
    for (const name of wanted) {
      const registered = this.registry.get(name);
      if (registered.loaded.load === "not-found" && !this.runners.has(name) && !this.sockets.has(name)) {
        notFound.push(name);
        continue;
      }
      units.push(unitStatus(registered.loaded, this.#runnerOf(name), this.#logs.store(name), this.#needsRestart.has(name), this.processes, this.degradations));
    }
    return { units, notFound };
  }

  list(): ListEntry[] {
    return this.registry.names().map((name) => listEntry(this.registry.get(name).loaded, this.#runnerOf(name)));
  }

  submit(request: JobRequest): Promise<JobOutcome> {
    if (request.overlap) return this.#restartOverlapped(request.units);
    return new Promise((resolve) => {
      const requestId = this.#jobs.nextRequestId;
      this.#pending.set(requestId, { resolve, noBlock: request.noBlock === true });
      // Instances of templates (web@8080.service) are loaded when first asked for.
      const fresh = request.units.filter((unit) => !this.registry.has(unit));
      for (const unit of fresh) this.#ensureRunner(unit);
      if (fresh.some((unit) => this.registry.has(unit))) this.#stepJobs({ kind: "units-reloaded", graph: this.#graph() });
      this.#stepJobs({ kind: "request", type: request.action, units: request.units });
    });
  }

  daemonReload(): Promise<{ ok: boolean; message: string | null }> {
    const previous = new Map(this.registry.names().map((name) => [name, this.registry.get(name)]));
    const names = this.registry.loadAll();
    // A unit whose file is gone stays known while it runs (or instances loaded on demand).
    for (const [name, registered] of previous) {
      const runner = this.#runnerOf(name);
      if (this.registry.has(name) || !runner) continue;
      const instance = this.registry.reread(name);
      if (instance.loaded.load !== "not-found") {
        this.registry.replace(name, instance);
        names.push(name);
      } else if (runner.snapshot.state.kind !== "dead" && runner.snapshot.state.kind !== "failed") {
        this.registry.replace(name, registered);
      }
    }
    const before = new Map([...previous].map(([name, registered]) => [name, registered.fingerprint]));
    for (const name of names) {
      const current = this.registry.get(name);
      const runner = this.#runnerOf(name);
      if (runner && before.get(name) !== current.fingerprint) {
        const model = current.loaded.model;
        if (model?.kind === "service" && runner instanceof ServiceRunner) runner.replaceModel(model);
        if (model?.kind === "socket" && runner instanceof SocketRunner) runner.replaceModel(model);
        const active = runner.snapshot.state.kind;
        if (active !== "dead" && active !== "failed") this.#needsRestart.add(name);
      }
      this.#ensureRunner(name);
    }
    this.#stepJobs({ kind: "units-reloaded", graph: this.#graph() });
    return Promise.resolve({ ok: true, message: null });
  }

  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#say("shutting down: stopping every unit");
    for (const overlap of this.#overlaps.values()) overlap.abort("the manager is shutting down");
    const requestId = this.#jobs.nextRequestId;
    this.#pending.set(requestId, { resolve: () => void this.#close(), noBlock: false });
    this.#stepJobs({ kind: "shutdown" });
  }

  logs(units: readonly string[], lines: number): LogLine[] {
    return this.#logs.tail(units, lines).map(toLogLine);
  }

  subscribe(onEvent: (event: ManagerEvent) => void): () => void {
    this.#subscribers.add(onEvent);
    return () => this.#subscribers.delete(onEvent);
  }

  #publish(event: ManagerEvent): void {
    for (const subscriber of this.#subscribers) subscriber(event);
  }

  /**
   * For `steward run`: the shell-style exit status of a unit that has ended for good
   * (dead or failed, no restart pending); null while it runs or will run again.
   */
  endOf(unit: string): number | null {
    const runner = this.runners.get(unit);
    if (!runner) return null;
    const { state, runtime } = runner.snapshot;
    if (state.kind !== "dead" && state.kind !== "failed") return null;
    const end = runtime.mainExit?.end;
    if (end) return shellExitCode(end);
    return runtime.result === "success" ? 0 : 1;
  }

  /** `steward up` has queued its initial start (until then the manager is not ready). */
  initialStartQueued = false;

  /** Whether every unit that should run is up (readiness.ts): status --ready-check, GET /ready. */
  readiness(): Readiness {
    const jobs = new Map(listJobs(this.#jobs).map((job) => [job.unit, job.type]));
    const phase = this.#shuttingDown ? "stopping" : this.initialStartQueued ? "running" : "starting";
    return readinessOf({ phase, units: this.status([]).units, jobs });
  }

  /**
   * Passes a signal on to a unit's main process, or with "group" to the main process's
   * process group as tini -g does (steward run as a container's PID 1; signal-forwarding.ts).
   */
  forwardSignal(unit: string, signal: NodeJS.Signals, to: ForwardTarget = "main"): void {
    const pid = this.runners.get(unit)?.snapshot.state;
    const mainPid = pid && "mainPid" in pid ? pid.mainPid : null;
    if (mainPid !== null) forwardToProcess(mainPid, signal, to);
  }

  // --- units ------------------------------------------------------------------

  #graph() {
    const units = this.registry.names().map((name) => this.registry.get(name).loaded);
    return buildDependencyGraph(withImplicitSocketDependencies(units).map(graphUnitOf));
  }

  #runnerOf(name: string): ServiceRunner | SocketRunner | null {
    return this.runners.get(name) ?? this.sockets.get(name) ?? null;
  }

  #ensureRunner(name: string): ServiceRunner | SocketRunner | null {
    const existing = this.#runnerOf(name);
    if (existing) return existing;
    const model = this.registry.get(name).loaded.model;
    if (this.registry.get(name).loaded.load !== "loaded") return null;
    if (model?.kind === "socket") {
      const socket = new SocketRunner(name, model, this.#socketHost());
      this.sockets.set(name, socket);
      return socket;
    }
    if (model?.kind !== "service") return null;
    const runner = new ServiceRunner(name, model, this.#runnerHost());
    this.runners.set(name, runner);
    this.#tracked.set(runner.trackingKey, runner);
    return runner;
  }

  #unitOfKey(key: string): string {
    return this.#tracked.get(key)?.name ?? key;
  }

  // --- overlapped restarts (overlap-restart.ts) --------------------------------

  async #restartOverlapped(units: readonly string[]): Promise<JobOutcome> {
    const outcomes = await Promise.all(units.map((unit) => this.#restartOneOverlapped(unit)));
    const failed = outcomes.filter((outcome) => !outcome.ok);
    return {
      ok: failed.length === 0,
      message: outcomes.map((outcome) => outcome.message).join("\n"),
      failedUnits: units.filter((_unit, i) => !outcomes[i]?.ok),
    };
  }

  #restartOneOverlapped(unit: string): Promise<{ ok: boolean; message: string }> {
    const runner = this.#ensureRunner(unit);
    const refusal = this.#shuttingDown
      ? "the manager is shutting down"
      : overlapRefusal(runner, this.#overlaps.has(unit), jobOfUnit(this.#jobs, unit)?.type ?? null);
    if (refusal !== null || !(runner instanceof ServiceRunner)) return Promise.resolve({ ok: false, message: `${unit}: ${refusal}` });
    const overlap = new OverlapRestart(runner, {
      createInstance: () => {
        const next = new ServiceRunner(unit, runner.model, this.#runnerHost(), `${unit}~${++this.#instances}`);
        this.#tracked.set(next.trackingKey, next);
        return next;
      },
      promote: (next) => {
        this.runners.set(unit, next);
        this.#needsRestart.delete(unit);
        this.#unitChanged(unit, activeState(next.snapshot.state));
      },
      retire: (retired) => {
        this.#tracked.delete(retired.trackingKey);
        retired.dispose();
      },
      log: (message) => this.#logs.store(unit).appendManagerLine(message),
    });
    this.#overlaps.set(unit, overlap);
    overlap.begin();
    return overlap.done.finally(() => this.#overlaps.delete(unit));
  }

  #socketHost(): SocketRunnerHost {
    return {
      logs: this.#logs,
      now: monotonicUsec,
      // Deferred: the socket may be stepping inside a job engine step.
      startService: (_socket, service) => queueMicrotask(() => this.#stepJobs({ kind: "request", type: "start", units: [service] })),
      startRefused: (socket, reason) => queueMicrotask(() => this.#stepJobs({ kind: "action-refused", unit: socket, result: "failed", reason })),
      stateChanged: (unit, _previous, current) => this.#unitChanged(unit, current),
      startInstance: (socket, instance) => queueMicrotask(() => this.#startInstance(socket, instance)),
    };
  }

  // --- Accept=yes instances (connection-instances.ts) ----------------------------

  #startInstance(socket: string, instance: StartInstance): void {
    const { unit, connectionFd } = instance;
    const loaded = this.registry.get(unit).loaded;
    if (loaded.load !== "loaded" || loaded.model?.kind !== "service" || this.#shuttingDown) {
      const why = this.#shuttingDown ? "the manager is shutting down" : (loaded.loadError?.message ?? `load state ${loaded.load}`);
      this.#logs.store(socket).appendManagerLine(`Failed to load connection service unit ${unit}: ${why}`);
      closeFd(connectionFd);
      this.sockets.get(socket)?.instanceStopped(unit);
      return;
    }
    this.#connections.add(unit, { socket, fd: connectionFd, env: instance.environment });
    this.#ensureRunner(unit);
    this.#stepJobs({ kind: "units-reloaded", graph: this.#graph() });
    this.#stepJobs({ kind: "request", type: "start", units: [unit] });
  }

  /** An instance is down: its connection is closed and its socket told; a dead one is unloaded (systemd's garbage collection). */
  #instanceDown(unit: string, active: UnitActiveState): void {
    const socket = this.#connections.release(unit);
    if (socket === null) return;
    this.sockets.get(socket)?.instanceStopped(unit);
    if (active !== "inactive") return; // a failed instance stays to be looked at, as in systemd
    queueMicrotask(() => {
      const runner = this.runners.get(unit);
      if (!runner || activeState(runner.snapshot.state) !== "inactive" || jobOfUnit(this.#jobs, unit)) return;
      runner.dispose();
      this.runners.delete(unit);
      this.#tracked.delete(runner.trackingKey);
      this.registry.forget(unit);
      this.#logs.release(unit);
      this.#stepJobs({ kind: "units-reloaded", graph: this.#graph() });
    });
  }

  /** The socket units (Accept=no) whose listeners a service is handed: Service= naming it, and its Sockets=. */
  #socketsOf(service: string): SocketRunner[] {
    const named = this.runners.get(service)?.model.service.sockets ?? [];
    return [...this.sockets.values()].filter((socket) => !socket.model.socket.accept && (socket.model.socket.service === service || named.includes(socket.name)));
  }

  #listenFdsOf(service: string): { sockets: SocketFds[]; order: readonly string[] } {
    const connection = this.#connections.of(service);
    if (connection) return { sockets: [connectionFds(connection.socket, connection.fd)], order: [] };
    const sockets = this.#socketsOf(service)
      .filter((socket) => socket.listenerFds.length > 0)
      .map((socket) => ({ unit: socket.name, name: socket.model.socket.fileDescriptorName, fds: socket.listenerFds }));
    return { sockets, order: this.runners.get(service)?.model.service.sockets ?? [] };
  }

  /** socket-state.ts's contract: the triggered service's state, sent on every change and every job end. */
  #tellSockets(service: string): void {
    const runner = this.runners.get(service);
    if (!runner) return;
    const state = runner.snapshot.state;
    const active = activeState(state);
    const job = jobOfUnit(this.#jobs, service)?.type ?? null;
    const startLimitHit = runner.snapshot.runtime.result === "start-limit-hit" && (active === "failed" || active === "inactive");
    for (const socket of this.#socketsOf(service)) socket.serviceChanged(active, subState(state), job === "start" || job === "stop" || job === "restart" || job === "reload" ? job : null, startLimitHit);
  }

  #runnerHost(): RunnerHost {
    return {
      processes: this.processes,
      logs: this.#logs,
      notifyAddress: this.#notify?.address ?? "",
      managerEnv: process.env,
      now: monotonicUsec,
      listenFds: (unit) => this.#listenFdsOf(unit),
      connectionOf: (unit) => this.#connections.of(unit),
      startPending: (unit) => {
        const job = jobOfUnit(this.#jobs, unit)?.type;
        return job === "start" || job === "restart";
      },
      watchExit: (pid, onExit) => {
        if (!this.#exitWatches) throw new Error("the manager has not started");
        return this.#exitWatches.watch(pid, onExit);
      },
      // An overlapped restart's other instance is not the unit's: its changes go to the overlap.
      stateChanged: (unit, _previous, current, runner) =>
        this.runners.get(unit) === runner ? this.#unitChanged(unit, current) : this.#overlaps.get(unit)?.instanceChanged(runner, current),
    };
  }

  #unitChanged(unit: string, active: UnitActiveState): void {
    if (active === "activating") this.#needsRestart.delete(unit);
    const runner = this.runners.get(unit);
    if (runner) {
      const killMode = runner.model.service.kill.killMode;
      const say = (line: string) => this.#logs.store(unit).appendManagerLine(line);
      if (active === "activating") this.#leftovers.starting(killMode, say, unit);
      if (active === "inactive" || active === "failed") this.#leftovers.stopped(killMode, runner.trackingKey, this.processes, say);
    }
    this.#publish({ kind: "unit", unit: listEntry(this.registry.get(unit).loaded, this.#runnerOf(unit)) });
    this.#stepJobs({ kind: "unit-changed", unit, active });
    if (active === "inactive" || active === "failed") this.#instanceDown(unit, active);
    if (this.runners.has(unit)) this.#tellSockets(unit);
  }

  // --- jobs -------------------------------------------------------------------

  #stepJobs(event: JobEvent): void {
    const result = stepJobs(this.#jobs, event);
    this.#jobs = result.state;
    for (const effect of result.effects) this.#applyJobEffect(effect);
  }

  #applyJobEffect(effect: JobEffect): void {
    switch (effect.kind) {
      case "start-unit":
        return this.#unitAction(effect.kind, effect.unit, effect.onFailureOf);
      case "stop-unit":
      case "restart-unit":
      case "reload-unit":
        return this.#unitAction(effect.kind, effect.unit, null);
      case "request-accepted": {
        const pending = this.#pending.get(effect.requestId);
        if (pending?.noBlock) {
          this.#pending.delete(effect.requestId);
          pending.resolve({ ok: true, message: null, failedUnits: [] });
        }
        return;
      }
      case "request-finished": {
        const pending = this.#pending.get(effect.requestId);
        this.#pending.delete(effect.requestId);
        pending?.resolve({ ok: effect.result === "done", message: effect.reason, failedUnits: [...effect.failedUnits] });
        return;
      }
      case "job-finished":
        if (this.runners.has(effect.unit)) queueMicrotask(() => this.#tellSockets(effect.unit));
        return;
      case "log":
        if (effect.level === "debug") return;
        if (effect.unit && this.registry.has(effect.unit)) this.#logs.store(effect.unit).appendManagerLine(effect.message);
        else this.#say(effect.message);
        return;
    }
  }

  /** Defers to the next turn: a unit's state change feeds the engine, which must not re-enter itself. */
  #unitAction(kind: "start-unit" | "stop-unit" | "restart-unit" | "reload-unit", unit: string, onFailureOf: string | null): void {
    this.#overlaps.get(unit)?.abort(`a ${kind.replace("-unit", "")} job for the unit came first`);
    queueMicrotask(() => {
      const runner = this.#ensureRunner(unit);
      if (runner instanceof SocketRunner) {
        this.#socketAction(kind, runner);
        return;
      }
      if (!runner) {
        const loaded = this.registry.get(unit).loaded;
        const reason = loaded.loadError ? `${unit}: ${loaded.loadError.message}` : `${unit} cannot be run by steward (load state ${loaded.load})`;
        this.#stepJobs({ kind: "action-refused", unit, result: "failed", reason });
        return;
      }
      if (kind === "reload-unit") {
        const service = runner.model.service;
        if (service.commands.ExecReload.length === 0 && service.type !== "notify-reload") {
          this.#stepJobs({ kind: "action-refused", unit, result: "failed", reason: `${unit} has no ExecReload= and is not Type=notify-reload` });
          return;
        }
      }
      if (kind === "start-unit") {
        const failed = onFailureOf ? this.runners.get(onFailureOf) : undefined;
        runner.request("start-requested", failed?.monitorEnvironment());
        return;
      }
      // restart-unit is the stop half of a restart: the job engine starts the unit again
      // once it is down and ordering allows.
      if (kind === "restart-unit") runner.requestStopForRestart();
      else runner.request(kind === "reload-unit" ? "reload-requested" : "stop-requested");
    });
  }

  #socketAction(kind: "start-unit" | "stop-unit" | "restart-unit" | "reload-unit", socket: SocketRunner): void {
    if (kind === "reload-unit") {
      this.#stepJobs({ kind: "action-refused", unit: socket.name, result: "failed", reason: `${socket.name}: socket units cannot be reloaded` });
      return;
    }
    if (kind !== "start-unit") {
      socket.request("stop-requested");
      return;
    }
    const service = socket.model.socket.service;
    if (!socket.model.socket.accept && !(this.#ensureRunner(service) instanceof ServiceRunner)) {
      const reason = `Socket service ${service} not loaded, refusing.`;
      this.#logs.store(socket.name).appendManagerLine(reason);
      this.#stepJobs({ kind: "action-refused", unit: socket.name, result: "failed", reason });
      return;
    }
    socket.request("start-requested");
  }

  // --- processes --------------------------------------------------------------

  #onChildChanges(changes: ChildChange[]): void {
    for (const change of changes) {
      const owner = this.processes.registered(change.pid);
      if (change.kind === "continued") continue;
      const runner = owner ? this.#tracked.get(owner.unit) : undefined;
      if (change.kind === "stopped") {
        runner?.childStopped(change.pid, change.signal);
        continue;
      }
      this.processes.markExited(change.pid);
      if (!owner || !runner) continue; // an orphan nobody claimed: reaped, nothing more to do
      // What the ended process left behind (a daemon's real main process) is the unit's.
      this.processes.adoptOrphans(owner.unit);
      runner.childExited(
        change.pid,
        change.kind === "exited" ? { kind: "exited", code: change.code } : { kind: "killed", signal: change.signal, coreDumped: change.coreDumped },
      );
    }
  }

  async #close(): Promise<void> {
    // Instances of overlapped restarts that are still stopping: wait for them (each stop has its timeouts).
    await Promise.all([...this.#overlaps.values()].map((overlap) => overlap.done));
    await this.#api?.close();
    this.#notify?.close();
    this.#stopLogFollow?.();
    for (const runner of this.#tracked.values()) runner.dispose();
    this.#connections.closeAll();
    for (const socket of this.sockets.values()) socket.dispose();
    this.#exitWatches?.close();
    this.#reaper?.close();
    this.processes.cgroups?.removeAll();
    await this.#logs.close();
    this.#publish({ kind: "shutdown" });
    this.#lock?.release();
    this.#resolveStopped();
  }
}

function toLogLine(record: UnitLogRecord): LogLine {
  return { unit: record.unit, time: record.time, stream: record.stream, text: record.text };
}
