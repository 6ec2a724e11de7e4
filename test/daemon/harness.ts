// Helpers for the daemon-control tests. These tests run no Reaper: controllers
// are real processes started with node:child_process (which reaps exactly its
// own children), as a shell script would run them.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { readPidFile, type PidFileState } from "../../src/daemon/pid-file.js";
import { fixture, isRoot, which } from "../helpers/repo.js";

export { fixture, isRoot, repoRoot, which } from "../helpers/repo.js";

/** Wall-clock milliseconds with sub-millisecond precision, comparable with `date +%s%N`. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `steward-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Invocation {
  args: readonly string[];
  code: number;
  stdout: string;
  stderr: string;
  /** Just before the process was spawned and just after its exit was seen (wallClock()). */
  began: number;
  ended: number;
}

/** Runs one command to its end; resolves once its exit and output are in, or rejects at the deadline. */
export function runProcess(file: string, args: readonly string[], timeoutMs = 30_000): Promise<Invocation> {
  return new Promise((resolve, reject) => {
    const began = wallClock();
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let code: number | null = null;
    let ended = 0;
    let streamsOpen = 2;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")}: no end within ${timeoutMs} ms; stderr so far: ${stderr}`));
    }, timeoutMs);
    const maybeDone = (): void => {
      if (code === null || streamsOpen > 0) return;
      clearTimeout(timer);
      resolve({ args, code, stdout, stderr, began, ended });
    };
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text)).on("close", () => {
      streamsOpen--;
      maybeDone();
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text)).on("close", () => {
      streamsOpen--;
      maybeDone();
    });
    child.on("error", reject);
    child.on("exit", (exitCode, signal) => {
      ended = wallClock();
      code = exitCode ?? 128 + (signal === null ? 0 : constants.signals[signal]);
      maybeDone();
    });
  });
}

/** `steward daemon-control ARGS...` as its own process. */
export function daemonControl(args: readonly string[], timeoutMs?: number): Promise<Invocation> {
  return runProcess(process.execPath, [fixture("daemon-control.mjs"), ...args], timeoutMs);
}

/** The shell daemon of test/fixtures/daemon-sh.sh, as a libucw-style command. */
export function shDaemonCommand(pidFile: string, dir: string): string[] {
  return [fixture("daemon-sh.sh"), pidFile, join(dir, "journal"), dir];
}

/** The same daemon staying in the foreground, for --keeper. */
export function shForegroundCommand(dir: string): string[] {
  return [fixture("daemon-sh.sh"), "--foreground", "-", join(dir, "journal"), dir];
}

export interface JournalEntry {
  event: "up" | "down" | "hup" | "violation";
  pid: number;
  at: number;
}

export function readJournal(dir: string): JournalEntry[] {
  const path = join(dir, "journal");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [event, pid, at] = line.split(" ");
      return { event: event as JournalEntry["event"], pid: Number(pid), at: Number(at) };
    });
}

export function pidFileState(path: string): PidFileState {
  return readPidFile(path);
}

/** "R", "S", "Z", ... from /proc, or null once the PID is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== "Z" && state !== "X";
}

/** Whether the PID of a dead process can be handed out again on purpose (root with ns_last_pid). */
export function canChoosePids(): string | null {
  if (!isRoot) return "choosing the next PID needs root";
  try {
    accessSync("/proc/sys/kernel/ns_last_pid", fsConstants.W_OK);
  } catch {
    return "/proc/sys/kernel/ns_last_pid is not writable here";
  }
  return null;
}

/** Makes the kernel hand out `pid` next (if nobody else forks first). */
export function setNextPid(pid: number): void {
  writeFileSync("/proc/sys/kernel/ns_last_pid", String(pid - 1));
}

export interface StartedProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with how it ended. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a helper and waits until it prints `ready`. */
export async function startUntilReady(file: string, args: readonly string[], options: { detached?: boolean } = {}): Promise<StartedProcess> {
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"], detached: options.detached ?? false });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    let text = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("ready\n")) resolve();
    });
    void exit.then(({ code, signal }) => reject(new Error(`${file} ended (${code ?? signal}) before it was ready`)));
  });
  return { child, pid: child.pid as number, exit };
}

/**
 * A decoy: an innocent shell (test/fixtures/daemon-decoy.sh) given exactly
 * `pid` through ns_last_pid, recording every signal it gets into
 * `signalFile`. Null when another process took that PID first (retried a
 * few times).
 */
export async function spawnDecoy(pid: number, signalFile: string): Promise<StartedProcess | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (existsSync(`/proc/${pid}`)) return null;
    setNextPid(pid);
    const decoy = await startUntilReady(fixture("daemon-decoy.sh"), [signalFile], { detached: true });
    if (decoy.pid === pid) return decoy;
    await stopDecoy(decoy);
  }
  return null;
}

/** Kills a decoy's whole group (it and its sleep) and waits for its end. */
export async function stopDecoy(decoy: StartedProcess): Promise<void> {
  try {
    process.kill(-decoy.pid, "SIGKILL");
  } catch {
    // already gone
  }
  await decoy.exit;
}

/** Why the shell daemon (test/fixtures/daemon-sh.sh) cannot run here, or null: it needs util-linux's flock and setsid. */
export const shDaemonUnavailable: string | null = (() => {
  for (const tool of ["flock", "setsid", "date", "mkdir", "sleep"]) {
    try {
      which(tool);
    } catch {
      return `${tool} is not on PATH (the shell daemon of the tests needs util-linux and coreutils)`;
    }
  }
  return null;
})();
