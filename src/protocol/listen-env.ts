// Socket activation's environment (sd_listen_fds(3)): the manager side that
// writes LISTEN_FDS/LISTEN_FDNAMES and the service side that reads them back
// the way libsystemd's sd_listen_fds_with_names() does.

import { parseDecimalInRange, parseDecimalU64, parsePid } from "./decimal.js";
import { printable } from "./printable.js";

/** Passed fds occupy 3, 4, … contiguously. */
export const SD_LISTEN_FDS_START = 3;

/** What a receiver assumes when no name was passed. */
export const FD_NAME_UNKNOWN = "unknown";
/** Default name of an fd-store entry pushed without FDNAME=. */
export const FD_NAME_STORED = "stored";
/** Name of the per-connection socket of an Accept=yes instance. */
export const FD_NAME_CONNECTION = "connection";

const FD_NAME_MAX = 255;
// libsystemd takes up to INT_MAX - 3; we stop at the kernel's default
// fs.nr_open, so a corrupt LISTEN_FDS cannot make us build a billion entries.
const LISTEN_FDS_MAX = 1 << 20;

/**
 * systemd's fdname_is_valid(), but refusing the empty name (systemd allows
 * it): printable ASCII, no ":" (the LISTEN_FDNAMES separator), ≤ 255 chars.
 * An empty name would make a lone fd's LISTEN_FDNAMES empty, which reads
 * back ambiguously, so we never hand one out.
 */
export function isValidFdName(name: string): boolean {
  if (name.length < 1 || name.length > FD_NAME_MAX) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x3a) return false;
  }
  return true;
}

/**
 * LISTEN_FDS and LISTEN_FDNAMES for fds passed in this order starting at fd 3
 * (nothing at all when there are none, as systemd sets nothing then).
 * A name that is not valid is passed as "unknown", what the service would
 * assume without a name; the caller picks real names (the socket unit's name,
 * "stored", an FDNAME=, "connection"). LISTEN_PID is for the spawner to fill
 * in after fork.
 */
export function listenEnv(fdNames: readonly string[]): Record<string, string> {
  if (fdNames.length === 0) return {};
  const names = fdNames.map((name) => (isValidFdName(name) ? name : FD_NAME_UNKNOWN));
  return { LISTEN_FDS: String(names.length), LISTEN_FDNAMES: names.join(":") };
}

export type ListenedFd = { fd: number; name: string };

/**
 * The fds this process was given. Like libsystemd: no LISTEN_PID, a LISTEN_PID
 * of another process (the variables were meant for an ancestor), a
 * LISTEN_PIDFDID that differs from `ownPidFdId` (when the caller knows it), or
 * no LISTEN_FDS → no fds, not an error. Unparsable values, LISTEN_FDS < 1, or
 * a name count that differs from the fd count → error. Without LISTEN_FDNAMES
 * every fd is "unknown".
 */
export function parseListenEnv(
  env: Record<string, string | undefined>,
  ownPid: number,
  ownPidFdId?: bigint,
): { fds: ListenedFd[] } | { error: string } {
  const none = { fds: [] };
  const pidText = env["LISTEN_PID"];
  if (pidText === undefined) return none;
  const pid = parsePid(pidText);
  if (pid === null) return { error: `LISTEN_PID=${printable(pidText)} is not a process ID` };
  if (pid !== ownPid) return none;

  const pidFdIdText = env["LISTEN_PIDFDID"];
  if (pidFdIdText !== undefined) {
    const pidFdId = parseDecimalU64(pidFdIdText);
    if (pidFdId === null) return { error: `LISTEN_PIDFDID=${printable(pidFdIdText)} is not a pidfd ID` };
    if (ownPidFdId !== undefined && pidFdId !== ownPidFdId) return none;
  }

  const countText = env["LISTEN_FDS"];
  if (countText === undefined) return none;
  const count = parseDecimalInRange(countText, 1, LISTEN_FDS_MAX);
  if (count === null) return { error: `LISTEN_FDS=${printable(countText)} is not an fd count (1-${LISTEN_FDS_MAX})` };

  const namesText = env["LISTEN_FDNAMES"];
  // Split without merging empty fields: "a::b" is three names.
  const names = namesText === undefined ? new Array<string>(count).fill(FD_NAME_UNKNOWN) : namesText.split(":");
  if (names.length !== count) {
    return { error: `LISTEN_FDNAMES has ${names.length} names for LISTEN_FDS=${count}` };
  }
  return { fds: names.map((name, i) => ({ fd: SD_LISTEN_FDS_START + i, name })) };
}
