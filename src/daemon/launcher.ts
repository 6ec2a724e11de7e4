// Running a daemon's own launcher, as ucw-daemon-control --start does: the
// command is executed (searched on PATH like execvp), inherits our stdio, and
// is expected to daemonize itself: lock the PID file, fork, write the child's
// PID and exit 0. Its exit is how libucw knows the daemon has started.
//
// This uses node:child_process on purpose: it reaps exactly its own child
// (waitpid on that PID) and so needs no Reaper. It must not be used in a
// process that runs sys.Reaper (the manager), whose waitid(P_ALL) would take
// the child first; the manager never starts daemons this way.
import { spawn } from "node:child_process";

export type LauncherOutcome =
  | { kind: "exited"; code: number }
  | { kind: "killed"; signal: NodeJS.Signals }
  | { kind: "exec-failed"; code: string }
  | { kind: "timeout" };

export interface LauncherSpec {
  command: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Absolute time (Date.now()) after which the launcher is sent SIGTERM; null waits for ever. */
  deadline: number | null;
}

export function runLauncher({ command, env, deadline }: LauncherSpec): Promise<LauncherOutcome> {
  const [file, ...args] = command;
  if (file === undefined) return Promise.resolve({ kind: "exec-failed", code: "ENOENT" });
  return new Promise((resolve) => {
    // Our own fds (the guard among them) are close-on-exec: the launcher gets 0, 1 and 2 only.
    const child = spawn(file, args, { stdio: "inherit", env });
    let timer: NodeJS.Timeout | null = null;
    let timedOut = false;
    if (deadline !== null) {
      timer = setTimeout(() => {
        timedOut = true;
        // A program that is still in the foreground holds no lock for anyone
        // to find: leaving it running would leave a daemon nobody can stop.
        child.kill("SIGTERM");
        child.unref();
        resolve({ kind: "timeout" });
      }, Math.max(0, deadline - Date.now()));
    }
    const finish = (outcome: LauncherOutcome): void => {
      if (timer !== null) clearTimeout(timer);
      if (!timedOut) resolve(outcome);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      finish({ kind: "exec-failed", code: error.code ?? error.message });
    });
    child.once("exit", (code, signal) => {
      if (signal !== null) finish({ kind: "killed", signal });
      else finish({ kind: "exited", code: code ?? 0 });
    });
  });
}
