// `steward notify`: systemd-notify(1) for shell scripts run by steward (or by
// systemd). It sends one message and then, unless --no-block, a BARRIER=1 and
// waits for the manager to close it, so the message has been attributed to
// this process's service before the process exits.
import { parseArgs } from "node:util";
import { barrier, BarrierTimeoutError, DEFAULT_BARRIER_TIMEOUT_MS } from "../client/barrier.js";
import { monotonicUsec } from "../client/lifecycle.js";
import { notify } from "../client/notify.js";
import { pidfdId } from "../client/pidfd-id.js";
import { parseDecimalInRange, parsePid } from "../protocol/decimal.js";
import { isValidFdName } from "../protocol/listen-env.js";
import { printable } from "../protocol/printable.js";
import { inspectFd, isSystemCallError } from "../sys/index.js";
export { NOTIFY_SUMMARY, NOTIFY_USAGE } from "./notify-usage.js";
import { NOTIFY_USAGE } from "./notify-usage.js";



export interface NotifyCommandIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** How long to wait for the barrier; systemd-notify's 5 s by default. */
  barrierTimeoutMs?: number;
}

// systemd-notify options steward does not offer (see docs/notify.md).
const UNSUPPORTED: Readonly<Record<string, string>> = {
  "--booted": "--booted asks whether systemd booted the machine; test $NOTIFY_SOCKET instead",
  "--exec": "--exec is not offered: run the command after steward notify",
  "--uid": "--uid is not offered",
  "--version": "--version: use steward --version",
};

class UsageError extends Error {}

interface NotifyRequest {
  fields: Map<string, string>;
  fds: number[];
  noBlock: boolean;
}

/**
 * Runs `steward notify ARGS...` (argv: the words after "notify") and returns
 * the exit status. Writes only to the given streams (process.stdout/stderr by
 * default) and never exits the process.
 */
