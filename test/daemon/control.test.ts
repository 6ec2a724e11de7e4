// Each action and each exit code of `steward daemon-control`, run as its own
// process the way scripts run ucw-daemon-control, against a libucw-style
// daemon (test/fixtures/daemon-sh.sh).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { checkDaemon, reloadDaemon, startDaemon, stopDaemon } from "../../src/daemon/control.js";
import { lockPidFile } from "../../src/daemon/pid-file.js";
import { DaemonControlStatus } from "../../src/protocol/ucw-status.js";
import { openFds } from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";
import {
  daemonControl, isAlive, pidFileState, readJournal, shDaemonCommand, shDaemonUnavailable, tempDir, which, type Invocation,
} from "./harness.js";

const root = tempDir("control");
after(() => root.remove());
let serial = 0;

/** A fresh directory with a PID file path in it. */
function freshScene(): { dir: string; pidFile: string } {
  const dir = join(root.path, `s${serial++}`);
  mkdirSync(dir);
  return { dir, pidFile: join(dir, "d.pid") };
}

function expectCode(run: Invocation, code: number): void {
  assert.equal(run.code, code, `${run.args.join(" ")} exited ${run.code}, stderr: ${run.stderr}`);
}

/** Two turns of the event loop: handles closed before have given their fds back. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

test("daemon-control: start, check, reload, stop and their exit codes on a self-daemonizing daemon", { skip: shDaemonUnavailable ?? false }, async () => {
  const { dir, pidFile } = freshScene();
  const pf = ["--pid-file", pidFile];
  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.notRunning);
  expectCode(await daemonControl(["--stop", ...pf]), DaemonControlStatus.already);
  expectCode(await daemonControl(["--reload", ...pf]), DaemonControlStatus.notRunning);

  const start = await daemonControl(["--start", ...pf, "--", ...shDaemonCommand(pidFile, dir)]);
  expectCode(start, DaemonControlStatus.ok);
  assert.equal(start.stdout + start.stderr, "", "nothing is printed on success, as ucw-daemon-control");
  const state = pidFileState(pidFile);
  assert.equal(state.kind, "running");
  const pid = state.kind === "running" ? state.pid : 0;
  assert.ok(isAlive(pid));

  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.ok);
  expectCode(await daemonControl(["--status", ...pf]), DaemonControlStatus.ok);
  expectCode(await daemonControl(["--start", ...pf, "--", ...shDaemonCommand(pidFile, dir)]), DaemonControlStatus.already);
  expectCode(await daemonControl(["--reload", ...pf]), DaemonControlStatus.ok);
  await waitUntil(() => (readJournal(dir).some((entry) => entry.event === "hup") ? true : undefined), "the daemon to log SIGHUP");

  const stop = await daemonControl(["--stop", ...pf]);
  expectCode(stop, DaemonControlStatus.ok);
  assert.deepEqual(readJournal(dir).map((entry) => `${entry.event} ${entry.pid}`), [`up ${pid}`, `hup ${pid}`, `down ${pid}`]);
  const down = readJournal(dir)[2];
  assert.ok(down !== undefined && down.at >= stop.began && down.at <= stop.ended, "stop returned only after the daemon went down");
  assert.deepEqual(pidFileState(pidFile), { kind: "not-running" }, "the daemon emptied its file and let go of the lock");
  expectCode(await daemonControl(["--stop", ...pf]), DaemonControlStatus.already);
  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.notRunning);
  expectCode(await daemonControl(["--reload", ...pf]), DaemonControlStatus.notRunning);
});

test("daemon-control: reload sends SIGHUP by default and --signal by name or number", async () => {
  const { pidFile } = freshScene();
  const holder = lockPidFile(pidFile);
  const sleeper = spawn(which("sleep"), ["30"]);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => sleeper.once("exit", (_code, signal) => resolve(signal)));
  try {
    holder.writePid(sleeper.pid as number);
    expectCode(await daemonControl(["--reload", "--pid-file", pidFile, "--signal", "0"]), DaemonControlStatus.usage);
    expectCode(await daemonControl(["--reload", "--pid-file", pidFile, "--signal", "10"]), DaemonControlStatus.ok);
    assert.equal(await exited, "SIGUSR1");
  } finally {
    holder.release();
  }
  const other = spawn(which("sleep"), ["30"]);
  const hup = new Promise<NodeJS.Signals | null>((resolve) => other.once("exit", (_code, signal) => resolve(signal)));
  const lock = lockPidFile(pidFile);
  try {
    lock.writePid(other.pid as number);
    expectCode(await daemonControl(["--reload", "--pid-file", pidFile]), DaemonControlStatus.ok);
    assert.equal(await hup, "SIGHUP");
    // The holder still has the lock and the PID, but nobody has that PID any more.
    expectCode(await daemonControl(["--reload", "--pid-file", pidFile]), DaemonControlStatus.notRunning);
  } finally {
    lock.release();
  }
});

test("daemon-control: stop waits for the lock, not for the PID: a daemon that ignores SIGTERM times out with 102", async () => {
  const { pidFile } = freshScene();
  const lock = lockPidFile(pidFile);
  lock.writePid(process.pid); // this test process: it ignores nothing, so use a signal it does not get
  try {
    const run = await daemonControl(["--stop", "--pid-file", pidFile, "--signal", "SIGCONT", "--timeout", "0.3"]);
    expectCode(run, DaemonControlStatus.error);
    assert.match(run.stderr, /did not release .* within 0\.3 s/);
    assert.ok(run.ended - run.began >= 300, "it waited for the deadline");
  } finally {
    lock.release();
  }
});

test("daemon-control: stop of an exiting daemon (locked, empty) sends nothing and waits for the release", async () => {
  const { pidFile } = freshScene();
  const lock = lockPidFile(pidFile);
  lock.markExiting();
  expectCode(await daemonControl(["--check", "--pid-file", pidFile]), DaemonControlStatus.ok);
  expectCode(await daemonControl(["--reload", "--pid-file", pidFile]), DaemonControlStatus.notRunning);
  // In-process: stopDaemon takes the guard and reads the file before its first await.
  const stopping = stopDaemon({ pidFile, timeoutMs: 10_000 });
  lock.release();
  const stopped = await stopping;
  assert.equal(stopped.status, DaemonControlStatus.ok, stopped.message);
});

test("daemon-control: errors exit 102 with the reason on stderr", async () => {
  const { dir, pidFile } = freshScene();
  const pf = ["--pid-file", pidFile];
  const cases: { args: string[]; reason: RegExp }[] = [
    { args: ["--start", ...pf, "--", join(dir, "nonexistent")], reason: /Cannot execute .*nonexistent.*ENOENT/ },
    { args: ["--start", ...pf, "--", which("false")], reason: /Daemon .*false exited with error 1/ },
    { args: ["--start", ...pf, "--", which("sh"), "-c", "kill -KILL $$"], reason: /was killed by SIGKILL/ },
    { args: ["--start", ...pf, "--", which("sh"), "-c", "exit 102"], reason: /Cannot execute the daemon/ },
    // A launcher that exits 0 but leaves no locked PID behind: libucw's "failed to write the PID file".
    { args: ["--start", ...pf, "--", which("sh"), "-c", `echo 1 > ${pidFile}`], reason: /failed to write the PID file/ },
    { args: ["--start", ...pf, "--timeout", "0.2", "--", which("sleep"), "30"], reason: /needs --keeper/ },
  ];
  for (const { args, reason } of cases) {
    writeFileSync(pidFile, "");
    const run = await daemonControl(args);
    expectCode(run, DaemonControlStatus.error);
    assert.match(run.stderr, reason);
  }
  writeFileSync(pidFile, "x".repeat(20));
  for (const action of ["--check", "--stop", "--reload"]) {
    const run = await daemonControl([action, ...pf]);
    expectCode(run, DaemonControlStatus.error);
    assert.match(run.stderr, /is too long/);
  }
  expectCode(await daemonControl(["--start", ...pf, "--", which("true")]), DaemonControlStatus.error);
});

test("daemon-control: a launcher that daemonizes and whose daemon is already gone still counts as started (libucw)", async () => {
  const { pidFile } = freshScene();
  // Exits 0 leaving an empty unlocked file: "not running" after the start, which libucw accepts.
  const run = await daemonControl(["--start", "--pid-file", pidFile, "--", which("sh"), "-c", `: > ${pidFile}`]);
  expectCode(run, DaemonControlStatus.ok);
});

test("daemon-control: usage errors exit 1", async () => {
  const { pidFile } = freshScene();
  const bad: string[][] = [
    [],
    ["--check"],
    ["--pid-file", pidFile],
    ["--start", "--pid-file", pidFile],
    ["--stop", "--pid-file", pidFile, "extra"],
    ["--check", "--pid-file", join(root.path, "no-suffix")],
    ["--check", "--pid-file", pidFile, "--signal", "SIGNOPE"],
    ["--check", "--pid-file", pidFile, "-x"],
    ["--check", "--pid-file", pidFile, "--bogus"],
    ["--check", "--pid-file", pidFile, "--s"],
    ["--check", "--pid-file"],
    ["--check=yes", "--pid-file", pidFile],
    ["--check", "--pid-file", pidFile, "--keeper"],
    ["--start", "--pid-file", pidFile, "--log", "x", "--", "true"],
  ];
  for (const args of bad) expectCode(await daemonControl(args), DaemonControlStatus.usage);
  const help = await daemonControl(["--help"]);
  expectCode(help, 0);
  assert.match(help.stdout, /--pid-file <name>/);
});

test("daemon-control: libucw's option forms: --opt=value, abbreviations, --guard-file, non-options before --", { skip: shDaemonUnavailable ?? false }, async () => {
  const { dir, pidFile } = freshScene();
  const guard = join(dir, "other-guard");
  const start = await daemonControl(["--sta", `--pid=${pidFile}`, "--guard-file", guard, ...shDaemonCommand(pidFile, dir)]);
  expectCode(start, DaemonControlStatus.ok);
  expectCode(await daemonControl(["--che", "--pid-file", pidFile, `--g=${guard}`]), DaemonControlStatus.ok);
  expectCode(await daemonControl(["--sto", "--pid-file", pidFile, "--guard-file", guard]), DaemonControlStatus.ok);
  assert.equal(readFileSync(pidFile, "utf8"), "", "the daemon emptied its file on the way out");
});

test("daemon-control: the library actions leak no fd", { skip: shDaemonUnavailable ?? false }, async () => {
  const { dir, pidFile } = freshScene();
  const target = { pidFile };
  await checkDaemon(target); // first use of child_process and timers happens before we count
  await startDaemon({ ...target, command: shDaemonCommand(pidFile, dir) });
  await stopDaemon(target);
  await settle();
  const before = openFds();
  for (let round = 0; round < 3; round++) {
    assert.equal((await checkDaemon(target)).status, DaemonControlStatus.notRunning);
    assert.equal((await startDaemon({ ...target, command: shDaemonCommand(pidFile, dir) })).status, DaemonControlStatus.ok);
    assert.equal((await startDaemon({ ...target, command: shDaemonCommand(pidFile, dir) })).status, DaemonControlStatus.already);
    assert.equal((await reloadDaemon({ ...target, signal: 0 })).status, DaemonControlStatus.ok);
    assert.equal((await checkDaemon(target)).status, DaemonControlStatus.ok);
    assert.equal((await stopDaemon(target)).status, DaemonControlStatus.ok);
    assert.equal((await stopDaemon(target)).status, DaemonControlStatus.already);
  }
  await settle();
  // fds of earlier tests' child processes may still close meanwhile; none may appear.
  const after = openFds();
  assert.deepEqual(after.filter((fd) => !before.includes(fd)), [], `before: ${before.join(",")}, after: ${after.join(",")}`);
});
