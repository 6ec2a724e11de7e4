// The sd_notify datagram (sd_notify(3)): a block of KEY=VALUE lines. The
// parser reads it the way systemd's manager does (notify-recv.c and
// service_notify_message()) and says, in words, what it refused or ignored.
// It never touches fds: it only counts which of the attached ones a message
// uses, so the caller knows how many to close.

import { Buffer, isUtf8 } from "node:buffer";
import { parseDecimalInRange, parseDecimalU64, parsePid, UINT64_MAX } from "./decimal.js";
import { parseErrno } from "./errno.js";
import { isValidFdName } from "./listen-env.js";
import { printable } from "./printable.js";

/** Longest payload the manager reads (PIPE_BUF); a longer datagram is dropped. */
export const NOTIFY_BUFFER_MAX = 4096;
/** Most fds one message may carry before the control data is truncated. */
export const NOTIFY_FD_MAX = 768;

export type NotifyState = "ready" | "reloading" | "stopping";
export type NotifyAccess = "none" | "main" | "exec" | "all";

/**
 * Every variable of one message. Absent values are null (or false). For
 * status, busError and varlinkError the empty string means "clear it".
 */
export interface NotifyMessage {
  ready: boolean;
  reloading: boolean;
  stopping: boolean;
  /** The one state change to act on: STOPPING > READY > RELOADING. */
  state: NotifyState | null;
  monotonicUsec: number | null;
  status: string | null;
  notifyAccess: NotifyAccess | null;
  errno: number | null;
  busError: string | null;
  varlinkError: string | null;
  exitStatus: number | null;
  /** Null when MAINPIDFD=1 is present: the pidfd names the main process then. */
  mainPid: number | null;
  mainPidFdId: bigint | null;
  /** MAINPIDFD=1 with exactly one fd: that fd is the new main process. */
  mainPidFd: boolean;
  restartReset: boolean;
  watchdog: "ping" | "trigger" | null;
  /** Infinity for values beyond 2^53 µs (285 years). */
  watchdogUsec: number | null;
  extendTimeoutUsec: number | null;
  /** Store the attached fds (those MAINPIDFD=1 did not take). */
  fdStore: boolean;
  /** Remove the stored fds named fdName (never null when this is true). */
  fdStoreRemove: boolean;
  fdName: string | null;
  fdPoll: boolean;
  /** BARRIER=1: everything else is ignored; close the fd to answer. */
  barrier: boolean;
  /** Attached fds the message does not use; the caller closes them. */
  unusedFds: number;
  /** X_* and unknown keys, first occurrence of each (null prototype). */
  extra: Record<string, string>;
}

export type NotifyParse =
  | { ok: true; message: NotifyMessage; warnings: string[] }
  | { ok: false; reason: string };

// Keys whose only meaningful line is KEY=1; systemd matches the whole line.
const FLAG_KEYS = [
  "READY", "RELOADING", "STOPPING", "RESTART_RESET", "FDSTORE", "FDSTOREREMOVE", "MAINPIDFD", "BARRIER",
] as const;
const VALUE_KEYS = [
  "MONOTONIC_USEC", "STATUS", "NOTIFYACCESS", "ERRNO", "BUSERROR", "VARLINKERROR", "EXIT_STATUS",
  "MAINPID", "MAINPIDFDID", "WATCHDOG", "WATCHDOG_USEC", "EXTEND_TIMEOUT_USEC", "FDNAME", "FDPOLL",
] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set<string>([...FLAG_KEYS, ...VALUE_KEYS]);
const FLAG_KEY_SET: ReadonlySet<string> = new Set<string>(FLAG_KEYS);
const MAX_SAFE_USEC = BigInt(Number.MAX_SAFE_INTEGER);
const NOTIFY_ACCESS_VALUES: readonly string[] = ["none", "main", "exec", "all"] satisfies NotifyAccess[];

function emptyMessage(): NotifyMessage {
  return {
    ready: false, reloading: false, stopping: false, state: null,
    monotonicUsec: null, status: null, notifyAccess: null, errno: null,
    busError: null, varlinkError: null, exitStatus: null,
    mainPid: null, mainPidFdId: null, mainPidFd: false, restartReset: false,
    watchdog: null, watchdogUsec: null, extendTimeoutUsec: null,
    fdStore: false, fdStoreRemove: false, fdName: null, fdPoll: true,
    barrier: false, unusedFds: 0, extra: Object.create(null) as Record<string, string>,
  };
}

