// A unit's log on disk: DIR/<unit>.log, rotated by size into <unit>.log.1 (newest) .. .log.K.
// Writes are appends only (O_APPEND, no seek), so the file may also be a symlink to a tty or
// a pipe; such a target is never rotated nor read back (supervisord's "Illegal seek" lesson).
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { isSystemCallError } from "../../sys/index.js";
import { decodeLogLine } from "./log-record.js";
import type { LogRecord } from "./log-record.js";

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_ROTATED_FILES = 3;
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;
// O_NONBLOCK: opening a FIFO with no reader fails (ENXIO) instead of hanging the manager, and a
// full pipe or tty refuses a write (EAGAIN) instead of blocking it. Regular files ignore it.
// libuv adds O_CLOEXEC, so services never inherit a log file.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK;

export interface LogFileLimits {
  /** A file is rotated before a line would take it past this size. */
  readonly maxFileBytes: number;
  /** Rotated files kept besides the current one (.log.1 .. .log.K); 0 keeps none. */
  readonly rotatedFiles: number;
}

/** Something went wrong with the file; `memoryOnly` when the store gave up on the disk. */
export interface LogFileProblem {
  readonly unit: string;
  /** The errno name, e.g. "EROFS". */
  readonly code: string;
  readonly path: string;
  /** The error as the system put it. */
  readonly reason: string;
  /** True when the unit's log is kept in memory only from now on; false when some lines were lost. */
  readonly memoryOnly: boolean;
  /** For a person: `web.service: cannot open /x/web.service.log: EROFS: ...; its log is kept in memory only`. */
  readonly message: string;
}

/** The path of a unit's current log file, and of its rotated file `generation` (1 = newest). */
export function logFilePath(directory: string, unit: string, generation = 0): string {
  return join(directory, generation === 0 ? `${unit}.log` : `${unit}.log.${generation}`);
}

interface OpenFile {
  readonly kind: "open";
  readonly fd: number;
  /** A regular file is rotated and read back; a tty or pipe behind a symlink is only written to. */
  readonly regular: boolean;
  /** Bytes in the file, as far as this writer knows. */
  size: number;
}

type FileState = { readonly kind: "closed" } | OpenFile | { readonly kind: "memory-only" };

/** The writing side. Every failure is reported through `onProblem` and none is thrown. */
export class LogFile {
  #state: FileState = { kind: "closed" };

  constructor(
    readonly directory: string,
    readonly unit: string,
    readonly limits: LogFileLimits,
    private readonly onProblem: (problem: LogFileProblem) => void,
  ) {}

  get path(): string {
    return logFilePath(this.directory, this.unit);
  }

  /** False once the disk was given up on (read-only filesystem, rotation impossible). */
  get usable(): boolean {
    return this.#state.kind !== "memory-only";
  }

