// Asking the manager to run an Exec*= command line, with the variables systemd adds for it
// (protocols.md §4.9): MAINPID= for every command while the main PID is known, and
// SERVICE_RESULT=, EXIT_CODE=, EXIT_STATUS= for ExecStop= and ExecStopPost=.
import type { ExecCommand } from "../units/exec-line.js";
import type { ExecCommandKind } from "../units/service-section.js";
import { exitEnvironment } from "./service-result.js";
import type { ControlProcess } from "./service-state.js";
import type { Transition } from "./service-transition.js";

export function commandLine(t: Transition, command: ExecCommandKind, index: number): ExecCommand | undefined {
  return t.service.commands[command][index];
}

export function hasCommand(t: Transition, command: ExecCommandKind, index = 0): boolean {
  return commandLine(t, command, index) !== undefined;
}

/** "-": a failure of this command line is recorded but counts as success. */
export function ignoresFailure(t: Transition, command: ExecCommandKind, index: number): boolean {
  return commandLine(t, command, index)?.ignoreFailure ?? false;
}

function extraEnvironment(t: Transition, command: ExecCommandKind, mainPid: number | null): Record<string, string> {
  const env: Record<string, string> = {};
  if (mainPid !== null) env.MAINPID = String(mainPid);
  if (command === "ExecStop" || command === "ExecStopPost") {
    env.SERVICE_RESULT = t.runtime.result;
    const end = t.runtime.mainExit?.end;
    if (end) Object.assign(env, exitEnvironment(end));
  }
  return env;
}

/** Spawns a control process; its pid arrives with the `spawned` event. */
export function spawnControl(t: Transition, command: ExecCommandKind, index: number, mainPid: number | null): ControlProcess {
  t.emit({
    kind: "spawn",
    role: "control",
    command,
    index,
    extraEnv: extraEnvironment(t, command, mainPid),
    expectReadinessBySigstop: false,
  });
  return { command, index, pid: null };
}

/** Spawns ExecStart= number `index` as the main process. */
export function spawnMain(t: Transition, index: number): void {
  t.emit({
    kind: "spawn",
    role: "main",
    command: "ExecStart",
    index,
    extraEnv: {},
    // steward's Type=stop (upstart's `expect stop`): ready when the main process SIGSTOPs itself.
    expectReadinessBySigstop: t.service.type === "stop",
  });
}
