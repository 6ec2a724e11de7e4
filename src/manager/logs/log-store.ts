// One unit's log: the last lines in memory (for `status` and cheap tails), every line on disk
// (rotated, bounded), and the followers of `steward logs -f`. It outlives the unit's processes:
// each start brings a new pipe and a new capture, and they all append here.
import { systemClock, stampNow } from "./log-clock.js";
import type { LogClock } from "./log-clock.js";
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_ROTATED_FILES, LogFile, readLogTail } from "./log-file.js";
import type { LogFileLimits, LogFileProblem } from "./log-file.js";
import { encodeLogLine } from "./log-record.js";
import type { LogRecord } from "./log-record.js";
import { parseUnitName } from "../../units/unit-name.js";

/** Lines kept in memory per unit. */
export const DEFAULT_MEMORY_LINES = 1000;
/** Lines `status` shows, as systemctl does. */
export const DEFAULT_STATUS_LINES = 10;

export interface LogStoreOptions {
  /** Where `<unit>.log` and its rotations go; null keeps the log in memory only. */
  readonly directory: string | null;
  /** Default 1 MiB. */
  readonly maxFileBytes?: number;
  /** Rotated files kept besides the current one; default 3 (`.log.1` .. `.log.3`). */
  readonly rotatedFiles?: number;
  /** Default 1000. */
  readonly memoryLines?: number;
  readonly clock?: LogClock;
  /** Told about disk trouble; each (kind, code) once per store. Default: nothing. */
  readonly onProblem?: (problem: LogFileProblem) => void;
}

export type LogFollower = (record: LogRecord) => void;

export class LogStore {
  readonly unit: string;
  readonly directory: string | null;
  readonly limits: LogFileLimits;
  readonly memoryLines: number;
  readonly #clock: LogClock;
  readonly #file: LogFile | null;
  readonly #recent: LogRecord[] = [];
  /** Index in #recent of the oldest record once the ring is full. */
  #oldest = 0;
  readonly #followers = new Set<LogFollower>();
  readonly #reported = new Set<string>();

  constructor(unit: string, options: LogStoreOptions) {
    assertFileSafeUnitName(unit);
    this.unit = unit;
    this.directory = options.directory;
    this.limits = {
      maxFileBytes: positiveInteger("maxFileBytes", options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES),
      rotatedFiles: nonNegativeInteger("rotatedFiles", options.rotatedFiles ?? DEFAULT_ROTATED_FILES),
    };
    this.memoryLines = positiveInteger("memoryLines", options.memoryLines ?? DEFAULT_MEMORY_LINES);
    this.#clock = options.clock ?? systemClock;
    const onProblem = options.onProblem ?? (() => undefined);
    this.#file = options.directory === null ? null : new LogFile(options.directory, unit, this.limits, (problem) => {
      const key = `${problem.memoryOnly ? "memory-only" : "dropped"}:${problem.code}`;
      if (this.#reported.has(key)) return;
      this.#reported.add(key);
      onProblem(problem);
    });
  }

  /** Whether lines still go to disk (false without a directory or once the disk was given up on). */
  get persistent(): boolean {
    return this.#file?.usable ?? false;
  }

  /** The path of the current log file, or null when the log is kept in memory only. */
  get path(): string | null {
    return this.#file?.usable === true ? this.#file.path : null;
  }

  append(records: readonly LogRecord[]): void {
    if (records.length === 0) return;
    for (const record of records) this.#remember(record);
    this.#file?.append(records.map(encodeLogLine));
    for (const record of records) {
      // A copy: a follower may unsubscribe (itself or another) while being called.
      for (const follower of [...this.#followers]) {
        if (this.#followers.has(follower)) this.#tell(follower, record);
      }
    }
  }

  /** steward's own line about the unit (a state change, a refused notify message); one record per line of `text`. */
  appendManagerLine(text: string): void {
    const stamp = stampNow(this.#clock);
    this.append(text.split("\n").map((line) => ({ ...stamp, stream: "steward", text: line })));
  }

  /** The last `count` lines held in memory, oldest first: what `status` shows. */
  recent(count: number = DEFAULT_STATUS_LINES): LogRecord[] {
    const ordered = this.#recent.length < this.memoryLines
      ? this.#recent
      : [...this.#recent.slice(this.#oldest), ...this.#recent.slice(0, this.#oldest)];
    return count <= 0 ? [] : ordered.slice(-count);
  }

  /**
   * The last `count` lines, oldest first: from memory when it holds that many, else from the
   * files (which also hold earlier runs of the manager) when they hold more than memory does
   * (they do not when the "file" is a tty or pipe, or the disk was given up on).
   */
  tail(count: number): LogRecord[] {
    if (count <= 0) return [];
    if (count <= this.#recent.length || this.#file === null || !this.#file.usable) return this.recent(count);
    const fromDisk = readLogTail(this.#file.directory, this.unit, this.limits, count);
    return fromDisk.length > this.#recent.length ? fromDisk : this.recent(count);
  }

  /** Calls `follower` with every line appended from now on; returns the unsubscribe function. */
  follow(follower: LogFollower): () => void {
    const subscription = (record: LogRecord) => follower(record);
    this.#followers.add(subscription);
    return () => {
      this.#followers.delete(subscription);
    };
  }

  /** Closes the file (a later line opens it again). Followers stay. */
  close(): void {
    this.#file?.close();
  }

  #tell(follower: LogFollower, record: LogRecord): void {
    try {
      follower(record);
    } catch (error) {
      // A broken follower (a vanished `logs -f` client) must not take the capture down with it.
      this.#followers.delete(follower);
      const reason = error instanceof Error ? error.message : String(error);
      process.emitWarning(`${this.unit}: a log follower threw and was removed: ${reason}`);
    }
  }

  #remember(record: LogRecord): void {
    if (this.#recent.length < this.memoryLines) {
      this.#recent.push(record);
      return;
    }
    this.#recent[this.#oldest] = record;
    this.#oldest = (this.#oldest + 1) % this.memoryLines;
  }
}

/** Unit names become file names: refuse anything that is not one (no "/", no "..", no empty name). */
export function assertFileSafeUnitName(unit: string): void {
  if (parseUnitName(unit) === null) throw new RangeError(`not a unit name: ${JSON.stringify(unit)}`);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer of at least 0, not ${value}`);
  return value;
}
