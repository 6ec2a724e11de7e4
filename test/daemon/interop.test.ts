// The same scenario through libucw's own ucw-daemon-control and through
// `steward daemon-control` gives the same exit codes. libucw is rarely
// packaged: the test runs where the utility is on PATH or named by
// STEWARD_UCW_DAEMON_CONTROL, and is skipped (with the reason) elsewhere;
// docs/daemon-control.md maps every exit code to libucw's meaning for them.
import assert from "node:assert/strict";
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { after, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { daemonControl, pidFileState, runProcess, shDaemonCommand, shDaemonUnavailable, tempDir, which } from "./harness.js";

function findUcwDaemonControl(): string | null {
  const named = process.env.STEWARD_UCW_DAEMON_CONTROL;
  const candidates = named ? [named] : (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "ucw-daemon-control"));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const ucw = findUcwDaemonControl();
const root = tempDir("interop");
after(() => root.remove());

type Step =
  | { args: (pidFile: string, dir: string) => string[] }
  | { crash: true }
  | { write: string };

const scenario: Step[] = [
  { args: (p) => ["--check", "--pid-file", p] },
  { args: (p) => ["--stop", "--pid-file", p] },
  { args: (p) => ["--reload", "--pid-file", p] },
  { args: (p, d) => ["--start", "--pid-file", p, "--", ...shDaemonCommand(p, d)] },
  { args: (p, d) => ["--start", "--pid-file", p, "--", ...shDaemonCommand(p, d)] },
  { args: (p) => ["--check", "--pid-file", p] },
  { args: (p) => ["--reload", "--pid-file", p] },
  { args: (p) => ["--reload", "--pid-file", p, "--signal", "SIGHUP"] },
  { args: (p) => ["--stop", "--pid-file", p] },
  { args: (p) => ["--stop", "--pid-file", p] },
  { args: (p) => ["--check", "--pid-file", p] },
  { args: (p, d) => ["--start", "--pid-file", p, `--guard-file=${join(d, "g")}`, "--", ...shDaemonCommand(p, d)] },
  { crash: true },
  { args: (p) => ["--check", "--pid-file", p] },
  { args: (p) => ["--reload", "--pid-file", p] },
  { args: (p) => ["--stop", "--pid-file", p] },
  { args: (p, d) => ["--start", "--pid-file", p, "--", ...shDaemonCommand(p, d)] },
  { args: (p) => ["--stop", "--pid-file", p] },
  { args: (p, d) => ["--start", "--pid-file", p, "--", join(d, "missing")] },
  { args: (p) => ["--start", "--pid-file", p, "--", which("false")] },
  { write: "12345678901234567890" },
  { args: (p) => ["--check", "--pid-file", p] },
  { args: (p) => ["--stop", "--pid-file", p] },
  { args: (p) => ["--reload", "--pid-file", p] },
  { args: (p) => ["--start", "--pid-file", p, "--", which("true")] },
  { write: "" },
  { args: () => [] },
  { args: () => ["--check"] },
  { args: (p) => ["--pid-file", p] },
  { args: (p) => ["--start", "--pid-file", p] },
  { args: (p) => ["--stop", "--pid-file", p, "extra"] },
  { args: (_p, d) => ["--check", "--pid-file", join(d, "no-suffix")] },
  { args: (p) => ["--check", "--pid-file", p, "--bogus"] },
  { args: (p) => ["--check", "--pid-file", p, "--signal", "SIGNOPE"] },
  { args: (p) => ["--che", "--pid", p] },
];

async function play(tool: (args: string[]) => Promise<number>, name: string): Promise<number[]> {
  const dir = join(root.path, name);
  mkdirSync(dir);
  const pidFile = join(dir, "d.pid");
  const codes: number[] = [];
  for (const step of scenario) {
    if ("crash" in step) {
      const state = pidFileState(pidFile);
      assert.equal(state.kind, "running");
      if (state.kind === "running") process.kill(-state.pid, "SIGKILL");
      await waitUntil(() => (pidFileState(pidFile).kind === "stale" ? true : undefined), "the killed daemon's lock to go");
      rmSync(join(dir, "instance"), { recursive: true });
    } else if ("write" in step) {
      writeFileSync(pidFile, step.write);
    } else {
      codes.push(await tool(step.args(pidFile, dir)));
    }
  }
  return codes;
}

test("interop: libucw's ucw-daemon-control and steward daemon-control give the same exit codes", { skip: (ucw === null && "libucw's ucw-daemon-control is not installed (set STEWARD_UCW_DAEMON_CONTROL)") || (shDaemonUnavailable ?? false) }, async () => {
  const libucw = await play(async (args) => (await runProcess(ucw as string, args)).code, "libucw");
  const steward = await play(async (args) => (await daemonControl(args)).code, "steward");
  assert.deepEqual(steward, libucw);
  assert.ok(libucw.includes(103) && libucw.includes(102) && libucw.includes(101) && libucw.includes(100), libucw.join(" "));
});

test("interop: the scenario's exit codes for steward, as libucw documents them", { skip: shDaemonUnavailable ?? false }, async () => {
  const steward = await play(async (args) => (await daemonControl(args)).code, "documented");
  assert.deepEqual(steward, [
    101, 100, 101, 0, 100, 0, 0, 0, 0, 100, 101, 0, // check, stop, reload, start, ..., start with --guard-file=
    103, 101, 103, 103, 0, // stale: check, reload, stop, start (a success), stop
    102, 102, // cannot execute; launcher failed
    102, 102, 102, 102, // a PID file of 16 bytes or more
    1, 1, 1, 1, 1, 1, 1, 1, // usage
    101, // abbreviated options
  ]);
});
