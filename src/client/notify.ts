// The service side of sd_notify: tell the manager (steward, or systemd) that we
// are ready, what we are doing, and which process is our main one. A no-op
// returning false when NOTIFY_SOCKET is not set, as sd_notify(3) is.
import { sendNotify } from "../sys/index.js";

export interface NotifyOptions {
  /** Send on behalf of another PID (sd_pid_notify; needs privilege unless it is our own). */
  pid?: number;
  fds?: readonly number[];
  /** Drop NOTIFY_SOCKET from our environment afterwards, so children do not inherit it. */
  unsetEnvironment?: boolean;
}

function format(fields: Readonly<Record<string, string | number>>): string {
  let text = "";
  for (const [key, value] of Object.entries(fields)) {
    const v = String(value);
    if (key.includes("=") || key.includes("\n") || v.includes("\n") || v.includes("\0")) {
      throw new TypeError(`notify: ${key}= cannot carry a newline, NUL or '=' in its name`);
    }
    text += `${key}=${v}\n`;
  }
  return text;
}

/** Sends the fields as one datagram; returns whether there was a manager to send to. */
export function notify(fields: Readonly<Record<string, string | number>>, options: NotifyOptions = {}): boolean {
  const address = process.env.NOTIFY_SOCKET;
  if (options.unsetEnvironment) delete process.env.NOTIFY_SOCKET;
  if (!address) return false;
  sendNotify(address, format(fields), { fds: options.fds, pid: options.pid });
  return true;
}

export function ready(status?: string): boolean {
  return notify(status === undefined ? { READY: 1 } : { READY: 1, STATUS: status });
}

export function status(text: string): boolean {
  return notify({ STATUS: text });
}

export function stopping(): boolean {
  return notify({ STOPPING: 1 });
}
