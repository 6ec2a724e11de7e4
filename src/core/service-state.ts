// The vocabulary of a service's life (protocols.md §4.2): the states systemd names, what
// persists across them, the events the manager feeds in and the effects it must carry out.
// The reducer that moves between them is step() in service.ts.
//
// Contract with the manager (src/manager/), beyond the shared brief:
// - Time: every event carries `now`, CLOCK_MONOTONIC in microseconds, the clock services use
//   for MONOTONIC_USEC= (notify-reload compares the two).
// - Effects are carried out in order. A `spawn` effect is answered by `spawned` or
//   `spawn-failed` once all the effects of that step are carried out, before any other event
//   of this service (sys.spawn is synchronous). Until then the state holds the process with
//   `pid: null`.
// - One timer per service: `arm-timer` replaces it, `disarm-timer` drops it, and a timer that
//   fired is spent (the reducer arms again if the new state has a deadline). A `timer` event
//   before the state's deadline is ignored, so a stale one does no harm.
// - Jobs: Condition*=/Assert*= are checked by the manager before `start-requested`. A start
//   or restart asked for while the service goes down waits in `runtime.queuedStart` and runs
//   when it is down; a reload is acted on only in running/exited.
// - Which process is which: the manager attributes exits, stops and notify senders by the
//   state's `mainPid` and `control.pid` (see mainPidOf/controlPidOf). A `watch-main-pid`
//   effect names a main process that may not be the manager's child (MAINPID=, PIDFile=, a
//   guess): watch it by pidfd and report its end as `child-exited` (end null if unknown).
// - Added effect kinds: `watch-pid-file`/`unwatch-pid-file` (a forking service's PID file has
//   not appeared yet: re-read it on every change and report each read as `pid-file-read`),
//   `remove-pid-file` (systemd deletes the stale file when the service is dead), and
//   `await-processes-gone` (send `processes-gone` as soon as the service has no process
//   left, at once if it has none now; also fine to send it whenever the service empties).
// - Signal scope "others": every process of the service except its main and control
//   processes (those get their own `signal` effects, with their pid).
// - Log level "debug" for things worth a trace only. Messages do not name the unit.
// - Added event `reset-failed-requested` (systemctl reset-failed), optional
//   `child-exited.pidFile` (for a unit with PIDFile=, the file read when the main process
//   exits: a forking daemon may hand over to a new PID that way), and optional
//   `notify.mainPidCheck` (the manager's verdict on a MAINPID=: alive, not PID 1 or the
//   manager, a member of the service; steward refuses outsiders even from root, DESIGN.md).
// - spawn-failed `stage` is sys.spawn's SpawnError stage; a stage the manager itself failed
//   in before forking (EnvironmentFile=, user lookup) is reported as stage "prepare".
// - The transient dead-before-auto-restart/failed-before-auto-restart states are folded
//   into `auto-restart`, which carries the result; `runtime.lastEnd` records every end of a
//   cycle so OnFailure=/OnSuccess= can fire even when a queued start follows in one step.
// - The watchdog (WatchdogSec=, protocols.md §4.8) shares the one timer: `arm-timer` is at
//   the earlier of the state's deadline and the watchdog's (timerOf()). The watchdog lives in
//   `runtime.watchdog` and counts only in the WATCHDOG_STATES (start-post, running, reload*);
//   `runtime.watchdogUsec` is the interval in force (WatchdogSec= as of the start, which the
//   manager gives the main process as WATCHDOG_USEC=, until the service's own WATCHDOG_USEC=).
//   systemd runs its watchdog timer at idle priority so that a ping already queued is seen
//   first: the manager should hand over the notify datagrams it has read before a `timer`.
// - Optional `notify.mainPidFromFd`: for MAINPIDFD=1 (message.mainPidFd, exactly one fd), the
//   PID the manager read from the attached pidfd (its fdinfo "Pid:"); absent when it could not
//   be read (the process is gone), which refuses the change. `notify.mainPidCheck` is then the
//   verdict on that PID, as for MAINPID=. With MAINPID= and MAINPIDFDID=, the verdict includes
//   comparing the pidfd inode ID of MAINPID with message.mainPidFdId (refused on mismatch,
//   not checked where the kernel has no pidfd IDs). When `watch-main-pid` names the PID of a
//   MAINPIDFD=1, the manager may watch it through the pidfd it received rather than a new one.
// - A refused notification (NotifyAccess=) is logged once per sender PID and start; the PIDs
//   are remembered in `runtime.refusedNotifySenders` (at most REFUSED_SENDERS_REMEMBERED).
import type { ProcessEnd } from "../protocol/exit-status.js";
import type { NotifyMessage } from "../protocol/notify-message.js";
import type { ExecCommandKind, NotifyAccess } from "../units/service-section.js";

