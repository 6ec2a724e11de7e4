// `steward run -- CMD ARG...`: one supervised command without writing a unit file,
// for dev loops and container entrypoints. steward writes the unit itself (into
// the runtime directory), runs the manager in the foreground, and exits with the
// command's exit status once it has ended for good.
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, delimiter, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { FORWARD_TARGETS, type ForwardTarget } from "../manager/signal-forwarding.js";
import { execLine, plainValue } from "../units/exec-writer.js";
import { isValidEnvironmentAssignment } from "../units/exec-settings.js";
import { restartWithManagerFlags } from "./manager-flags.js";
export { RUN_USAGE } from "./run-usage.js";


const TYPES = new Set(["simple", "exec", "notify", "notify-reload", "forking", "oneshot", "stop"]);
const RESTARTS = new Set(["no", "on-failure", "on-abnormal", "on-abort", "on-watchdog", "on-success", "always"]);

function resolveCommand(command: string): { path: string } | { code: number; message: string } {
  const candidates = command.includes("/")
    ? [isAbsolute(command) ? command : resolve(command)]
    : (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  let found: string | null = null;
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.F_OK);
    } catch {
      continue;
    }
    found ??= candidate;
    try {
      accessSync(candidate, constants.X_OK);
      return { path: candidate };
    } catch {
      // exists but not executable: keep looking on PATH, as a shell does
    }
  }
  return found
    ? { code: 126, message: `${found}: permission denied` }
    : { code: 127, message: `${command}: command not found` };
}

/** A unit name from a command: its file name, in the characters unit names allow. */
function unitNameFor(command: string): string {
  const name = basename(command).replace(/[^A-Za-z0-9:_.\\-]/g, "_") || "run";
  return `${name}.service`;
}

export interface RunPlan {
  unitName: string;
  unitText: string;
  /** The socket unit for --listen, beside the service. */
  socket: { name: string; text: string } | null;
  forwardTo: ForwardTarget;
}

export function planRun(argv: string[]): RunPlan | { code: number; message: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        name: { type: "string" },
        type: { type: "string", default: "exec" },
        restart: { type: "string", default: "no" },
        "restart-sec": { type: "string" },
        env: { type: "string", short: "E", multiple: true },
        listen: { type: "string", multiple: true },
        fdstore: { type: "string" },
        "forward-to": { type: "string", default: "main" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return { code: 1, message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (command === undefined) return { code: 1, message: "run needs a command: steward run [OPTIONS] -- CMD [ARG...]" };
  if (!TYPES.has(values.type)) return { code: 1, message: `--type: unknown type ${values.type}` };
  if (!RESTARTS.has(values.restart)) return { code: 1, message: `--restart: unknown policy ${values.restart}` };
  const forwardTo = FORWARD_TARGETS.find((target) => target === values["forward-to"]);
  if (forwardTo === undefined) return { code: 1, message: `--forward-to: main or group, not ${values["forward-to"]}` };
  for (const assignment of values.env ?? []) {
    if (!isValidEnvironmentAssignment(assignment)) return { code: 1, message: `--env: not a VAR=VALUE assignment: ${assignment}` };
  }
  const fdStoreMax = values.fdstore === undefined ? 0 : Number(values.fdstore);
  if (!Number.isInteger(fdStoreMax) || fdStoreMax < 0) return { code: 1, message: `--fdstore wants a whole number, not ${values.fdstore}` };
  const listeners = (values.listen ?? []).map((address) =>
    address.startsWith("udp:") ? `ListenDatagram=${plainValue(address.slice(4))}` : `ListenStream=${plainValue(address)}`,
  );
  const program = resolveCommand(command);
  if (!("path" in program)) return program;
  const unitName = values.name ? (values.name.endsWith(".service") ? values.name : `${values.name}.service`) : unitNameFor(command);
  const lines = [
    "[Unit]",
    `Description=${plainValue([command, ...args].join(" "))}`,
    "",
    "[Service]",
    `Type=${values.type}`,
    `ExecStart=${execLine([program.path, ...args])}`,
    `WorkingDirectory=${plainValue(process.cwd())}`,
    `Restart=${values.restart}`,
    ...(values["restart-sec"] ? [`RestartSec=${values["restart-sec"]}`] : []),
    ...(values.env ?? []).map((assignment) => `Environment=${execLine([assignment])}`),
    ...(fdStoreMax > 0 ? [`FileDescriptorStoreMax=${fdStoreMax}`] : []),
    ...(listeners.length > 0 ? [`Sockets=${unitName.replace(/\.service$/, ".socket")}`] : []),
    "StandardInput=tty",
    "StandardOutput=tty",
    "StandardError=tty",
    "",
  ];
  const socket = listeners.length === 0 ? null : {
    name: unitName.replace(/\.service$/, ".socket"),
    text: ["[Socket]", ...listeners, `Service=${unitName}`, ""].join("\n"),
  };
  return { unitName, unitText: lines.join("\n"), socket, forwardTo };
}

export async function runRunCommand(argv: string[], runtimeDir: string): Promise<number> {
  const plan = planRun(argv);
  if ("code" in plan) {
    process.stderr.write(`steward run: ${plan.message}\n`);
    return plan.code;
  }
  restartWithManagerFlags(); // before anything is written: the new image plans again
  const unitDir = join(runtimeDir, "run-units");
  rmSync(unitDir, { recursive: true, force: true });
  mkdirSync(unitDir, { recursive: true, mode: 0o755 });
  writeFileSync(join(unitDir, plan.unitName), plan.unitText);
  if (plan.socket) writeFileSync(join(unitDir, plan.socket.name), plan.socket.text);
  const { runForeground } = await import("../manager/foreground.js");
  return runForeground({ runtimeDir, unitDirs: [unitDir], units: [plan.unitName], mainUnit: plan.unitName, forwardTo: plan.forwardTo });
}
