#!/usr/bin/env node
// steward's command line: parses argv, talks to the manager's API, prints.
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ApiClient, ApiRequestError, ApiUnavailableError } from "../api/client.js";
import { controlSocketPath, resolveRuntimeDir } from "../api/paths.js";
import type { JobAction } from "../api/types.js";
import { formatList, formatStatus } from "./format-status.js";
// The commands that do not talk to a manager are loaded when run: `status` stays quick.
import { DAEMON_CONTROL_SUMMARY, DAEMON_CONTROL_USAGE } from "./daemon-control-usage.js";
import { NOTIFY_SUMMARY, NOTIFY_USAGE } from "./notify-usage.js";
import { RUN_USAGE } from "./run-usage.js";
import { styler } from "./style.js";
import { wholeUnitName } from "./unit-names.js";

const GLOBAL_HELP = `steward — a Linux service supervisor that speaks sd_notify, socket activation
and systemd unit files.

Usage: steward [--runtime-dir DIR] COMMAND [OPTIONS] [UNIT...]

Commands:
  up [--units DIR]... [--detach] [--ready-port [HOST:]PORT] [UNIT...]
                                      run the manager (in the foreground, or as a daemon)
  run [OPTIONS] -- CMD [ARG...]       run one command under steward (also as a container's PID 1)
  notify [--ready] [--status=TEXT]... tell the manager about this service (for shell scripts)
  daemon-control --pid-file F (--start|--stop|--reload|--check) [-- CMD...]
                                      race-free PID-file daemon control (libucw's protocol)
  start|stop|restart UNIT...          start, stop or restart units, waiting for the job
  reload|try-restart UNIT...          reload units; restart units that are running
  status [UNIT...] [--json]           show units' state (exit 3 if one is not active, 4 if unknown)
  status --ready-check                exit 0 iff every unit that should run is up (readiness probe)
  list [--json]                       list every unit
  logs [-f] [-n N] [UNIT...]          show (and follow) services' output
  daemon-reload                       re-read unit files, restarting nothing
  shutdown                            stop every unit, then the manager exits

Global options:
  --runtime-dir DIR   the manager's runtime directory (env STEWARD_RUNTIME_DIR;
                      default $XDG_RUNTIME_DIR/steward, /run/steward as root,
                      else /tmp/steward-$UID)
  -h, --help          help (also after a command: steward status --help)
  --version           show the version
`;

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, unknown>, units: string[], client: ApiClient, runtimeDir: string): Promise<number>;
}

const JOB_HELP = "  --no-block    return once the job is queued instead of when it finishes\n";

function jobCommand(action: JobAction, summary: string): Command {
  return {
    summary,
    usage: `steward ${action} UNIT... [--no-block]\n\n${summary}. Exits non-zero with a one-line reason when a job fails.\n\n${JOB_HELP}`,
    options: { "no-block": { type: "boolean" } },
    async run(values, units, client) {
      if (units.length === 0) return usageError(`${action} needs at least one unit`);
      const outcome = await client.submit({ action, units: units.map(wholeUnitName), noBlock: values["no-block"] === true });
      if (!outcome.ok) {
        process.stderr.write(`steward: ${outcome.message ?? `${action} failed`}\n`);
        return 1;
      }
      return 0;
    },
  };
}

function restartCommand(): Command {
  const plain = jobCommand("restart", "Restart units (stop, then start)");
  return {
    summary: plain.summary,
    usage: `steward restart UNIT... [--no-block | --overlap]

Restart units (stop, then start). Exits non-zero with a one-line reason when a job fails.

${JOB_HELP}  --overlap     start a new instance beside the running one, with the same
                listening sockets and a copy of the fd store; once it is ready,
                stop the old one gracefully. If the new one does not become
                ready it is stopped and the old one keeps running (exit 1).
                The unit stays active throughout. Needs a running main process.
`,
    options: { ...plain.options, overlap: { type: "boolean" } },
    async run(values, units, client, runtimeDir) {
      if (values.overlap !== true) return plain.run(values, units, client, runtimeDir);
      if (values["no-block"] === true) return usageError("--overlap waits for its outcome; it does not go with --no-block");
      if (units.length === 0) return usageError("restart needs at least one unit");
      const outcome = await client.submit({ action: "restart", units: units.map(wholeUnitName), overlap: true });
      const stream = outcome.ok ? process.stdout : process.stderr;
      for (const line of (outcome.message ?? "").split("\n").filter(Boolean)) stream.write(`steward: ${line}\n`);
      return outcome.ok ? 0 : 1;
    },
  };
}

