// One captured line, in memory and on disk.
// On disk a line is one JSON object per line: {"t": ISO time, "s": stream, "m": text}, so that
// text with any bytes (newlines excepted, which split lines) survives the round trip.

/** Where a line came from: the service's stdout or stderr, or steward itself speaking about the unit. */
export type LogStream = "stdout" | "stderr" | "steward";
/** The streams a pipe can carry (steward's own lines are appended, never captured). */
export type CapturedStream = Exclude<LogStream, "steward">;

export interface LogRecord {
  /** Wall-clock time, ISO 8601 in UTC with milliseconds (`2024-05-01T12:00:00.123Z`). */
  readonly time: string;
  /**
   * Monotonic milliseconds from the manager's clock; null for lines read back from disk (it is
   * not stored there: it means nothing after the manager restarts).
   */
  readonly monotonic: number | null;
  readonly stream: LogStream;
  readonly text: string;
}

/** A record together with the unit it belongs to, as merged views return them. */
export interface UnitLogRecord extends LogRecord {
  readonly unit: string;
}

export function isLogStream(value: unknown): value is LogStream {
  return value === "stdout" || value === "stderr" || value === "steward";
}

/** The on-disk form of a record, newline included. */
export function encodeLogLine(record: LogRecord): string {
  return JSON.stringify({ t: record.time, s: record.stream, m: record.text }) + "\n";
}

/** A record from one on-disk line (without its newline); null for anything that is not one. */
export function decodeLogLine(line: string): LogRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { t, s, m } = parsed as { t?: unknown; s?: unknown; m?: unknown };
  if (typeof t !== "string" || typeof m !== "string" || !isLogStream(s)) return null;
  return { time: t, monotonic: null, stream: s, text: m };
}

/**
 * Order of two records in a merged view. Within one manager run the monotonic clock is the
 * truth (the wall clock may be stepped); across runs only the wall clock is known.
 */
export function compareLogRecords(a: LogRecord, b: LogRecord): number {
  if (a.monotonic !== null && b.monotonic !== null) return a.monotonic - b.monotonic;
  return a.time < b.time ? -1 : a.time > b.time ? 1 : 0;
}
