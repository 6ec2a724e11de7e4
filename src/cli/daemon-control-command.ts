// `steward daemon-control`: libucw's ucw-daemon-control, same options, same
// exit codes, so scripts written for it keep working (docs/daemon-control.md).
// Arguments are read as GNU getopt_long reads them for the utility (which has
// long options only): `--opt value` or `--opt=value`, unambiguous prefixes of
// libucw's own options (`--pid` for `--pid-file`), non-options anywhere
// (collected, in order, into the daemon's command) unless POSIXLY_CORRECT is
// set, and `--` ending the options. steward's additions must be spelled out.
import { controlDaemon, type DaemonAction, type DaemonControlRequest } from "../daemon/control.js";
import { defaultGuardFile } from "../daemon/guard.js";
import { parseSignal } from "../protocol/signals.js";
import { DaemonControlStatus } from "../protocol/ucw-status.js";
export { DAEMON_CONTROL_SUMMARY, DAEMON_CONTROL_USAGE } from "./daemon-control-usage.js";
import { DAEMON_CONTROL_USAGE } from "./daemon-control-usage.js";



export interface DaemonControlIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  env?: NodeJS.ProcessEnv;
}

interface OptionSpec {
  name: string;
  takesValue: boolean;
  /** libucw's own options may be abbreviated, steward's additions may not. */
  fromLibucw: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  { name: "pid-file", takesValue: true, fromLibucw: true },
  { name: "guard-file", takesValue: true, fromLibucw: true },
  { name: "signal", takesValue: true, fromLibucw: true },
  { name: "start", takesValue: false, fromLibucw: true },
  { name: "stop", takesValue: false, fromLibucw: true },
  { name: "check", takesValue: false, fromLibucw: true },
  { name: "reload", takesValue: false, fromLibucw: true },
  { name: "status", takesValue: false, fromLibucw: false },
  { name: "keeper", takesValue: false, fromLibucw: false },
  { name: "log", takesValue: true, fromLibucw: false },
  { name: "timeout", takesValue: true, fromLibucw: false },
  { name: "help", takesValue: false, fromLibucw: false },
];

const ACTIONS: Readonly<Record<string, DaemonAction>> = {
  start: "start",
  stop: "stop",
  check: "check",
  status: "check",
  reload: "reload",
};

class UsageError extends Error {}

/** Exact name first, then a unique prefix of one of libucw's options (getopt_long's rule). */
function findOption(name: string): OptionSpec {
  const exact = OPTIONS.find((option) => option.name === name);
  if (exact) return exact;
  const candidates = OPTIONS.filter((option) => option.fromLibucw && option.name.startsWith(name));
  if (candidates.length === 1 && candidates[0]) return candidates[0];
  if (candidates.length > 1) throw new UsageError(`option '--${name}' is ambiguous`);
  throw new UsageError(`unrecognized option '--${name}'`);
}

interface ParsedArguments {
  help: boolean;
  action: DaemonAction | null;
  pidFile: string | null;
  guardFile: string | null;
  signal: number | null;
  keeper: boolean;
  log: string | null;
  timeoutMs: number | null | undefined;
  command: string[];
}

function parseTimeout(text: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new UsageError(`invalid --timeout ${JSON.stringify(text)}: seconds expected`);
  return Math.round(Number(text) * 1000);
}

function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArguments {
  const parsed: ParsedArguments = {
    help: false, action: null, pidFile: null, guardFile: null, signal: null,
    keeper: false, log: null, timeoutMs: undefined, command: [],
  };
  const nonOptions: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === "--") {
      rest = argv.slice(i + 1);
      break;
    }
    if (word.startsWith("--")) {
      const body = word.slice(2);
      const equals = body.indexOf("=");
      const option = findOption(equals < 0 ? body : body.slice(0, equals));
      let value: string | undefined = equals < 0 ? undefined : body.slice(equals + 1);
      if (option.takesValue && value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`option '--${option.name}' requires an argument`);
      } else if (!option.takesValue && value !== undefined) {
        throw new UsageError(`option '--${option.name}' doesn't allow an argument`);
      }
      applyOption(parsed, option.name, value);
    } else if (word.startsWith("-") && word !== "-") {
      if (word !== "-h") throw new UsageError(`invalid option -- '${word.slice(1, 2)}'`);
      parsed.help = true;
    } else if (env.POSIXLY_CORRECT !== undefined) {
      rest = argv.slice(i);
      break;
    } else {
      nonOptions.push(word);
    }
  }
  parsed.command = [...nonOptions, ...rest];
  return parsed;
}

