// The service watchdog (sd_watchdog_enabled(3)): when the manager sets
// WATCHDOG_USEC, the service must send WATCHDOG=1 more often than that or be
// treated as hung. WATCHDOG_PID says which process the variables are meant
// for, so a child that inherited them does not ping on its parent's behalf.
import { parseDecimalU64, parsePid } from "../protocol/decimal.js";
import { printable } from "../protocol/printable.js";
import { notify } from "./notify.js";

const MAX_SAFE_USEC = BigInt(Number.MAX_SAFE_INTEGER);
// setInterval's limit: a longer period would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WatchdogEnvOptions {
  /** Drop WATCHDOG_USEC and WATCHDOG_PID from our environment afterwards, whatever they said. */
  unsetEnvironment?: boolean;
}

/**
 * The watchdog interval in microseconds when the manager expects pings from
 * this process, else null: WATCHDOG_USEC unset, or WATCHDOG_PID set to another
 * process. Infinity for values beyond 2^53 µs. Throws when either variable is
 * malformed or WATCHDOG_USEC is 0 (sd_watchdog_enabled's -EINVAL).
 */
export function watchdogInterval(options: WatchdogEnvOptions = {}): number | null {
  const env = process.env;
  try {
    const usecText = env["WATCHDOG_USEC"];
    if (usecText === undefined) return null;
    const usec = parseDecimalU64(usecText);
    if (usec === null || usec === 0n) {
      throw new RangeError(`WATCHDOG_USEC=${printable(usecText)} is not a positive number of microseconds`);
    }
    const pidText = env["WATCHDOG_PID"];
    if (pidText !== undefined) {
      const pid = parsePid(pidText);
      if (pid === null) throw new RangeError(`WATCHDOG_PID=${printable(pidText)} is not a process ID`);
      if (pid !== process.pid) return null;
    }
    return usec <= MAX_SAFE_USEC ? Number(usec) : Infinity;
  } finally {
    if (options.unsetEnvironment) {
      delete env["WATCHDOG_USEC"];
      delete env["WATCHDOG_PID"];
    }
  }
}

/** WATCHDOG=1: "still alive"; resets the manager's watchdog timer. */
export function pingWatchdog(): boolean {
  return notify({ WATCHDOG: 1 });
}

/** WATCHDOG=trigger: act as if the watchdog had expired (the service knows it is broken). */
export function triggerWatchdog(): boolean {
  return notify({ WATCHDOG: "trigger" });
}

export interface WatchdogOptions extends WatchdogEnvOptions {
  /** A failed ping (the manager's socket gone, say). Default: one process warning, then silence. */
  onError?: (error: Error) => void;
}

/** The ping period for an interval: half of it, as sd_watchdog_enabled(3) recommends, 1 ms at least. */
export function watchdogPingPeriodMs(intervalUsec: number): number | null {
  const periodMs = Math.max(1, Math.floor(intervalUsec / 2000));
  return periodMs > MAX_TIMER_MS ? null : periodMs;
}

/**
 * Pings WATCHDOG=1 now and then at half the interval from watchdogInterval(),
 * on an unref'd timer (it never keeps the process alive by itself). Returns
 * the function that stops it; a no-op when the watchdog is not enabled for
 * this process (or its interval is too long for a timer to matter).
 */
export function startWatchdog(options: WatchdogOptions = {}): () => void {
  const interval = watchdogInterval(options);
  if (interval === null) return () => undefined;
  const periodMs = watchdogPingPeriodMs(interval);
  if (periodMs === null) return () => undefined;
  let warned = false;
  const onError =
    options.onError ??
    ((error: Error) => {
      if (warned) return;
      warned = true;
      process.emitWarning(`watchdog ping failed: ${error.message}`, { code: "STEWARD_WATCHDOG" });
    });
  const ping = (): void => {
    try {
      pingWatchdog();
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  };
  ping();
  const timer = setInterval(ping, periodMs).unref();
  return () => clearInterval(timer);
}
