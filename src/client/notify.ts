// The service side of sd_notify(3): one datagram of KEY=VALUE lines to the
// manager that $NOTIFY_SOCKET names (steward, or systemd), optionally with fds
// (sd_notify_with_fds) or on behalf of another process (sd_pid_notify).
// Without NOTIFY_SOCKET it is a no-op that returns false, as sd_notify is.
import { formatNotify } from "../protocol/notify-message.js";
import { isSystemCallError, sendNotify, type SystemCallError } from "../sys/index.js";
import { notifySocketAddress } from "./notify-address.js";

export type NotifyValue = string | number | bigint;
/** Variables of one message, in the order they are sent; each becomes a "KEY=VALUE" line. */
export type NotifyFields = Readonly<Record<string, NotifyValue>>;

export interface NotifyOptions {
  /**
   * Send with this process's credentials (sd_pid_notify). The kernel allows
   * another PID only with CAP_SYS_ADMIN; when it refuses, the message is sent
   * again with our own credentials, as libsystemd does. 0 or our PID: ourselves.
   */
  pid?: number;
  /** Attached with SCM_RIGHTS (sd_pid_notify_with_fds); they stay ours to close. At most 253. */
  fds?: readonly number[];
  /** Drop NOTIFY_SOCKET from our environment afterwards, sent or not, so children do not inherit it. */
  unsetEnvironment?: boolean;
}

/** Sending failed: `code`, `errno` and `syscall` are the system call's. */
export class NotifyError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly address: string;

  constructor(address: string, cause: SystemCallError) {
    super(`cannot send to NOTIFY_SOCKET=${address}: ${cause.message}`, { cause });
    this.name = "NotifyError";
    this.code = cause.code;
    this.errno = cause.errno;
    this.syscall = cause.syscall;
    this.address = address;
  }
}

/** The datagram's text; throws on what a manager would split or refuse. */
export function formatFields(fields: NotifyFields): string {
  const text = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(fields)) text[key] = String(value);
  if (Object.keys(text).length === 0) throw new TypeError("notify: a message needs at least one variable");
  return formatNotify(text);
}

/**
 * Sends the fields as one datagram. Returns false when NOTIFY_SOCKET is unset
 * (nobody to tell), true once the kernel queued it: that is all "true" means,
 * as with sd_notify (use barrier() to know the manager has read it). Throws
 * TypeError/RangeError for fields that cannot be sent (newlines, "=" in a key,
 * over 4096 bytes), NotifyAddressError for an address that is not AF_UNIX, and
 * NotifyError when the kernel refuses the datagram.
 */
export function notify(fields: NotifyFields, options: NotifyOptions = {}): boolean {
  try {
    const text = formatFields(fields);
    const address = notifySocketAddress();
    if (address === null) return false;
    send(address, text, options);
    return true;
  } finally {
    if (options.unsetEnvironment) delete process.env.NOTIFY_SOCKET;
  }
}

function send(address: string, text: string, options: NotifyOptions): void {
  const pid = options.pid ?? 0;
  if (!Number.isSafeInteger(pid) || pid < 0) throw new RangeError(`notify: pid ${pid} is not a process ID`);
  const fds = options.fds ?? [];
  // libsystemd sends explicit credentials only for another PID.
  const onBehalf = pid !== 0 && pid !== process.pid ? pid : undefined;
  try {
    try {
      sendNotify(address, text, { fds, ...(onBehalf === undefined ? {} : { pid: onBehalf }) });
    } catch (error) {
      if (onBehalf === undefined) throw error;
      // libsystemd: if the other PID's credentials are refused (EPERM without
      // CAP_SYS_ADMIN, ESRCH when it is gone), send as ourselves instead.
      sendNotify(address, text, { fds });
    }
  } catch (error) {
    if (isSystemCallError(error)) throw new NotifyError(address, error);
    throw error;
  }
}