function applyOption(parsed: ParsedArguments, name: string, value: string | undefined): void {
  const action = ACTIONS[name];
  if (action !== undefined) {
    parsed.action = action; // as with getopt's flag options, the last one wins
    return;
  }
  switch (name) {
    case "pid-file":
      parsed.pidFile = value ?? null;
      return;
    case "guard-file":
      parsed.guardFile = value ?? null;
      return;
    case "signal": {
      const signal = parseSignal(value ?? "");
      if (signal === null) throw new UnknownSignal(value ?? "");
      parsed.signal = signal;
      return;
    }
    case "keeper":
      parsed.keeper = true;
      return;
    case "log":
      parsed.log = value ?? null;
      return;
    case "timeout":
      parsed.timeoutMs = parseTimeout(value ?? "");
      return;
    case "help":
      parsed.help = true;
      return;
  }
}

// libucw reports an unknown signal on a line of its own, without the usage text.
class UnknownSignal extends Error {
  constructor(readonly text: string) {
    super(`Unknown signal ${text}`);
  }
}

/** The request the arguments ask for, or why they are not valid. */
function buildRequest(parsed: ParsedArguments, env: NodeJS.ProcessEnv): DaemonControlRequest {
  if (parsed.pidFile === null || parsed.action === null) {
    throw new UsageError(parsed.pidFile === null ? "--pid-file is mandatory" : "no action given (--start, --stop, --reload or --check)");
  }
  if (parsed.action === "start" && parsed.command.length === 0) throw new UsageError("--start needs the daemon's command");
  if (parsed.action !== "start" && parsed.command.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.command[0])} (only --start takes a command)`);
  }
  if (parsed.keeper && parsed.action !== "start") throw new UsageError("--keeper goes with --start");
  if (parsed.log !== null && !parsed.keeper) throw new UsageError("--log goes with --keeper");
  const request: DaemonControlRequest = { action: parsed.action, pidFile: parsed.pidFile, env };
  if (parsed.guardFile !== null) request.guardFile = parsed.guardFile;
  if (parsed.signal !== null) request.signal = parsed.signal;
  if (parsed.timeoutMs !== undefined) request.timeoutMs = parsed.timeoutMs;
  if (parsed.action === "start") request.command = parsed.command;
  if (parsed.keeper) request.keeper = { log: parsed.log };
  return request;
}

/**
 * Runs `steward daemon-control ARGS...` (argv: the words after "daemon-control")
 * and returns the exit code: 0, 1 (usage), 100-103 (DaemonControlStatus).
 * Prints nothing on success, as ucw-daemon-control; the reason on stderr
 * when the action fails.
 */
export async function runDaemonControl(argv: string[], io: DaemonControlIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  let request: DaemonControlRequest;
  try {
    const parsed = parseArguments(argv, env);
    if (parsed.help) {
      stdout.write(DAEMON_CONTROL_USAGE);
      return 0;
    }
    request = buildRequest(parsed, env);
  } catch (failure) {
    if (failure instanceof UnknownSignal) {
      stderr.write(`steward daemon-control: ${failure.message}\n`);
      return DaemonControlStatus.usage;
    }
    if (failure instanceof UsageError) {
      stderr.write(`steward daemon-control: ${failure.message}\n\n${DAEMON_CONTROL_USAGE}`);
      return DaemonControlStatus.usage;
    }
    throw failure;
  }
  if (request.guardFile === undefined && defaultGuardFile(request.pidFile) === null) {
    stderr.write("steward daemon-control: For automatic choice of --guard-file, the --pid-file must end with `.pid'\n");
    return DaemonControlStatus.usage;
  }
  try {
    const outcome = await controlDaemon(request);
    if (outcome.status === DaemonControlStatus.error) stderr.write(`steward daemon-control: ${outcome.message}\n`);
    return outcome.status;
  } catch (failure) {
    stderr.write(`steward daemon-control: ${failure instanceof Error ? failure.message : String(failure)}\n`);
    return DaemonControlStatus.error;
  }
}