/** systemd's Result= values (and $SERVICE_RESULT); see apiResult() for what status shows. */
export type ServiceResult =
  | "success"
  | "resources"
  | "protocol"
  | "timeout"
  | "exit-code"
  | "signal"
  | "core-dump"
  | "watchdog"
  | "start-limit-hit"
  | "oom-kill"
  | "exec-condition";

/** One Exec*= command line being run as the control process. */
export interface ControlProcess {
  readonly command: ExecCommandKind;
  /** Which of the setting's command lines. */
  readonly index: number;
  /** null between the spawn effect and the spawned event. */
  readonly pid: number | null;
}

/** How a forking service's main PID is being found after its start process exited. */
export type MainPidLookup = "none" | "reading-pid-file" | "waiting-for-pid-file" | "guessing";

/** Absolute time (µs) the state times out at; null: never. */
export type Deadline = number | null;

export interface InactiveState {
  readonly kind: "dead" | "failed";
}

/** Running ExecCondition= or ExecStartPre=. */
export interface PreStartState {
  readonly kind: "condition" | "start-pre";
  readonly control: ControlProcess;
  readonly deadline: Deadline;
}

/**
 * Waiting per Type=: the main process spawned (simple/exec leave at once), READY=1
 * (notify), SIGSTOP (stop), the last ExecStart= (oneshot), or the start process to exit and
 * the main PID to be found (forking). Type=stop needs no state of its own.
 */
export interface StartState {
  readonly kind: "start";
  readonly mainPid: number | null;
  /** Index of the ExecStart= the main process runs; null for forking or once it exited. */
  readonly mainCommand: number | null;
  /** Type=forking: the ExecStart= process. */
  readonly control: ControlProcess | null;
  readonly lookup: MainPidLookup;
  readonly deadline: Deadline;
}

export interface StartPostState {
  readonly kind: "start-post";
  readonly mainPid: number | null;
  /** null once ExecStartPost= is done and the main PID is still being looked up. */
  readonly control: ControlProcess | null;
  readonly lookup: MainPidLookup;
  readonly deadline: Deadline;
}

export interface RunningState {
  readonly kind: "running";
  /** null: no main process known (forking without one): up while any process remains. */
  readonly mainPid: number | null;
  /** RuntimeMaxSec=. */
  readonly deadline: Deadline;
}

/** RemainAfterExit=yes and nothing running. */
export interface ExitedState {
  readonly kind: "exited";
}

/** Running ExecReload=. */
export interface ReloadState {
  readonly kind: "reload";
  readonly mainPid: number | null;
  readonly control: ControlProcess;
  readonly deadline: Deadline;
}

/** notify-reload: ReloadSignal= sent, waiting for RELOADING=1; or waiting for READY=1. */
export interface ReloadWaitState {
  readonly kind: "reload-signal" | "reload-notify";
  readonly mainPid: number | null;
  readonly deadline: Deadline;
}

/** Running ExecStop=. */
export interface StopState {
  readonly kind: "stop";
  readonly mainPid: number | null;
  readonly control: ControlProcess;
  readonly deadline: Deadline;
}

