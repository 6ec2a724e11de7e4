// The way up (protocols.md §4.3): the start limit, ExecCondition=, ExecStartPre=, the start
// per Type=, ExecStartPost=, and finding a forking daemon's main PID. Each enter* function
// mirrors systemd's service_enter_* of the same name.
import { enterRunning } from "./service-running.js";
import { hasCommand, spawnControl, spawnMain } from "./service-spawn.js";
import type { PidFileOutcome, ServiceState, StartPostState, StartState } from "./service-state.js";
import { enterDead, enterSignal, enterStop, enterStopPost } from "./service-stop.js";
import { resetWatchdog } from "./service-watchdog.js";
import { checkStartLimit } from "./start-limit.js";
import type { Transition } from "./service-transition.js";

/** A start from dead/failed (automatic: by Restart=, which keeps counting NRestarts). */
export function beginStart(t: Transition, automatic: boolean): ServiceState {
  const { startLimitIntervalUsec, startLimitBurst } = t.model.unit;
  const limit = checkStartLimit(t.runtime.startLimit, t.now, startLimitIntervalUsec, startLimitBurst);
  t.update({ startLimit: limit.window, queuedStart: null });
  if (!limit.allowed) {
    t.log("warning", "Start request repeated too quickly.");
    // No automatic restart after this: only time (or reset-failed) lets it start again.
    return enterDead(t, "start-limit-hit", false);
  }
  t.update({
    result: "success",
    reloadResult: "success",
    restarts: automatic ? t.runtime.restarts : 0,
    statusText: null,
    errno: null,
    mainExit: null,
    notifyPhase: null,
    notifyAccessOverride: null,
    reloadBeganAt: null,
    stopRequested: false,
    stopForRestart: false,
    invocation: t.runtime.invocation + 1,
    // The interval the main process is told (WATCHDOG_USEC=), whatever the last run asked for.
    watchdogUsec: t.service.watchdogUsec,
    watchdog: null,
    refusedNotifySenders: [],
  });
  return enterCondition(t);
}

function enterCondition(t: Transition): ServiceState {
  if (!hasCommand(t, "ExecCondition")) return enterStartPre(t);
  return { kind: "condition", control: spawnControl(t, "ExecCondition", 0, null), deadline: t.startDeadline };
}

export function enterStartPre(t: Transition): ServiceState {
  if (!hasCommand(t, "ExecStartPre")) return enterStart(t);
  return { kind: "start-pre", control: spawnControl(t, "ExecStartPre", 0, null), deadline: t.startDeadline };
}

export function enterStart(t: Transition): ServiceState {
  const type = t.service.type;
  // Only a oneshot service may have no ExecStart=: it passes through start with nothing to run.
  if (!hasCommand(t, "ExecStart")) return enterStartPost(t, null);
  if (type === "forking") {
    // The forking ExecStart= is a control process; the daemon it leaves behind becomes main.
    const control = spawnControl(t, "ExecStart", 0, null);
    return { kind: "start", mainPid: null, mainCommand: null, control, lookup: "none", deadline: t.startDeadline };
  }
  spawnMain(t, 0);
  // A simple service has no start timeout: it is started as soon as it is spawned.
  const deadline = type === "simple" ? null : t.startDeadline;
  return { kind: "start", mainPid: null, mainCommand: 0, control: null, lookup: "none", deadline };
}

/** The main process exists (for exec: it has exec'd, which is when the manager's spawn returns). */
export function onMainSpawned(t: Transition, state: StartState, pid: number): ServiceState {
  const type = t.service.type;
  if (type === "simple" || type === "exec") return enterStartPost(t, pid);
  return { ...state, mainPid: pid };
}

/** The next ExecStart= of a oneshot service, with a fresh start timeout. */
export function runNextMain(t: Transition, state: StartState, index: number): ServiceState {
  spawnMain(t, index);
  return { ...state, mainPid: null, mainCommand: index, deadline: t.startDeadline };
}

