// The clock and timers the log code reads, injected so that tests control time.
import { performance } from "node:perf_hooks";

export interface LogClock {
  /** Milliseconds since the epoch. */
  wallMs(): number;
  /** Milliseconds from an arbitrary origin that never goes backwards. */
  monotonicMs(): number;
}

export interface LogTimer {
  cancel(): void;
}

export interface LogTimers {
  /** Calls `callback` once after `ms` milliseconds unless cancelled first. */
  start(callback: () => void, ms: number): LogTimer;
}

export const systemClock: LogClock = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

export const systemTimers: LogTimers = {
  start(callback, ms) {
    const handle = setTimeout(callback, ms);
    // A pending partial-line flush is no reason for the manager to stay alive.
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** A timestamp for a line read now. */
export function stampNow(clock: LogClock): { time: string; monotonic: number } {
  return { time: new Date(clock.wallMs()).toISOString(), monotonic: clock.monotonicMs() };
}