/** Running ExecStopPost=, or waiting for a main process that outlived it. */
export interface StopPostState {
  readonly kind: "stop-post";
  readonly mainPid: number | null;
  readonly control: ControlProcess | null;
  readonly deadline: Deadline;
}

export const KILL_STAGES = [
  "stop-watchdog",
  "stop-sigterm",
  "stop-sigkill",
  "final-watchdog",
  "final-sigterm",
  "final-sigkill",
] as const;
export type KillStage = (typeof KILL_STAGES)[number];

/** A signal was sent (or STOPPING=1 received): waiting for the processes to go. */
export interface KillState {
  readonly kind: KillStage;
  readonly mainPid: number | null;
  readonly control: ControlProcess | null;
  readonly deadline: Deadline;
}

/** Waiting RestartSec= before starting again. */
export interface AutoRestartState {
  readonly kind: "auto-restart";
  readonly deadline: number;
  /** The result of the cycle that ended (failed-before-auto-restart when not success). */
  readonly result: ServiceResult;
}

export type ServiceState =
  | InactiveState
  | PreStartState
  | StartState
  | StartPostState
  | RunningState
  | ExitedState
  | ReloadState
  | ReloadWaitState
  | StopState
  | StopPostState
  | KillState
  | AutoRestartState;

/** The states that have a main process slot. */
export type StateWithMain = Extract<ServiceState, { readonly mainPid: number | null }>;
/** The states that have a control process slot. */
export type StateWithControl = Extract<ServiceState, { readonly control: ControlProcess | null }>;

/** READY=/RELOADING=/STOPPING= as last received; "reload-ready": READY=1 after RELOADING=1. */
export type NotifyPhase = "ready" | "reloading" | "reload-ready" | "stopping";

/** How the last main process ended (systemd's main_exec_status). */
export interface MainExit {
  /** null when the main process never started (its exec failed). */
  readonly pid: number | null;
  /** null: an adopted process whose exit status cannot be known. */
  readonly end: ProcessEnd | null;
  readonly at: number;
}

/** The start rate limiter's window (systemd's ratelimit). */
export interface StartLimitWindow {
  /** When the window began; null: no start counted yet. */
  readonly begin: number | null;
  readonly starts: number;
}

/** One end of a cycle: reaching dead, failed or auto-restart. */
export interface ServiceEnd {
  readonly result: ServiceResult;
  readonly at: number;
  readonly invocation: number;
}

/** What persists across states. */
export interface ServiceRuntime {
  /** First non-success result of the current cycle sticks (reset on start). */
  readonly result: ServiceResult;
  readonly reloadResult: ServiceResult;
  /** NRestarts: automatic restarts since the last manual start. */
  readonly restarts: number;
  readonly startLimit: StartLimitWindow;
  /** Last STATUS=; null when unset or cleared. */
  readonly statusText: string | null;
  /** Last ERRNO=. */
  readonly errno: number | null;
  readonly mainExit: MainExit | null;
  readonly notifyPhase: NotifyPhase | null;
  /** NOTIFYACCESS= from the service, until the next start or its end. */
  readonly notifyAccessOverride: NotifyAccess | null;
  /** When it last became active (running/exited); null while not active or reloading. */
  readonly readySince: number | null;
  /** Counts starts; the manager derives INVOCATION_ID from it. */
  readonly invocation: number;
  /** notify-reload: when the reload was asked for; RELOADING=1 must be stamped after it. */
  readonly reloadBeganAt: number | null;
  /** A stop was asked for: Restart= does not apply to this end (systemd's forbid_restart). */
  readonly stopRequested: boolean;
  /** That stop is the first half of a restart job: its polite signal is RestartKillSignal=. */
  readonly stopForRestart: boolean;
  /**
   * A start to run once the service is down (a start job waiting for a stop job); "restart":
   * the stop is part of a restart job, so RestartKillSignal= is used.
   */
  readonly queuedStart: "start" | "restart" | null;
  readonly lastEnd: ServiceEnd | null;
  /**
   * The watchdog interval in force (µs): WatchdogSec= as of the start, or the service's own
   * WATCHDOG_USEC= since. 0 or Infinity: no watchdog.
   */
  readonly watchdogUsec: number;
  /** null while the watchdog does not run; it counts only in the WATCHDOG_STATES. */
  readonly watchdog: WatchdogTimer | null;
  /** Senders whose notifications NotifyAccess= refused since the start (each logged once). */
  readonly refusedNotifySenders: readonly number[];
}