  /** Appends encoded lines (each ending in "\n"), rotating between lines as the limit requires. */
  append(lines: readonly string[]): void {
    let batch = "";
    let batchBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      let state = this.#open();
      if (state === null) return;
      if (state.regular && state.size + batchBytes > 0 && state.size + batchBytes + bytes > this.limits.maxFileBytes) {
        if (batch !== "") this.#write(state, batch);
        batch = "";
        batchBytes = 0;
        state = this.#rotate(state);
        if (state === null) return;
      }
      batch += line;
      batchBytes += bytes;
    }
    const state = this.#state;
    if (batch !== "" && state.kind === "open") this.#write(state, batch);
  }

  close(): void {
    if (this.#state.kind === "open") closeSync(this.#state.fd);
    if (this.#state.kind !== "memory-only") this.#state = { kind: "closed" };
  }

  #open(): OpenFile | null {
    if (this.#state.kind === "open") return this.#state;
    if (this.#state.kind === "memory-only") return null;
    let fd: number | null = null;
    try {
      makeDirectory(this.directory);
      fd = openSync(this.path, APPEND_FLAGS, FILE_MODE);
      const stats = fstatSync(fd);
      this.#state = { kind: "open", fd, regular: stats.isFile(), size: stats.isFile() ? stats.size : 0 };
      return this.#state;
    } catch (error) {
      if (fd !== null) closeSync(fd);
      this.#giveUp(error, this.path, "cannot open");
      return null;
    }
  }

  /** Writes all of `text`, or reports which lines were lost and why. */
  #write(state: OpenFile, text: string): void {
    const bytes = Buffer.from(text);
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(state.fd, bytes, offset);
      } catch (error) {
        const code = errorCode(error);
        if (code === "EINTR") continue;
        // A full pipe or tty, a full disk: these lines are lost, later ones are tried again.
        const lost = bytes.subarray(offset).toString().split("\n").length - 1;
        this.onProblem({
          unit: this.unit, code, path: this.path, reason: describe(error), memoryOnly: false,
          message: `${this.unit}: ${lost} log line(s) not written to ${this.path}: ${describe(error)}`,
        });
        break;
      }
    }
    state.size += offset;
  }

  /** .log.K-1 -> .log.K, ..., .log -> .log.1, then a fresh .log; null when the disk was given up on. */
  #rotate(state: OpenFile): OpenFile | null {
    closeSync(state.fd);
    this.#state = { kind: "closed" };
    const { rotatedFiles } = this.limits;
    // With no rotated files to keep, the oldest "rotated" file is the current one itself.
    let path = logFilePath(this.directory, this.unit, rotatedFiles);
    try {
      unlinkIfPresent(path);
      for (let generation = rotatedFiles - 1; generation >= 0; generation--) {
        path = logFilePath(this.directory, this.unit, generation);
        renameIfPresent(path, logFilePath(this.directory, this.unit, generation + 1));
      }
    } catch (error) {
      // Carrying on would let the file grow without bound.
      this.#giveUp(error, path, "cannot rotate");
      return null;
    }
    return this.#open();
  }

  #giveUp(error: unknown, path: string, what: string): void {
    this.#state = { kind: "memory-only" };
    this.onProblem({
      unit: this.unit, code: errorCode(error), path, reason: describe(error), memoryOnly: true,
      message: `${this.unit}: ${what} ${path}: ${describe(error)}; its log is kept in memory only`,
    });
  }
}

/**
 * mkdir -p. Not mkdirSync's { recursive: true }: on Node 20 that loops forever where mkdir
 * fails with ENOENT under a parent that exists (any directory in /proc/sys, for one).
 */
function makeDirectory(path: string): void {
  try {
    mkdirSync(path, { mode: DIRECTORY_MODE });
  } catch (error) {
    const code = errorCode(error);
    if (code === "EEXIST") return;
    const parent = dirname(path);
    if (code !== "ENOENT" || parent === path) throw error;
    makeDirectory(parent);
    try {
      mkdirSync(path, { mode: DIRECTORY_MODE });
    } catch (again) {
      if (errorCode(again) !== "EEXIST") throw again;
    }
  }
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

function errorCode(error: unknown): string {
  return isSystemCallError(error) ? error.code : "EUNKNOWN";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The last `count` records of a unit's files, oldest first, reading the current file and then
 * the rotated ones (newest first) only as far as needed. Files that are not regular files are
 * skipped (never read from a tty or a pipe), as are lines that are not records (a line torn by
 * a crash, a file written by something else).
 */
export function readLogTail(directory: string, unit: string, limits: LogFileLimits, count: number): LogRecord[] {
  if (count <= 0) return [];
  const newestFirst: LogRecord[] = [];
  // A file we wrote holds at most maxFileBytes plus one line; anything bigger came from elsewhere.
  const readLimit = Math.max(2 * limits.maxFileBytes, DEFAULT_MAX_FILE_BYTES);
  for (let generation = 0; generation <= limits.rotatedFiles && newestFirst.length < count; generation++) {
    const text = readFileEnd(logFilePath(directory, unit, generation), readLimit);
    if (text === null) continue;
    const lines = text.split("\n");
    // The last piece follows the last newline: empty, or a line still being written.
    for (let index = lines.length - 2; index >= 0 && newestFirst.length < count; index--) {
      const record = decodeLogLine(lines[index] ?? "");
      if (record !== null) newestFirst.push(record);
    }
  }
  return newestFirst.reverse();
}

/** Up to the last `limit` bytes of a regular file, starting at a line; null when there is none. */
function readFileEnd(path: string, limit: number): string | null {
  let fd: number;
  try {
    if (!statSync(path).isFile()) return null;
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return null;
    const start = Math.max(0, stats.size - limit);
    const buffer = Buffer.alloc(stats.size - start);
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, start + filled);
      if (read === 0) break;
      filled += read;
    }
    const text = buffer.toString("utf8", 0, filled);
    if (start === 0) return text;
    // Cut mid-file: the first piece is the end of a line whose start was not read.
    const firstNewline = text.indexOf("\n");
    return firstNewline < 0 ? "" : text.slice(firstNewline + 1);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
