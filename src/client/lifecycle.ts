// The messages a service sends about its own life: ready, reloading, stopping,
// what it is doing, which process is its main one, why it failed, and "give
// me more time". Each is one datagram through notify(); each returns false
// when there is no manager to tell (NOTIFY_SOCKET unset).
import { constants } from "node:os";
import { notify, type NotifyFields } from "./notify.js";
import { pidfdId } from "./pidfd-id.js";

const ERRNO_MAX = 4095;
const errnoByName: Readonly<Partial<Record<string, number>>> = constants.errno;

/** CLOCK_MONOTONIC in microseconds, what MONOTONIC_USEC= carries (hrtime is CLOCK_MONOTONIC on Linux). */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

function withStatus(fields: Record<string, string | number | bigint>, status: string | undefined): NotifyFields {
  return status === undefined ? fields : { ...fields, STATUS: status };
}

/** READY=1: start-up (or a reload) is finished. With a status text, both in one datagram. */
export function ready(status?: string): boolean {
  return notify(withStatus({ READY: 1 }, status));
}

/**
 * RELOADING=1 with MONOTONIC_USEC=: reloading the configuration; send ready()
 * when done. The timestamp lets a Type=notify-reload manager tell the reload
 * it asked for from one already under way.
 */
export function reloading(status?: string): boolean {
  return notify(withStatus({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec() }, status));
}

/** STOPPING=1: shutting down. Final: the manager will not take the service back as running. */
export function stopping(status?: string): boolean {
  return notify(withStatus({ STOPPING: 1 }, status));
}

/** STATUS=: one line of text for `steward status`; "" clears it. */
export function status(text: string): boolean {
  return notify({ STATUS: text });
}

/**
 * MAINPID=: this process is now the service's main process (a re-exec
 * upgrade's new binary, or the child a launcher forked). Adds MAINPIDFDID=
 * where the kernel has pidfs, so a recycled PID cannot be taken for it.
 * steward refuses a PID outside the service, even from root.
 */
export function mainPid(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid < 1) throw new RangeError(`mainPid: ${pid} is not a process ID`);
  const id = pidfdId(pid);
  return notify(id === null ? { MAINPID: pid } : { MAINPID: pid, MAINPIDFDID: id });
}

/**
 * ERRNO=: why the service failed, as an errno number (2) or the name Node puts
 * in `error.code` ("ENOENT"); sent as the number, which every manager reads.
 */
export function errno(code: number | string): boolean {
  const number = typeof code === "string" ? errnoByName[code] : code;
  if (number === undefined) throw new RangeError(`errno: ${code} is not an errno name`);
  if (!Number.isSafeInteger(number) || number < 0 || number > ERRNO_MAX) {
    throw new RangeError(`errno: ${number} is not an errno number (0-${ERRNO_MAX})`);
  }
  return notify({ ERRNO: number });
}

/**
 * EXTEND_TIMEOUT_USEC=: the current state's timeout (start, stop, runtime or
 * watchdog) ends no sooner than `usec` from now. Send it again before each
 * extension runs out.
 */
export function extendTimeout(usec: number | bigint): boolean {
  const valid = typeof usec === "bigint" ? usec >= 0n : Number.isSafeInteger(usec) && usec >= 0;
  if (!valid) throw new RangeError(`extendTimeout: ${usec} is not a whole number of microseconds`);
  return notify({ EXTEND_TIMEOUT_USEC: usec });
}