/** The watchdog while it runs (systemd's watchdog_timestamp and its timer). */
export interface WatchdogTimer {
  /** When it was last reset: entering start-post, WATCHDOG=1, WATCHDOG_USEC=. */
  readonly resetAt: number;
  /** When it expires: resetAt + the interval, or later by EXTEND_TIMEOUT_USEC=. */
  readonly deadline: number;
}

export interface ServiceSnapshot {
  readonly state: ServiceState;
  readonly runtime: ServiceRuntime;
}

export type ProcessRole = "main" | "control";

export type PidFileOutcome =
  | { readonly kind: "ok"; readonly pid: number }
  | { readonly kind: "missing" }
  | { readonly kind: "invalid"; readonly reason: string }
  | { readonly kind: "refused"; readonly reason: string };

export type MainPidCheck = { readonly kind: "ok" } | { readonly kind: "refused"; readonly reason: string };

interface At {
  readonly now: number;
}

export type ServiceEvent =
  | (At & { readonly kind: "start-requested" | "restart-requested" | "reload-requested" })
  /** forRestart: the stop half of the job engine's restart job (stop, then start when down). */
  | (At & { readonly kind: "stop-requested"; readonly forRestart?: boolean })
  | (At & { readonly kind: "reset-failed-requested" })
  | (At & { readonly kind: "spawned"; readonly role: ProcessRole; readonly pid: number })
  | (At & {
      readonly kind: "spawn-failed";
      readonly role: ProcessRole;
      /** sys.spawn's stage ("execve", "chdir", "setuid", ... "fork"), or "prepare". */
      readonly stage: string;
      /** errno name. */
      readonly code: string;
      readonly message: string;
    })
  | (At & {
      readonly kind: "child-exited";
      readonly pid: number;
      /** null: an adopted main process whose exit status cannot be known. */
      readonly end: ProcessEnd | null;
      /** PIDFile= read at the main process's exit (only consulted then). */
      readonly pidFile?: PidFileOutcome;
    })
  | (At & { readonly kind: "child-stopped"; readonly pid: number; readonly signal: number })
  | (At & {
      readonly kind: "notify";
      readonly senderPid: number;
      /** For NotifyAccess=all: whether the sender belongs to the service. */
      readonly senderIsMember: boolean;
      readonly message: NotifyMessage;
      /** MAINPIDFD=1: the PID of the attached pidfd, as the manager read it; absent: unreadable. */
      readonly mainPidFromFd?: number;
      /** The manager's verdict on message.mainPid (or mainPidFromFd); absent means refused. */
      readonly mainPidCheck?: MainPidCheck;
    })
  | (At & { readonly kind: "pid-file-read"; readonly outcome: PidFileOutcome })
  | (At & { readonly kind: "main-pid-guessed"; readonly pid: number | null; readonly reason?: string })
  | (At & { readonly kind: "processes-gone" })
  | (At & { readonly kind: "timer" });

export type LogLevel = "debug" | "info" | "notice" | "warning" | "error";

export type SignalScope = "main" | "control" | "others";