const COMMANDS: Record<string, Command> = {
  up: {
    summary: "run the manager (in the foreground, or as a daemon)",
    usage: `steward up [--units DIR]... [--detach] [--ready-port [HOST:]PORT] [UNIT...]

Runs the manager: loads the unit directories, starts the units named (or else
every unit with an [Install] section), and stays attached. SIGTERM, SIGINT
(Ctrl-C) or SIGHUP (the terminal closing) stops every unit and ends it. Under a
supervisor that set NOTIFY_SOCKET it reports READY=1 once the initial start jobs
are done.

  --units DIR   a unit directory (repeatable; env STEWARD_UNITS, colon-separated)
  --detach      run the manager in the background instead, as a daemon with the
                locked PID file RUNTIME_DIR/manager.pid (libucw's protocol), and
                return once its API answers; exits 1 if a manager already runs
                there. Its output goes to RUNTIME_DIR/manager.log; 'steward
                shutdown' stops it.
  --ready-port [HOST:]PORT
                serve GET /ready over HTTP there (HOST defaults to 127.0.0.1):
                200 when every unit that should run is up, 503 with the reason
                otherwise (as 'steward status --ready-check'), for a container's
                readiness probe

As PID 1 (a container's init) it reaps every orphan and stops the units in
reverse dependency order on SIGTERM; it does not forward signals to services
(use 'steward run' for one command whose signals should pass through).
`,
    options: { units: { type: "string", multiple: true }, detach: { type: "boolean" }, "ready-port": { type: "string" } },
    async run(values, units, _client, runtimeDir) {
      const dirs = (values.units as string[] | undefined) ?? (process.env.STEWARD_UNITS ?? "").split(":").filter(Boolean);
      const { parseReadyAddress } = await import("../manager/ready-http.js");
      const readyPort = values["ready-port"] as string | undefined;
      const readyAddress = readyPort === undefined ? null : parseReadyAddress(readyPort);
      if (readyPort !== undefined && readyAddress === null) return usageError(`--ready-port wants PORT or HOST:PORT, not ${readyPort}`);
      if (values.detach === true) {
        if (readyAddress !== null) return usageError("--ready-port is for a foreground manager (a container's PID 1), not --detach");
        const { detachManager } = await import("./detach.js");
        const detached = await detachManager(runtimeDir, dirs);
        if (detached !== null) return detached;
      }
      const { restartWithManagerFlags } = await import("./manager-flags.js");
      restartWithManagerFlags();
      const { runForeground } = await import("../manager/foreground.js");
      return runForeground({ runtimeDir, unitDirs: dirs, units: units.map(wholeUnitName), readyAddress });
    },
  },
  run: {
    summary: "run one command under steward, without a unit file",
    usage: RUN_USAGE,
    options: {},
    async run(_values, _units, _client, runtimeDir) {
      const { runRunCommand } = await import("./run-command.js");
      return runRunCommand(ownArgs, runtimeDir);
    },
  },
  notify: {
    summary: NOTIFY_SUMMARY,
    usage: NOTIFY_USAGE,
    options: {},
    async run() {
      const { runNotifyCommand } = await import("./notify-command.js");
      return runNotifyCommand(ownArgs);
    },
  },
  "daemon-control": {
    summary: DAEMON_CONTROL_SUMMARY,
    usage: DAEMON_CONTROL_USAGE,
    options: {},
    async run() {
      const { runDaemonControl } = await import("./daemon-control-command.js");
      return runDaemonControl(ownArgs);
    },
  },
  start: jobCommand("start", "Start units, waiting until they are ready"),
  stop: jobCommand("stop", "Stop units, waiting until their processes are gone"),
  restart: restartCommand(),
  reload: jobCommand("reload", "Reload units' configuration (ExecReload= or the reload signal)"),
  "try-restart": jobCommand("try-restart", "Restart units that are running; leave the others alone"),
  status: {
    summary: "show units' state",
    usage: `steward status [UNIT...] [--json]
steward status --ready-check

Shows the state of the units named, or of every unit. Exits 3 when a named
unit is not active, 4 when a named unit does not exist.

  --json          an array of objects, one per unit (the status --json contract)
  --ready-check   exit 0 when the manager is ready: its initial start is queued,
                  no job is pending, and no loaded unit is failed, activating or
                  deactivating (inactive units are ignored); else print one line
                  saying which units are not ready and exit 1. For a container's
                  readiness probe (exec)
`,
    options: { json: { type: "boolean" }, "ready-check": { type: "boolean" } },
    async run(values, units, client) {
      if (values["ready-check"] === true) {
        if (units.length > 0 || values.json === true) return usageError("--ready-check takes no unit and no --json");
        const answer = await client.ready();
        if (answer.ready) return 0;
        process.stdout.write(`not ready: ${answer.reason ?? "unknown"}\n`);
        return 1;
      }
      const names = units.map(wholeUnitName);
      const { units: statuses, notFound } = await client.status(names);
      if (values.json) process.stdout.write(JSON.stringify(statuses, null, 2) + "\n");
      else process.stdout.write(formatStatus(statuses, styler(process.stdout)));
      for (const name of notFound) process.stderr.write(`steward: unit ${name} could not be found.\n`);
      if (notFound.length > 0) return 4;
      return names.length > 0 && statuses.some((u) => u.active !== "active" && u.active !== "reloading") ? 3 : 0;
    },
  },
  list: {
    summary: "list every unit",
    usage: `steward list [--json]

Lists every unit with its load and active state.

  --json   an array of {name, load, active, sub, description}
`,
    options: { json: { type: "boolean" } },
    async run(values, _units, client) {
      const entries = await client.list();
      process.stdout.write(values.json ? JSON.stringify(entries, null, 2) + "\n" : formatList(entries, styler(process.stdout)));
      return 0;
    },
  },
  logs: {
    summary: "show services' output",
    usage: `steward logs [-f] [-n N] [UNIT...]

Shows the last lines of the units' output (all units when none is named),
oldest first, each with its time and unit.

  -f, --follow    keep printing new lines until interrupted
  -n, --lines N   how many lines to show first (default 10)
  --json          one JSON object per line: {unit, time, stream, text}
`,
    options: { follow: { type: "boolean", short: "f" }, lines: { type: "string", short: "n" }, json: { type: "boolean" } },
    async run(values, units, client) {
      const count = values.lines === undefined ? 10 : Number(values.lines);
      if (!Number.isInteger(count) || count < 0) return usageError(`--lines wants a whole number, not ${String(values.lines)}`);
      const style = styler(process.stdout);
      const print = (line: { unit: string; time: string; stream: string; text: string }) =>
        process.stdout.write(
          values.json ? JSON.stringify(line) + "\n" : `${style("gray", line.time)} ${style("cyan", line.unit)} ${line.stream === "stderr" ? style("red", line.text) : line.text}\n`,
        );
      const names = units.map(wholeUnitName);
      if (values.follow) await client.followLogs(names, count, print);
      else (await client.logs(names, count)).forEach(print);
      return 0;
    },
  },
  "daemon-reload": {
    summary: "re-read unit files",
    usage: `steward daemon-reload

Re-reads every unit file and drop-in. Nothing is restarted: a unit whose file
changed says so in status until it is restarted.
`,
    options: {},
    async run(_values, _units, client) {
      const outcome = await client.daemonReload();
      if (!outcome.ok) process.stderr.write(`steward: ${outcome.message ?? "daemon-reload failed"}\n`);
      return outcome.ok ? 0 : 1;
    },
  },
  shutdown: {
    summary: "stop everything, then the manager exits",
    usage: `steward shutdown

Stops every unit in reverse dependency order; the manager then exits 0.
`,
    options: {},
    async run(_values, _units, client) {
      await client.shutdown();
      return 0;
    },
  },
};

