// The PID file of the daemon-control protocol (libucw's ucw/daemon.c and
// daemon-ctrl.c): the running daemon keeps it flock()ed for its whole life,
// so the lock, not the number inside, says whether the daemon runs.
//
// Daemon side: open (creating it), take LOCK_EX|LOCK_NB, only then write the
// PID; keep the fd open; at a clean exit truncate it to 0 bytes, then close.
// Reader side (a controller, under the guard lock): try LOCK_SH|LOCK_NB. A
// reader that gets the lock knows no daemon holds it: the file is left over
// (stale) if it still has content, or empty after a clean exit.
import { closeSync, constants, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { parsePid } from "../protocol/decimal.js";
import { lockFile } from "../sys/index.js";

/** libucw reads at most 15 bytes: a file of 16 or more is an error whatever its lock. */
export const PID_FILE_MAX_BYTES = 16;

/** What libucw's daemon_init() writes between taking the lock and knowing the PID. */
export const STARTING_MARK = "(starting)\n";

/**
 * What a reader finds, as libucw's daemon_read_pid() tells it apart:
 * - `missing`: no file (NOT_RUNNING);
 * - `running`: locked, holding `<pid>\n` (OK);
 * - `exiting`: locked and empty, the daemon truncated it on its way out (OK, PID 0);
 * - `not-running`: unlocked and empty, a clean exit (NOT_RUNNING);
 * - `stale`: unlocked with content, the daemon died without cleaning up (STALE);
 * - `invalid`: unreadable, too long, or locked without a PID in it (ERROR).
 */
export type PidFileState =
  | { kind: "missing" }
  | { kind: "running"; pid: number }
  | { kind: "exiting" }
  | { kind: "not-running" }
  | { kind: "stale"; content: string }
  | { kind: "invalid"; reason: string };

/** The errno name of a failed call (node:fs and sys errors both carry it), else the error's text. */
function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}

/** The content a reader's fd holds, or why it cannot tell. */
function readContent(fd: number, path: string): { text: string } | { reason: string } {
  const buffer = Buffer.alloc(PID_FILE_MAX_BYTES);
  let length: number;
  try {
    length = readSync(fd, buffer, 0, PID_FILE_MAX_BYTES, 0);
  } catch (error) {
    return { reason: `Error reading \`${path}': ${describeError(error)}` };
  }
  if (length === PID_FILE_MAX_BYTES) return { reason: `PID file \`${path}' is too long` };
  return { text: buffer.subarray(0, length).toString("latin1") };
}

/** `<digits>\n` and nothing else, a PID > 0; null otherwise. */
export function parsePidFileContent(text: string): number | null {
  if (!text.endsWith("\n")) return null;
  return parsePid(text.slice(0, -1));
}

/**
 * Reads the PID file the way a controller must: with the guard held, trying
 * a shared lock without waiting. Holds no lock and no fd when it returns.
 */
export function readPidFile(path: string): PidFileState {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { kind: "missing" };
    return { kind: "invalid", reason: `Cannot open PID file \`${path}': ${describeError(error)}` };
  }
  try {
    return inspectOpenPidFile(fd, path);
  } finally {
    closeSync(fd); // drops the shared lock if we took it
  }
}

/**
 * The state of an open PID file. When the file turns out unlocked, the shared
 * lock taken to find that out stays on `fd` until it is closed or unlocked.
 */
export function inspectOpenPidFile(fd: number, path: string): PidFileState {
  let locked: boolean;
  try {
    locked = !lockFile(fd, "shared", false);
  } catch (error) {
    return { kind: "invalid", reason: `Cannot lock PID file \`${path}': ${describeError(error)}` };
  }
  const content = readContent(fd, path);
  if ("reason" in content) return { kind: "invalid", reason: content.reason };
  if (content.text === "") return locked ? { kind: "exiting" } : { kind: "not-running" };
  if (!locked) return { kind: "stale", content: content.text };
  const pid = parsePidFileContent(content.text);
  if (pid === null) return { kind: "invalid", reason: `PID file \`${path}' does not contain a valid PID` };
  return { kind: "running", pid };
}

/** Thrown by lockPidFile when another process holds the lock. */
export class DaemonAlreadyRunning extends Error {
  readonly path: string;
  readonly pid: number | null;

  constructor(path: string, pid: number | null) {
    super(`Daemon is already running (\`${path}' locked${pid === null ? "" : `, pid ${pid}`})`);
    this.name = "DaemonAlreadyRunning";
    this.path = path;
    this.pid = pid;
  }
}

/** The daemon's side of the PID file: a locked fd, kept open for the daemon's whole life. */
export class PidFileLock {
  readonly path: string;
  #fd: number | null;

  constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  get held(): boolean {
    return this.#fd !== null;
  }

  /** The locked fd (close-on-exec), e.g. to pass to a child that should share the lock. */
  get fd(): number {
    if (this.#fd === null) throw new Error(`${this.path}: the PID-file lock was released`);
    return this.#fd;
  }

  /** libucw's "(starting)" mark: the lock is held, the PID not known yet. */
  markStarting(): void {
    this.#replace(STARTING_MARK);
  }

  /** Writes `<pid>\n`. Only ever called with the lock held, so no reader sees a PID without a lock. */
  writePid(pid: number): void {
    this.#replace(`${pid}\n`);
  }

  /**
   * A clean exit (libucw's daemon_exit()): truncate to 0 bytes, then close,
   * which drops the lock. Readers then say "not running" rather than "stale".
   */
  release(): void {
    if (this.#fd === null) return;
    try {
      ftruncateSync(this.#fd, 0);
    } finally {
      this.abandon();
    }
  }

  /** Closes without truncating: the file reads as stale from now on. */
  abandon(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    closeSync(fd);
  }

  /** Truncates to 0 bytes and keeps the lock: the daemon is on its way out (readers see "exiting"). */
  markExiting(): void {
    ftruncateSync(this.fd, 0);
  }

  // Write at offset 0, then cut to length: a longer old content never
  // shows through, and the file is never empty while locked (which would
  // read as "exiting").
  #replace(text: string): void {
    const bytes = Buffer.from(text, "latin1");
    writeSync(this.fd, bytes, 0, bytes.length, 0);
    ftruncateSync(this.fd, bytes.length);
  }
}

/**
 * Opens (creating it) and locks the PID file exclusively without waiting, as
 * libucw's daemon_init(). Throws DaemonAlreadyRunning when another process
 * holds it. The content is left as it was: write the PID next.
 */
export function lockPidFile(path: string, mode = 0o644): PidFileLock {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, mode);
  let locked: boolean;
  try {
    locked = lockFile(fd, "exclusive", false);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!locked) {
    const content = readContent(fd, path);
    closeSync(fd);
    throw new DaemonAlreadyRunning(path, "text" in content ? parsePidFileContent(content.text) : null);
  }
  return new PidFileLock(path, fd);
}