/** The service is started per Type=: the watchdog starts counting (systemd's service_enter_start_post). */
export function enterStartPost(t: Transition, mainPid: number | null): ServiceState {
  resetWatchdog(t);
  if (!hasCommand(t, "ExecStartPost")) return enterRunning(t, mainPid, "success");
  const control = spawnControl(t, "ExecStartPost", 0, mainPid);
  return { kind: "start-post", mainPid, control, lookup: "none", deadline: t.startDeadline };
}

/**
 * After the forking ExecStart= (in start) and after ExecStartPost= (in start-post): the main
 * PID comes from PIDFile=, else from a guess (GuessMainPID=) when none is known yet.
 */
export function lookUpMainPid(t: Transition, state: StartState | StartPostState): ServiceState {
  const pidFile = t.service.pidFile;
  if (pidFile !== null) {
    t.emit({ kind: "read-pid-file", path: pidFile });
    return { ...state, control: null, lookup: "reading-pid-file" };
  }
  // systemd never guesses once a main PID has been known, even if it has exited since.
  if (state.mainPid === null && t.runtime.mainExit === null && t.service.guessMainPid) {
    t.emit({ kind: "guess-main-pid" });
    return { ...state, control: null, lookup: "guessing" };
  }
  return mainPidFound(t, state.mainPid, state.kind);
}

function mainPidFound(t: Transition, mainPid: number | null, phase: "start" | "start-post"): ServiceState {
  return phase === "start" ? enterStartPost(t, mainPid) : enterRunning(t, mainPid, "success");
}

/** A new main process that is not (necessarily) the manager's child. */
export function adoptMainPid(t: Transition, pid: number, source: string): void {
  t.log("debug", `Main PID ${pid} from ${source}.`);
  t.emit({ kind: "watch-main-pid", pid });
}

export function onPidFileRead(t: Transition, state: StartState | StartPostState, outcome: PidFileOutcome): ServiceState {
  const path = t.service.pidFile ?? "PID file";
  switch (outcome.kind) {
    case "ok":
      if (outcome.pid !== state.mainPid) adoptMainPid(t, outcome.pid, path);
      return mainPidFound(t, outcome.pid, state.kind);
    case "refused":
      // Stricter than systemd, which keeps waiting for a better file: a PID file naming a
      // process outside the service is a protocol violation (DESIGN.md).
      t.log("error", `Refusing PID file ${path}: ${outcome.reason}`);
      return state.kind === "start" ? enterSignal(t, "stop-sigterm", "protocol", state.mainPid, null) : enterStop(t, "protocol", state.mainPid);
    case "missing":
    case "invalid": {
      const why = outcome.kind === "missing" ? "does not exist (yet?)" : `is not usable (yet?): ${outcome.reason}`;
      if (state.lookup === "waiting-for-pid-file") {
        t.log("debug", `PID file ${path} ${why}.`);
        return state;
      }
      // The file may be written by ExecStartPost=; it is read again after that.
      if (state.kind === "start" && hasCommand(t, "ExecStartPost")) return enterStartPost(t, state.mainPid);
      t.log("info", `PID file ${path} ${why}; waiting for it.`);
      return { ...state, lookup: "waiting-for-pid-file" };
    }
  }
}

export function onMainPidGuessed(t: Transition, state: StartState | StartPostState, pid: number | null, reason?: string): ServiceState {
  if (pid !== null) adoptMainPid(t, pid, "a guess");
  else t.log("debug", `Could not guess the main PID${reason === undefined ? "" : `: ${reason}`}.`);
  return mainPidFound(t, pid, state.kind);
}

/** No process is left while waiting for the PID file: the daemon will never write it. */
export function pidFileNeverWritten(t: Transition, state: StartState | StartPostState): ServiceState {
  t.log("warning", "Daemon never wrote its PID file. Failing.");
  // Nothing is left to kill: on to ExecStopPost=.
  if (state.kind === "start") return enterStopPost(t, "protocol", null);
  return enterStop(t, "protocol", null);
}