/** Commands that parse their own arguments (run: everything after `--` is the command's). */
const SELF_PARSING = new Set(["run", "notify", "daemon-control"]);
let ownArgs: string[] = [];

function usageError(message: string): number {
  process.stderr.write(`steward: ${message}\nTry 'steward --help'.\n`);
  return 1;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Takes --runtime-dir out of argv wherever it stands (it is global). */
function extractRuntimeDir(argv: string[]): { rest: string[]; runtimeDir: string | undefined } {
  const rest: string[] = [];
  let runtimeDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === "--runtime-dir") runtimeDir = argv[++i];
    else if (arg.startsWith("--runtime-dir=")) runtimeDir = arg.slice("--runtime-dir=".length);
    else rest.push(arg);
  }
  return { rest, runtimeDir };
}

async function main(argv: string[]): Promise<number> {
  const { rest, runtimeDir: option } = extractRuntimeDir(argv);
  const [name, ...args] = rest;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(GLOBAL_HELP);
    return 0;
  }
  if (name === "--version") {
    process.stdout.write(`steward ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) return usageError(`unknown command '${name}'`);
  if (SELF_PARSING.has(name)) {
    if (args[0] === "--help" || args[0] === "-h") {
      process.stdout.write(`Usage: ${command.usage}`);
      return 0;
    }
    ownArgs = args;
    return command.run({}, [], new ApiClient(""), resolveRuntimeDir({ option }));
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...command.options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`Usage: ${command.usage}`);
    return 0;
  }
  const runtimeDir = resolveRuntimeDir({ option });
  const client = new ApiClient(controlSocketPath(runtimeDir));
  try {
    return await command.run(parsed.values, parsed.positionals, client, runtimeDir);
  } catch (error) {
    if (error instanceof ApiUnavailableError || error instanceof ApiRequestError) {
      process.stderr.write(`steward: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`steward: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