export async function runNotifyCommand(argv: string[], io: NotifyCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const fail = (message: string): number => {
    stderr.write(`steward notify: ${message}\n`);
    return 1;
  };

  let request: NotifyRequest | "help";
  try {
    request = parseRequest(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error;
    return fail(`${error.message}\nTry 'steward notify --help'.`);
  }
  if (request === "help") {
    stdout.write(`Usage: ${NOTIFY_USAGE}`);
    return 0;
  }
  if (request.fields.size === 0) {
    // systemd-notify: nothing to say is a usage error.
    stderr.write(`Usage: ${NOTIFY_USAGE}`);
    return 1;
  }

  const sender = callerPid();
  let sent: boolean;
  try {
    sent = notify(Object.fromEntries(request.fields), { pid: sender, fds: request.fds });
  } catch (error) {
    return fail(messageOf(error));
  }
  if (!sent) return fail("no status data could be sent: $NOTIFY_SOCKET is not set");
  if (request.noBlock) return 0;

  try {
    await barrier(io.barrierTimeoutMs ?? DEFAULT_BARRIER_TIMEOUT_MS, { pid: sender });
  } catch (error) {
    if (error instanceof BarrierTimeoutError) {
      return fail(`the service manager did not confirm the message within ${error.timeoutMs} ms (barrier timed out)`);
    }
    return fail(`cannot wait for the service manager: ${messageOf(error)}`);
  }
  return 0;
}

/** util.parseArgs reports unknown options and missing values as TypeErrors with an ERR_PARSE_ARGS_* code. */
function isParseArgsError(error: unknown): error is TypeError {
  return error instanceof TypeError && String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseRequest(argv: readonly string[]): NotifyRequest | "help" {
  const args = normalizeArgs(argv);
  const { values, positionals } = parseArgs({
    args,
    options: {
      ready: { type: "boolean" },
      reloading: { type: "boolean" },
      stopping: { type: "boolean" },
      status: { type: "string" },
      pid: { type: "string" },
      fd: { type: "string", multiple: true },
      fdname: { type: "string" },
      "no-block": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return "help";

  const fds = parseFds(values.fd ?? []);
  if (values.fdname !== undefined) {
    if (fds.length === 0) throw new UsageError("--fdname= needs at least one --fd=");
    if (!isValidFdName(values.fdname)) {
      throw new UsageError(`--fdname=${printable(values.fdname)} is not an fd name (1-255 printable ASCII characters, no ":")`);
    }
  }

  // The order systemd-notify uses; VARIABLE=VALUE arguments replace in place or append.
  const fields = new Map<string, string>();
  if (values.reloading) {
    fields.set("RELOADING", "1");
    fields.set("MONOTONIC_USEC", String(monotonicUsec()));
  }
  if (values.ready) fields.set("READY", "1");
  if (values.stopping) fields.set("STOPPING", "1");
  if (values.status !== undefined) fields.set("STATUS", values.status);
  if (values.pid !== undefined) {
    const mainPid = resolvePid(values.pid);
    fields.set("MAINPID", String(mainPid));
    const id = pidfdId(mainPid);
    if (id !== null) fields.set("MAINPIDFDID", String(id));
  }
  if (fds.length > 0) {
    fields.set("FDSTORE", "1");
    if (values.fdname !== undefined) fields.set("FDNAME", values.fdname);
  }
  for (const assignment of positionals) {
    const equals = assignment.indexOf("=");
    if (equals <= 0) throw new UsageError(`"${printable(assignment)}" is not a VARIABLE=VALUE assignment`);
    fields.set(assignment.slice(0, equals), assignment.slice(equals + 1));
  }
  return { fields, fds, noBlock: values["no-block"] === true };
}

/**
 * getopt's optional argument: "--pid" alone means "--pid=auto" and never takes
 * the next word (util.parseArgs would). Refuses systemd-notify's options that
 * steward does not offer, by name.
 */
function normalizeArgs(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      args.push(...argv.slice(i));
      break;
    }
    const option = arg.split("=", 1)[0] ?? arg;
    const unsupported = UNSUPPORTED[option];
    if (unsupported !== undefined) throw new UsageError(unsupported);
    args.push(arg === "--pid" ? "--pid=auto" : arg);
  }
  return args;
}

function parseFds(texts: readonly string[]): number[] {
  const fds: number[] = [];
  for (const text of texts) {
    const fd = parseDecimalInRange(text, 0, 2 ** 31 - 1);
    if (fd === null) throw new UsageError(`--fd=${printable(text)} is not an fd number`);
    if (fds.includes(fd)) throw new UsageError(`--fd=${fd} is given more than once`);
    checkOpen(fd);
    fds.push(fd);
  }
  return fds;
}

/**
 * The fd must be open. Whether the caller really passed it cannot be told:
 * Node marks inherited fds close-on-exec at start-up (uv_disable_stdio_inheritance),
 * just like the ones it opens for itself, so a wrong number may name one of
 * Node's own fds (systemd-notify snapshots its fds at start, which JavaScript
 * runs too late to do).
 */
function checkOpen(fd: number): void {
  try {
    inspectFd(fd);
  } catch (error) {
    if (isSystemCallError(error, "EBADF")) throw new UsageError(`--fd=${fd}: fd ${fd} is not open`);
    throw error;
  }
}

/** --pid's value: a number, "parent", "self", or "auto" (the parent unless that is PID 1 or the manager). */
function resolvePid(text: string): number {
  switch (text) {
    case "auto":
    case "":
      return callerPid();
    case "parent":
      return process.ppid;
    case "self":
      return process.pid;
    default: {
      const pid = parsePid(text);
      if (pid === null) throw new UsageError(`--pid=${printable(text)} is not a PID, "parent", "self" or "auto"`);
      return pid;
    }
  }
}

/**
 * Whom the message is from, as systemd-notify decides: our parent (the shell
 * script that ran us), unless that is PID 1 or $MANAGERPID (we were started by
 * the manager itself), then ourselves. Sending as the parent needs
 * CAP_SYS_ADMIN; without it notify() falls back to our own credentials.
 */
function callerPid(): number {
  const parent = process.ppid;
  const managerText = process.env.MANAGERPID;
  const manager = managerText === undefined ? null : parsePid(managerText);
  return parent <= 1 || parent === manager ? process.pid : parent;
}
