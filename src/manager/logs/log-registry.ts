// Every unit's log: stores created on first use, captures tracked until their pipe closes,
// merged views across units for `steward logs`, and the echo of `steward up` in the foreground.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { closeFd } from "../../sys/index.js";
import { parseUnitName } from "../../units/unit-name.js";
import { EchoSink } from "./echo-sink.js";
import type { EchoOptions, EchoTarget } from "./echo-sink.js";
import { systemClock, systemTimers } from "./log-clock.js";
import type { LogClock, LogTimers } from "./log-clock.js";
import { LogCapture } from "./log-capture.js";
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_ROTATED_FILES, readLogTail } from "./log-file.js";
import type { LogFileLimits, LogFileProblem } from "./log-file.js";
import { compareLogRecords } from "./log-record.js";
import type { CapturedStream, LogRecord, UnitLogRecord } from "./log-record.js";
import { LogStore, assertFileSafeUnitName } from "./log-store.js";
import type { LogStoreOptions } from "./log-store.js";

/** The manager's log directory under its runtime dir: volatile like journald's /run/log/journal. */
export function defaultLogDirectory(runtimeDirectory: string): string {
  return join(runtimeDirectory, "logs");
}

export interface LogRegistryOptions {
  /** Where unit logs are written; null keeps every log in memory only. */
  readonly directory: string | null;
  /** Per file, default 1 MiB. */
  readonly maxFileBytes?: number;
  /** Rotated files per unit, default 3. */
  readonly rotatedFiles?: number;
  /** Lines in memory per unit, default 1000. */
  readonly memoryLines?: number;
  /** Default 16 KiB. */
  readonly maxLineBytes?: number;
  /** Default 500 ms. */
  readonly partialLineIdleMs?: number;
  readonly clock?: LogClock;
  readonly timers?: LogTimers;
  /** steward's own complaints (disk trouble), each once per directory and reason. Default: stderr. */
  readonly warn?: (message: string) => void;
  /** Echo every line here as `unit | text` (`steward up` in the foreground); default none. */
  readonly echo?: EchoTarget | null;
  readonly echoOptions?: EchoOptions;
}

export type UnitLogFollower = (record: UnitLogRecord) => void;

interface RegistryFollower {
  /** null: every unit, also those that appear later. */
  readonly units: ReadonlySet<string> | null;
  readonly follower: UnitLogFollower;
}

export class LogRegistry {
  readonly directory: string | null;
  readonly echo: EchoSink | null;
  readonly #options: LogRegistryOptions;
  readonly #storeOptions: LogStoreOptions;
  readonly #limits: LogFileLimits;
  readonly #stores = new Map<string, LogStore>();
  readonly #captures = new Set<LogCapture>();
  readonly #capturesOf = new Map<string, Set<LogCapture>>();
  readonly #followers = new Set<RegistryFollower>();
  readonly #warned = new Set<string>();

