// libucw's daemon-control statuses (enum daemon_control_status), which are
// also the exit codes of ucw-daemon-control and `steward daemon-control`.

export const DaemonControlStatus = {
  /** Action performed, or (for --check) the daemon is running. */
  ok: 0,
  /** Invalid arguments or usage (the utility's exit code, not in the enum). */
  usage: 1,
  /** Already in the requested state: start while running, stop while stopped. */
  already: 100,
  /** The action needs a running daemon and there is none (--check, --reload). */
  notRunning: 101,
  /** The action failed; the utility prints why on stderr. */
  error: 102,
  /** Undefined state, e.g. a stale PID file; for --start it still means success. */
  stale: 103,
} as const;

export type DaemonControlStatusCode = (typeof DaemonControlStatus)[keyof typeof DaemonControlStatus];

const DESCRIPTIONS: ReadonlyMap<number, string> = new Map([
  [DaemonControlStatus.ok, "success"],
  [DaemonControlStatus.usage, "invalid arguments"],
  [DaemonControlStatus.already, "already in the requested state"],
  [DaemonControlStatus.notRunning, "the daemon is not running"],
  [DaemonControlStatus.error, "the action failed"],
  [DaemonControlStatus.stale, "undefined state (stale PID file)"],
]);

export function isDaemonControlStatus(code: number): code is DaemonControlStatusCode {
  return DESCRIPTIONS.has(code);
}

/** A short phrase for a status or exit code: "the daemon is not running". */
export function describeDaemonControlStatus(code: number): string {
  return DESCRIPTIONS.get(code) ?? `unknown status ${code}`;
}