/**
 * What the lines say, looked up as systemd does. Lines are held as latin1 text (one
 * character per byte, cheap to make and exact); values that may carry UTF-8 (STATUS=,
 * X_* and unknown keys) are decoded as such when read.
 */
type Lines = {
  /** How many non-empty lines there were. */
  count: number;
  /** Whole lines, for exact flag matches ("READY=1" anywhere). */
  whole: Set<string>;
  /** First value of each key; later ones are ignored. */
  first: Map<string, string>;
  /** Keys given more than once, with their count. */
  repeats: Map<string, number> | null;
};

/** Indexes the payload's lines, split as systemd splits them: on "\n" and "\r", empty lines dropped. */
function indexLines(payload: string, warnings: string[]): Lines {
  const lines: Lines = { count: 0, whole: new Set(), first: new Map(), repeats: null };
  let start = 0;
  for (let i = 0; i <= payload.length; i++) {
    const code = i === payload.length ? 0x0a : payload.charCodeAt(i);
    if (code !== 0x0a && code !== 0x0d) continue;
    if (i > start) indexLine(lines, payload.slice(start, i), warnings);
    start = i + 1;
  }
  return lines;
}

function indexLine(lines: Lines, line: string, warnings: string[]): void {
  lines.count++;
  const equals = line.indexOf("=");
  if (equals <= 0) {
    // systemd looks keys up by "KEY=" prefix, so such a line never matches.
    warnings.push(`line "${printable(utf8(line))}" is not KEY=VALUE and is ignored`);
    return;
  }
  lines.whole.add(line);
  const key = line.slice(0, equals);
  if (!lines.first.has(key)) lines.first.set(key, line.slice(equals + 1));
  else {
    lines.repeats ??= new Map();
    lines.repeats.set(key, (lines.repeats.get(key) ?? 1) + 1);
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Latin1 text (bytes) read as UTF-8; invalid sequences become U+FFFD. */
function utf8(bytes: string): string {
  return NON_ASCII.test(bytes) ? Buffer.from(bytes, "latin1").toString("utf8") : bytes;
}

const FLAG_LINES: Readonly<Record<string, string>> = Object.fromEntries(FLAG_KEYS.map((key) => [key, `${key}=1`]));

function flag(lines: Lines, key: (typeof FLAG_KEYS)[number]): boolean {
  return lines.whole.has(FLAG_LINES[key]!);
}

/** The first value as text; bytes above ASCII read as U+0080..U+00FF and fail ASCII checks. */
function ascii(lines: Lines, key: string): string | undefined {
  return lines.first.get(key);
}

/** Unsigned 64-bit microseconds: null when invalid, Infinity beyond 2^53. */
function parseUsec(key: string, text: string, warnings: string[]): number | null {
  const value = parseDecimalU64(text);
  if (value === null) {
    warnings.push(`${key}=${printable(text)} is not a number of microseconds`);
    return null;
  }
  if (value <= MAX_SAFE_USEC) return Number(value);
  // UINT64_MAX is how systemd itself spells "infinity".
  if (value !== UINT64_MAX) warnings.push(`${key}=${text} is beyond 2^53 µs and is taken as infinity`);
  return Infinity;
}

// systemd's string_is_safe_ascii(): printable ASCII without quotes or backslash.
function isSafeAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text) && !/["'\\]/.test(text);
}

/**
 * Parses one datagram that carried `fdCount` fds. Refuses (ok: false) what
 * systemd drops whole: more than 4096 bytes, a NUL other than one trailing
 * NUL, more than 768 fds. Everything else parses, with a warning for each
 * value that is ignored.
 */
export function parseNotify(data: Buffer, fdCount: number): NotifyParse {
  if (!Number.isSafeInteger(fdCount) || fdCount < 0) {
    return { ok: false, reason: `fd count ${fdCount} is not a count` };
  }
  if (fdCount > NOTIFY_FD_MAX) {
    return { ok: false, reason: `${fdCount} fds exceed the limit of ${NOTIFY_FD_MAX}` };
  }
  if (data.length > NOTIFY_BUFFER_MAX) {
    return { ok: false, reason: `${data.length} bytes exceed the limit of ${NOTIFY_BUFFER_MAX}` };
  }
  const nul = data.indexOf(0);
  if (nul !== -1 && nul !== data.length - 1) {
    return { ok: false, reason: "message contains a NUL byte" };
  }
  const payload = data.toString("latin1", 0, nul === -1 ? data.length : nul);

  const warnings: string[] = [];
  const lines = indexLines(payload, warnings);
  if (lines.count === 0) warnings.push("message is empty");
  const message = emptyMessage();

  // systemd: a barrier message is only a barrier, whatever else it says.
  if (flag(lines, "BARRIER")) {
    message.barrier = true;
    message.unusedFds = fdCount;
    if (lines.count > 1) {
      warnings.push(`BARRIER=1 must be alone in its message; ${lines.count - 1} other lines are ignored`);
    }
    if (fdCount !== 1) warnings.push(`BARRIER=1 should carry exactly 1 fd, not ${fdCount}`);
    return { ok: true, message, warnings };
  }

  for (const key of FLAG_KEYS) {
    const value = ascii(lines, key);
    if (value !== undefined && !flag(lines, key)) {
      warnings.push(`${key}=${printable(value)} is ignored; only ${key}=1 means anything`);
    }
  }
  for (const [key, count] of lines.repeats ?? []) {
    if (!FLAG_KEY_SET.has(key)) {
      warnings.push(`${key}= appears ${count} times; the first one counts`);
    }
  }

  readStateFlags(lines, message);
  readMainPid(lines, message, fdCount, warnings);
  readValues(lines, message, warnings);
  readFdStore(lines, message, fdCount, warnings);

  for (const [key, value] of lines.first) {
    if (!KNOWN_KEYS.has(key)) message.extra[utf8(key)] = utf8(value);
  }
  return { ok: true, message, warnings };
}

function readStateFlags(lines: Lines, message: NotifyMessage): void {
  message.ready = flag(lines, "READY");
  message.reloading = flag(lines, "RELOADING");
  message.stopping = flag(lines, "STOPPING");
  // systemd: STOPPING wins over READY, READY over RELOADING.
  message.state = message.stopping ? "stopping" : message.ready ? "ready" : message.reloading ? "reloading" : null;
  message.restartReset = flag(lines, "RESTART_RESET");
}

function readMainPid(lines: Lines, message: NotifyMessage, fdCount: number, warnings: string[]): void {
  // systemd: MAINPIDFD=1 takes precedence; with the wrong fd count it is
  // ignored and MAINPID= is not consulted either.
  if (flag(lines, "MAINPIDFD")) {
    message.mainPidFd = fdCount === 1;
    if (fdCount !== 1) warnings.push(`MAINPIDFD=1 needs exactly 1 fd, not ${fdCount}; ignored`);
    return;
  }
  const pidText = ascii(lines, "MAINPID");
  const pidFdIdText = ascii(lines, "MAINPIDFDID");
  if (pidText === undefined) {
    if (pidFdIdText !== undefined) warnings.push("MAINPIDFDID= without MAINPID= is ignored");
    return;
  }
  const pid = parsePid(pidText);
  if (pid === null) {
    warnings.push(`MAINPID=${printable(pidText)} is not a process ID`);
    return;
  }
  if (pidFdIdText !== undefined) {
    const pidFdId = parseDecimalU64(pidFdIdText);
    if (pidFdId === null) {
      // systemd refuses the whole main PID change then.
      warnings.push(`MAINPIDFDID=${printable(pidFdIdText)} is not a pidfd ID; MAINPID= is ignored too`);
      return;
    }
    message.mainPidFdId = pidFdId;
  }
  message.mainPid = pid;
}

function readValues(lines: Lines, message: NotifyMessage, warnings: string[]): void {
  const monotonic = ascii(lines, "MONOTONIC_USEC");
  if (monotonic !== undefined) {
    const usec = parseDecimalU64(monotonic);
    // A clock reading has no "infinity"; systemd treats UINT64_MAX as "not sent".
    if (usec !== null && usec <= MAX_SAFE_USEC) message.monotonicUsec = Number(usec);
    else warnings.push(`MONOTONIC_USEC=${printable(monotonic)} is not a usable clock reading`);
  }

  const status = lines.first.get("STATUS");
  if (status !== undefined) {
    // systemd drops an invalid text but still replaces the old one: it clears.
    if (!NON_ASCII.test(status)) message.status = status;
    else if (isUtf8(Buffer.from(status, "latin1"))) message.status = utf8(status);
    else {
      warnings.push("STATUS= is not valid UTF-8; the status text is cleared");
      message.status = "";
    }
  }

  const access = ascii(lines, "NOTIFYACCESS");
  if (access !== undefined) {
    if (NOTIFY_ACCESS_VALUES.includes(access)) message.notifyAccess = access as NotifyAccess;
    else warnings.push(`NOTIFYACCESS=${printable(access)} is not one of none, main, exec, all`);
  }

  const errno = ascii(lines, "ERRNO");
  if (errno !== undefined) {
    message.errno = parseErrno(errno);
    if (message.errno === null) warnings.push(`ERRNO=${printable(errno)} is not an errno number or name`);
  }

  message.busError = readErrorName(lines, "BUSERROR", warnings);
  message.varlinkError = readErrorName(lines, "VARLINKERROR", warnings);

  const exitStatus = ascii(lines, "EXIT_STATUS");
  if (exitStatus !== undefined) {
    message.exitStatus = parseDecimalInRange(exitStatus, 0, 255);
    if (message.exitStatus === null) warnings.push(`EXIT_STATUS=${printable(exitStatus)} is not 0-255`);
  }

  const watchdog = ascii(lines, "WATCHDOG");
  if (watchdog === "1") message.watchdog = "ping";
  else if (watchdog === "trigger") message.watchdog = "trigger";
  else if (watchdog !== undefined) warnings.push(`WATCHDOG=${printable(watchdog)} is neither 1 nor trigger`);

  const watchdogUsec = ascii(lines, "WATCHDOG_USEC");
  if (watchdogUsec !== undefined) message.watchdogUsec = parseUsec("WATCHDOG_USEC", watchdogUsec, warnings);
  const extend = ascii(lines, "EXTEND_TIMEOUT_USEC");
  if (extend !== undefined) message.extendTimeoutUsec = parseUsec("EXTEND_TIMEOUT_USEC", extend, warnings);
}

function readErrorName(lines: Lines, key: "BUSERROR" | "VARLINKERROR", warnings: string[]): string | null {
  const value = ascii(lines, key);
  if (value === undefined) return null;
  if (isSafeAscii(value)) return value;
  warnings.push(`${key}=${printable(value)} is not plain ASCII and is ignored`);
  return null;
}

function readFdStore(lines: Lines, message: NotifyMessage, fdCount: number, warnings: string[]): void {
  const name = ascii(lines, "FDNAME");
  if (name !== undefined) {
    if (isValidFdName(name)) message.fdName = name;
    else warnings.push(`FDNAME=${printable(name)} is not a valid fd name (1-255 printable ASCII, no ":")`);
  }

  const poll = ascii(lines, "FDPOLL");
  if (poll === "0") message.fdPoll = false;
  else if (poll !== undefined && poll !== "1") warnings.push(`FDPOLL=${printable(poll)} is neither 0 nor 1`);

  // systemd: FDSTOREREMOVE=1 wins over FDSTORE=1 and needs a valid FDNAME=.
  if (flag(lines, "FDSTOREREMOVE")) {
    message.fdStoreRemove = message.fdName !== null;
    if (message.fdName === null) warnings.push("FDSTOREREMOVE=1 without a valid FDNAME= is ignored");
    if (flag(lines, "FDSTORE")) warnings.push("FDSTOREREMOVE=1 wins over FDSTORE=1; nothing is stored");
  } else {
    message.fdStore = flag(lines, "FDSTORE");
  }

  const taken = message.mainPidFd ? 1 : 0;
  message.unusedFds = message.fdStore ? 0 : fdCount - taken;
  if (message.unusedFds > 0) {
    warnings.push(`${message.unusedFds} extra ${message.unusedFds === 1 ? "fd" : "fds"} will be closed`);
  }
}

/**
 * A datagram for the client side: "KEY=VALUE\n" per field, in the record's
 * order. Throws on what the receiver would split or refuse: an empty key, "="
 * in a key, a newline ("\n" or "\r") or NUL anywhere, or more than 4096 bytes.
 */
export function formatNotify(fields: Record<string, string>): string {
  let text = "";
  for (const [key, value] of Object.entries(fields)) {
    if (key === "" || /[=\n\r\0]/.test(key)) {
      throw new Error(`notify key "${printable(key)}" is empty or contains "=", a newline or NUL`);
    }
    if (/[\n\r\0]/.test(value)) {
      throw new Error(`notify value of ${key}= contains a newline or NUL`);
    }
    text += `${key}=${value}\n`;
  }
  const size = Buffer.byteLength(text, "utf8");
  if (size > NOTIFY_BUFFER_MAX) {
    throw new RangeError(`notify message of ${size} bytes exceeds the limit of ${NOTIFY_BUFFER_MAX}`);
  }
  return text;
}