  constructor(options: LogRegistryOptions) {
    this.#options = options;
    this.directory = options.directory;
    const warn = options.warn ?? ((message: string) => void process.stderr.write(`steward: ${message}\n`));
    this.#limits = {
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      rotatedFiles: options.rotatedFiles ?? DEFAULT_ROTATED_FILES,
    };
    this.#storeOptions = {
      directory: options.directory,
      ...this.#limits,
      memoryLines: options.memoryLines,
      clock: options.clock ?? systemClock,
      onProblem: (problem: LogFileProblem) => {
        // A read-only directory is one warning, not one per unit.
        const key = `${problem.memoryOnly ? "memory-only" : "dropped"}:${problem.code}`;
        if (this.#warned.has(key)) return;
        this.#warned.add(key);
        warn(problem.memoryOnly
          ? `unit logs are kept in memory only: ${problem.reason} (first seen for ${problem.unit})`
          : problem.message);
      },
    };
    this.echo = options.echo ? new EchoSink(options.echo, options.echoOptions) : null;
  }

  /** The unit's store, created on first use. Throws RangeError for a name that is not a unit name. */
  store(unit: string): LogStore {
    const existing = this.#stores.get(unit);
    if (existing) return existing;
    const store = new LogStore(unit, this.#storeOptions);
    this.#stores.set(unit, store);
    this.echo?.reserve(unit);
    store.follow((record) => this.#dispatch(unit, record));
    return store;
  }

  /** Units with a store in this run, in the order they were first used. */
  units(): string[] {
    return [...this.#stores.keys()];
  }

  /** Starts reading a pipe's read end into the unit's store; the capture owns the fd. */
  capture(unit: string, fd: number, stream: CapturedStream): LogCapture {
    let store: LogStore;
    try {
      store = this.store(unit);
    } catch (error) {
      // Ownership of the fd came with the call: a refused unit name still gets its pipe closed.
      try {
        closeFd(fd);
      } catch {
        // EBADF: there was nothing to close; the name is the error worth reporting.
      }
      throw error;
    }
    const capture = new LogCapture({
      fd, stream, store,
      maxLineBytes: this.#options.maxLineBytes,
      partialLineIdleMs: this.#options.partialLineIdleMs,
      clock: this.#options.clock,
      timers: this.#options.timers ?? systemTimers,
      onError: (error) => store.appendManagerLine(`reading ${stream} failed: ${error.message}`),
    });
    this.#captures.add(capture);
    const ofUnit = this.#capturesOf.get(unit) ?? new Set<LogCapture>();
    this.#capturesOf.set(unit, ofUnit);
    ofUnit.add(capture);
    const done = () => {
      this.#captures.delete(capture);
      ofUnit.delete(capture);
      if (ofUnit.size === 0 && this.#capturesOf.get(unit) === ofUnit) this.#capturesOf.delete(unit);
    };
    capture.closed.then(done, done);
    return capture;
  }

  /**
   * The last `count` lines of the named units (none named: every unit with a store or a file),
   * merged in time order, oldest first. A unit without lines contributes nothing.
   */
  tail(units: readonly string[], count: number): UnitLogRecord[] {
    if (count <= 0) return [];
    const names = units.length > 0 ? [...new Set(units)] : this.#allUnits();
    const perUnit = names.map((unit) => this.#unitTail(unit, count).map((record): UnitLogRecord => ({ ...record, unit })));
    return mergeInOrder(perUnit).slice(-count);
  }

  /**
   * Calls `follower` with every new line of the named units (none named: every unit, also ones
   * that appear later). Taken together with tail() in one turn of the event loop, no line is
   * missed or seen twice. Returns the unsubscribe function.
   */
  follow(units: readonly string[], follower: UnitLogFollower): () => void {
    for (const unit of units) assertFileSafeUnitName(unit);
    const entry: RegistryFollower = { units: units.length > 0 ? new Set(units) : null, follower };
    this.#followers.add(entry);
    return () => {
      this.#followers.delete(entry);
    };
  }

  /**
   * A unit that is gone for good (an Accept=yes instance that ended): once its pipes have
   * delivered their last lines, its store's file is closed and the store dropped. Its lines
   * stay on disk for tail(); a later store() opens a new one.
   */
  release(unit: string): void {
    const store = this.#stores.get(unit);
    if (!store) return;
    const pending = [...(this.#capturesOf.get(unit) ?? [])].map((capture) => capture.closed.catch(() => undefined));
    void Promise.all(pending).then(() => {
      if (this.#stores.get(unit) !== store || this.#capturesOf.has(unit)) return; // in use again
      this.#stores.delete(unit);
      store.close();
    });
  }

  /** Closes every capture (their fds) and every store's file. */
  async close(): Promise<void> {
    await Promise.all([...this.#captures].map((capture) => capture.close()));
    for (const store of this.#stores.values()) store.close();
  }

  #dispatch(unit: string, record: LogRecord): void {
    this.echo?.write(unit, record);
    if (this.#followers.size === 0) return;
    const unitRecord: UnitLogRecord = { ...record, unit };
    for (const entry of [...this.#followers]) {
      if (!this.#followers.has(entry) || (entry.units !== null && !entry.units.has(unit))) continue;
      try {
        entry.follower(unitRecord);
      } catch (error) {
        // As LogStore does: a broken follower is dropped, the others and the echo carry on.
        this.#followers.delete(entry);
        const reason = error instanceof Error ? error.message : String(error);
        process.emitWarning(`a log follower threw and was removed: ${reason}`);
      }
    }
  }

  #unitTail(unit: string, count: number): LogRecord[] {
    assertFileSafeUnitName(unit);
    const store = this.#stores.get(unit);
    if (store) return store.tail(count);
    if (this.directory === null) return [];
    // A unit not running in this manager (removed from the configuration, or not started yet).
    return readLogTail(this.directory, unit, this.#limits, count);
  }

  #allUnits(): string[] {
    const names = new Set(this.#stores.keys());
    if (this.directory !== null) {
      let files: string[] = [];
      try {
        files = readdirSync(this.directory);
      } catch {
        // No directory yet, or not readable: only the units in memory.
      }
      for (const file of files) {
        const unit = file.endsWith(".log") ? file.slice(0, -".log".length) : null;
        if (unit !== null && parseUnitName(unit) !== null) names.add(unit);
      }
    }
    return [...names];
  }
}

/** A k-way merge of lists that are each in order already; ties keep the order of the lists. */
function mergeInOrder(lists: readonly (readonly UnitLogRecord[])[]): UnitLogRecord[] {
  const merged: UnitLogRecord[] = [];
  const positions = lists.map(() => 0);
  for (;;) {
    let best = -1;
    let bestRecord: UnitLogRecord | undefined;
    lists.forEach((list, index) => {
      const candidate = list[positions[index] ?? 0];
      if (candidate === undefined) return;
      if (bestRecord === undefined || compareLogRecords(candidate, bestRecord) < 0) {
        best = index;
        bestRecord = candidate;
      }
    });
    if (bestRecord === undefined) return merged;
    merged.push(bestRecord);
    positions[best] = (positions[best] ?? 0) + 1;
  }
}