export type Effect =
  | {
      readonly kind: "spawn";
      readonly role: ProcessRole;
      readonly command: ExecCommandKind;
      readonly index: number;
      /** MAINPID, and for ExecStop=/ExecStopPost= SERVICE_RESULT, EXIT_CODE, EXIT_STATUS. */
      readonly extraEnv: Readonly<Record<string, string>>;
      /** Type=stop: report the main process stopping itself as child-stopped (WUNTRACED). */
      readonly expectReadinessBySigstop: boolean;
    }
  | {
      readonly kind: "signal";
      readonly scope: SignalScope;
      /** The main or control PID; null for "others". */
      readonly pid: number | null;
      readonly signal: number;
    }
  | { readonly kind: "arm-timer"; readonly at: number }
  | { readonly kind: "disarm-timer" }
  | { readonly kind: "read-pid-file"; readonly path: string }
  | { readonly kind: "watch-pid-file"; readonly path: string }
  | { readonly kind: "unwatch-pid-file"; readonly path: string }
  | { readonly kind: "remove-pid-file"; readonly path: string }
  | { readonly kind: "guess-main-pid" }
  | { readonly kind: "watch-main-pid"; readonly pid: number }
  | { readonly kind: "await-processes-gone" }
  | { readonly kind: "log"; readonly level: LogLevel; readonly message: string };

export interface StepResult extends ServiceSnapshot {
  readonly effects: readonly Effect[];
}

export type ActiveState = "inactive" | "activating" | "active" | "reloading" | "deactivating" | "failed";

/** systemd's state_translation_table. */
export function activeState(state: ServiceState): ActiveState {
  switch (state.kind) {
    case "dead":
      return "inactive";
    case "failed":
      return "failed";
    case "condition":
    case "start-pre":
    case "start":
    case "start-post":
    case "auto-restart":
      return "activating";
    case "running":
    case "exited":
      return "active";
    case "reload":
    case "reload-signal":
    case "reload-notify":
      return "reloading";
    case "stop":
    case "stop-watchdog":
    case "stop-sigterm":
    case "stop-sigkill":
    case "stop-post":
    case "final-watchdog":
    case "final-sigterm":
    case "final-sigkill":
      return "deactivating";
  }
}

/** The SubState string: systemd's name of the state. */
export function subState(state: ServiceState): string {
  return state.kind;
}

export function deadlineOf(state: ServiceState): Deadline {
  return "deadline" in state ? state.deadline : null;
}

/** Where the watchdog counts (systemd stops it on entering any other state). */
export const WATCHDOG_STATES: ReadonlySet<ServiceState["kind"]> = new Set([
  "start-post",
  "running",
  "reload",
  "reload-signal",
  "reload-notify",
]);

/** The watchdog if it counts in this state. */
export function activeWatchdog(state: ServiceState, runtime: ServiceRuntime): WatchdogTimer | null {
  return WATCHDOG_STATES.has(state.kind) ? runtime.watchdog : null;
}

/** The one timer: the earlier of the state's deadline and the watchdog's. */
export function timerOf(snapshot: ServiceSnapshot): Deadline {
  const deadline = deadlineOf(snapshot.state);
  const watchdog = activeWatchdog(snapshot.state, snapshot.runtime)?.deadline ?? null;
  if (deadline === null) return watchdog;
  return watchdog === null ? deadline : Math.min(deadline, watchdog);
}

export function mainPidOf(state: ServiceState): number | null {
  return "mainPid" in state ? state.mainPid : null;
}

export function controlOf(state: ServiceState): ControlProcess | null {
  return "control" in state ? state.control : null;
}

export function controlPidOf(state: ServiceState): number | null {
  return controlOf(state)?.pid ?? null;
}

export function initialServiceRuntime(): ServiceRuntime {
  return {
    result: "success",
    reloadResult: "success",
    restarts: 0,
    startLimit: { begin: null, starts: 0 },
    statusText: null,
    errno: null,
    mainExit: null,
    notifyPhase: null,
    notifyAccessOverride: null,
    readySince: null,
    invocation: 0,
    reloadBeganAt: null,
    stopRequested: false,
    stopForRestart: false,
    queuedStart: null,
    lastEnd: null,
    watchdogUsec: 0,
    watchdog: null,
    refusedNotifySenders: [],
  };
}

/** A service that was never started. */
export function initialServiceSnapshot(): ServiceSnapshot {
  return { state: { kind: "dead" }, runtime: initialServiceRuntime() };
}
