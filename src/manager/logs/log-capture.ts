// Reads one pipe (a service's stdout, stderr, or both) into the unit's LogStore.
// The read end is wrapped in a net.Socket: libuv makes it non-blocking and polls it, so a
// chatty or silent service never blocks the event loop. The socket owns the fd from then on
// and closes it exactly once, on end of file or on close().
import { Socket } from "node:net";
import { closeFd } from "../../sys/index.js";
import { stampNow, systemClock, systemTimers } from "./log-clock.js";
import type { LogClock, LogTimer, LogTimers } from "./log-clock.js";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./line-splitter.js";
import type { CapturedStream, LogRecord } from "./log-record.js";

/** A line without its newline is written out after this long without more output (a prompt, a progress bar). */
export const DEFAULT_PARTIAL_LINE_IDLE_MS = 500;

/** Where a capture puts its lines: a LogStore, or anything that takes records the same way. */
export interface LogAppender {
  append(records: readonly LogRecord[]): void;
}

export interface LogCaptureOptions {
  /** The read end of the service's output pipe; the capture owns it from now on. */
  readonly fd: number;
  readonly stream: CapturedStream;
  readonly store: LogAppender;
  /** Longer lines are cut into pieces of at most this many bytes; default 16 KiB. */
  readonly maxLineBytes?: number;
  /** Default 500 ms. */
  readonly partialLineIdleMs?: number;
  readonly clock?: LogClock;
  readonly timers?: LogTimers;
  /** A read error other than end of file (the capture then closes). Default: a process warning. */
  readonly onError?: (error: Error) => void;
}

export class LogCapture {
  readonly fd: number;
  readonly stream: CapturedStream;
  /** Settles when the fd has been closed (end of file, a read error, or close()). Never rejects. */
  readonly closed: Promise<void>;
  readonly #store: LogAppender;
  readonly #splitter: LineSplitter;
  readonly #clock: LogClock;
  readonly #timers: LogTimers;
  readonly #idleMs: number;
  readonly #socket: Socket;
  #idleTimer: LogTimer | null = null;
  /** When the bytes of the unfinished line last arrived: its timestamp if it is flushed. */
  #pendingSince: { time: string; monotonic: number } | null = null;

  constructor(options: LogCaptureOptions) {
    this.fd = options.fd;
    this.stream = options.stream;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#idleMs = options.partialLineIdleMs ?? DEFAULT_PARTIAL_LINE_IDLE_MS;
    try {
      this.#splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
      // Only pipes and sockets are accepted (ERR_INVALID_FD_TYPE otherwise).
      this.#socket = new Socket({ fd: options.fd, readable: true, writable: false });
    } catch (error) {
      // The fd was handed over: it is closed here, since no socket will close it.
      try {
        closeFd(options.fd);
      } catch {
        // EBADF: there was nothing to close.
      }
      throw error;
    }
    const onError = options.onError ?? ((error: Error) => process.emitWarning(`log capture of fd ${this.fd}: ${error.message}`));
    this.closed = new Promise<void>((resolve) => {
      this.#socket.once("close", () => {
        this.#flushPartial();
        resolve();
      });
    });
    this.#socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on("error", onError);
  }

  /** Writes out the unfinished line and closes the fd (once, however often this is called). */
  close(): Promise<void> {
    this.#socket.destroy();
    return this.closed;
  }

  #onData(chunk: Buffer): void {
    const stamp = stampNow(this.#clock);
    const lines = this.#splitter.push(chunk);
    this.#store.append(lines.map((text) => ({ ...stamp, stream: this.stream, text })));
    this.#idleTimer?.cancel();
    this.#idleTimer = null;
    if (this.#splitter.pendingBytes === 0) {
      this.#pendingSince = null;
      return;
    }
    this.#pendingSince = stamp;
    this.#idleTimer = this.#timers.start(() => {
      this.#idleTimer = null;
      this.#flushPartial();
    }, this.#idleMs);
  }

  #flushPartial(): void {
    this.#idleTimer?.cancel();
    this.#idleTimer = null;
    const text = this.#splitter.flush();
    const stamp = this.#pendingSince;
    this.#pendingSince = null;
    if (text === null || stamp === null) return;
    this.#store.append([{ ...stamp, stream: this.stream, text }]);
  }
}
