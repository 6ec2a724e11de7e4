// The signals of one kill stage (systemd's unit_kill_context, protocols.md §4.6): which
// signal the stage uses, who gets it per KillMode=, and whether the stage has anything to
// wait for.
import type { KillStage } from "./service-state.js";
import { SIGCONT, SIGHUP, SIGKILL } from "./signal-numbers.js";
import type { Transition } from "./service-transition.js";

/** terminate: KillSignal=; restart: RestartKillSignal=; kill: FinalKillSignal=; watchdog: WatchdogSignal=. */
type KillOperation = "terminate" | "restart" | "kill" | "watchdog";

function killOperation(stage: KillStage, partOfRestart: boolean): KillOperation {
  switch (stage) {
    case "stop-watchdog":
    case "final-watchdog":
      return "watchdog";
    case "stop-sigterm":
      return partOfRestart ? "restart" : "terminate";
    case "final-sigterm":
      return "terminate";
    case "stop-sigkill":
    case "final-sigkill":
      return "kill";
  }
}

export interface KillOutcome {
  /** Main or control processes were signalled: their exits end the stage. */
  readonly signalledProcesses: boolean;
  /** The rest of the service was signalled: the service emptying ends the stage. */
  readonly signalledOthers: boolean;
}

/** Emits the stage's signals; nothing at all under KillMode=none. */
export function sendKillSignals(t: Transition, stage: KillStage, mainPid: number | null, controlPid: number | null): KillOutcome {
  const kill = t.service.kill;
  if (kill.killMode === "none") return { signalledProcesses: false, signalledOthers: false };
  const operation = killOperation(stage, t.runtime.queuedStart === "restart" || t.runtime.stopForRestart);
  const signal = {
    terminate: kill.killSignal,
    restart: kill.restartKillSignal,
    kill: kill.finalKillSignal,
    watchdog: kill.watchdogSignal,
  }[operation];
  // SendSIGHUP= follows only the polite signal, for shells that ignore SIGTERM.
  const hangUp = kill.sendSighup && (operation === "terminate" || operation === "restart") && signal !== SIGHUP;
  // A stopped process cannot act on the signal: systemd always follows it with SIGCONT.
  const andContinue = signal !== SIGCONT && signal !== SIGKILL;

  const signalOne = (scope: "main" | "control" | "others", pid: number | null): void => {
    t.emit({ kind: "signal", scope, pid, signal });
    if (andContinue) t.emit({ kind: "signal", scope, pid, signal: SIGCONT });
    if (hangUp) t.emit({ kind: "signal", scope, pid, signal: SIGHUP });
  };
  if (mainPid !== null) signalOne("main", mainPid);
  if (controlPid !== null) signalOne("control", controlPid);
  // KillMode=mixed sends only the final kill to the whole service; process sends it to nobody else.
  const others = kill.killMode === "control-group" || (kill.killMode === "mixed" && operation === "kill");
  if (others) signalOne("others", null);
  return { signalledProcesses: mainPid !== null || controlPid !== null, signalledOthers: others };
}
