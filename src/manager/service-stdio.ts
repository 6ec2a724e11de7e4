// A service process's fds 0, 1 and 2, from StandardInput=, StandardOutput= and
// StandardError=. Output into steward's log goes through a pipe per stream.
import { constants, openSync } from "node:fs";
import { closeFd, pipe } from "../sys/index.js";
import type { ExecSettings } from "../units/exec-settings.js";

export interface ServiceStdio {
  fds: number[];
  /** Closes the manager's copies once the child has its own. */
  release(): void;
}

export type CaptureLog = (readEnd: number, stream: "stdout" | "stderr") => void;

/**
 * `socket`: the connection of an Accept=yes instance (inetd style) when there is one;
 * otherwise input reads /dev/null and output goes into the log.
 */
export function openStdio(exec: ExecSettings, devNull: number, capture: CaptureLog, socket: number | null = null): ServiceStdio {
  const owned: number[] = [];
  const stdin = exec.standardInput.kind === "tty" ? 0 : exec.standardInput.kind === "socket" && socket !== null ? socket : devNull;
  const output = (target: ExecSettings["standardOutput"], fallback: number | null): number => {
    switch (target.kind) {
      case "null":
        return devNull;
      case "inherit":
        // stdout "inherit" (resolveStandardOutput keeps it only then) is the socket stdin is.
        if (fallback === null && stdin === socket) return socket;
        return fallback ?? 1;
      case "tty":
        // steward has no TTYPath=: "tty" is the terminal steward itself writes to.
        return fallback === null ? 1 : 2;
      case "file": {
        // file: writes from the start without truncating; append: at the end; truncate: emptied first.
        const flags = target.mode === "append" ? "a" : target.mode === "truncate" ? "w" : constants.O_WRONLY | constants.O_CREAT;
        const fd = openSync(target.path, flags, 0o644);
        owned.push(fd);
        return fd;
      }
      case "socket":
      case "log":
      case "fd": {
        if (target.kind === "socket" && socket !== null) return socket;
        const channel = pipe();
        owned.push(channel.writeEnd);
        capture(channel.readEnd, fallback === null ? "stdout" : "stderr");
        return channel.writeEnd;
      }
    }
  };
  try {
    const stdout = output(exec.standardOutput, null);
    // stderr "inherit" goes where stdout goes; into the log it goes through a pipe of its
    // own, so that `steward logs` can tell the two streams apart.
    const stderrTarget =
      exec.standardError.kind !== "inherit" ? exec.standardError : exec.standardOutput.kind === "log" ? exec.standardOutput : null;
    const stderr = stderrTarget === null ? stdout : output(stderrTarget, stdout);
    return { fds: [stdin, stdout, stderr], release: () => owned.forEach((fd) => closeFd(fd)) };
  } catch (error) {
    owned.forEach((fd) => closeFd(fd)); // a file that could not be opened: nothing half-made stays open
    throw error;
  }
}
