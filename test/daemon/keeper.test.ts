// `--start --keeper -- CMD` for a program that stays in the foreground: a
// keeper process holds the PID-file lock on its behalf.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { keeperMainPath } from "../../src/daemon/keeper.js";
import { DaemonControlStatus } from "../../src/protocol/ucw-status.js";
import { closeFd, openPidfd, PidfdExitWatcher } from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";
import {
  daemonControl, isAlive, pidFileState, readJournal, shDaemonUnavailable, shForegroundCommand, tempDir, which, type Invocation,
} from "./harness.js";

const root = tempDir("keeper");
after(() => root.remove());
let serial = 0;

function freshScene(): { dir: string; pidFile: string } {
  const dir = join(root.path, `s${serial++}`);
  mkdirSync(dir);
  return { dir, pidFile: join(dir, "d.pid") };
}

function expectCode(run: Invocation, code: number): void {
  assert.equal(run.code, code, `${run.args.join(" ")} exited ${run.code}, stderr: ${run.stderr}`);
}

function runningPid(pidFile: string): number {
  const state = pidFileState(pidFile);
  assert.equal(state.kind, "running", JSON.stringify(state));
  return state.kind === "running" ? state.pid : 0;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
}

/** Resolves when `pid` has exited (a zombie counts). */
function exitOf(pid: number): Promise<void> {
  const pidfd = openPidfd(pid);
  return new Promise((resolve) => {
    const watcher = new PidfdExitWatcher(() => {
      watcher.close();
      closeFd(pidfd);
      resolve();
    });
    watcher.add(pidfd);
  });
}

async function waitForJournal(dir: string, event: string, pid: number): Promise<void> {
  await waitUntil(
    () => (readJournal(dir).some((entry) => entry.event === event && entry.pid === pid) ? true : undefined),
    `"${event} ${pid}" in the journal`,
  );
}

test("keeper: the PID file names the program, detached in a session of its own; reload and stop reach it", { skip: shDaemonUnavailable ?? false }, async () => {
  const { dir, pidFile } = freshScene();
  const pf = ["--pid-file", pidFile];
  const start = await daemonControl(["--start", "--keeper", ...pf, "--", ...shForegroundCommand(dir)]);
  expectCode(start, DaemonControlStatus.ok);
  const pid = runningPid(pidFile);
  const keeper = parentOf(pid);
  assert.match(readFileSync(`/proc/${keeper}/cmdline`, "utf8"), /keeper-main\.js/);
  assert.equal(sessionOf(keeper), keeper, "the keeper leads a session of its own");
  assert.equal(sessionOf(pid), keeper, "the program runs in the keeper's session");
  assert.notEqual(sessionOf(pid), sessionOf(process.pid));

  expectCode(await daemonControl(["--start", "--keeper", ...pf, "--", which("sleep"), "1000"]), DaemonControlStatus.already);
  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.ok);
  await waitForJournal(dir, "up", pid);
  expectCode(await daemonControl(["--reload", ...pf]), DaemonControlStatus.ok);
  await waitForJournal(dir, "hup", pid);
  const keeperGone = exitOf(keeper);
  expectCode(await daemonControl(["--stop", ...pf]), DaemonControlStatus.ok);
  await waitForJournal(dir, "down", pid);
  await keeperGone;
  assert.deepEqual(pidFileState(pidFile), { kind: "not-running" }, "the keeper emptied the file (libucw's daemon_exit)");
  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.notRunning);
});

test("keeper: signals the keeper itself gets (TERM, HUP, INT) are passed on to the program", { skip: shDaemonUnavailable ?? false }, async () => {
  const { dir, pidFile } = freshScene();
  expectCode(await daemonControl(["--start", "--keeper", "--pid-file", pidFile, "--", ...shForegroundCommand(dir)]), DaemonControlStatus.ok);
  const pid = runningPid(pidFile);
  const keeper = parentOf(pid);
  await waitForJournal(dir, "up", pid);
  process.kill(keeper, "SIGHUP");
  await waitForJournal(dir, "hup", pid);
  const keeperGone = exitOf(keeper);
  process.kill(keeper, "SIGTERM");
  await waitForJournal(dir, "down", pid);
  await keeperGone;
  assert.deepEqual(pidFileState(pidFile), { kind: "not-running" });
});

test("keeper: a program that dies leaves an empty, unlocked file (not running), its output in --log", async () => {
  const { dir, pidFile } = freshScene();
  const log = join(dir, "out.log");
  const script = "echo to-stdout; echo to-stderr >&2; exec sleep 1000";
  expectCode(
    await daemonControl(["--start", "--keeper", "--log", log, "--pid-file", pidFile, "--", which("sh"), "-c", script]),
    DaemonControlStatus.ok,
  );
  const pid = runningPid(pidFile);
  const keeper = parentOf(pid);
  await waitUntil(() => (existsSync(log) && readFileSync(log, "utf8").includes("to-stderr") ? true : undefined), "the log");
  assert.equal(readFileSync(log, "utf8"), "to-stdout\nto-stderr\n");
  const keeperGone = exitOf(keeper);
  process.kill(pid, "SIGKILL");
  await keeperGone;
  assert.deepEqual(pidFileState(pidFile), { kind: "not-running" });
  expectCode(await daemonControl(["--check", "--pid-file", pidFile]), DaemonControlStatus.notRunning);
});

test("keeper: a keeper killed by SIGKILL takes its program along and leaves a stale file", async () => {
  const { pidFile } = freshScene();
  expectCode(await daemonControl(["--start", "--keeper", "--pid-file", pidFile, "--", which("sleep"), "1000"]), DaemonControlStatus.ok);
  const pid = runningPid(pidFile);
  const keeper = parentOf(pid);
  const gone = Promise.all([exitOf(pid), exitOf(keeper)]);
  process.kill(keeper, "SIGKILL");
  await gone; // the program goes by its parent-death signal
  assert.ok(!isAlive(pid));
  assert.deepEqual(pidFileState(pidFile), { kind: "stale", content: `${pid}\n` });
  expectCode(await daemonControl(["--check", "--pid-file", pidFile]), DaemonControlStatus.stale);
  expectCode(await daemonControl(["--start", "--keeper", "--pid-file", pidFile, "--", which("sleep"), "1000"]), DaemonControlStatus.stale);
  expectCode(await daemonControl(["--stop", "--pid-file", pidFile]), DaemonControlStatus.ok);
});

test("keeper: a program that cannot be executed fails the start with 102 and leaves no lock", async () => {
  const { dir, pidFile } = freshScene();
  const run = await daemonControl(["--start", "--keeper", "--pid-file", pidFile, "--", join(dir, "missing")]);
  expectCode(run, DaemonControlStatus.error);
  assert.match(run.stderr, /Cannot execute .*missing.*ENOENT/);
  assert.deepEqual(pidFileState(pidFile), { kind: "not-running" });
  const notFound = await daemonControl(["--start", "--keeper", "--pid-file", pidFile, "--", "no-such-program-here"]);
  expectCode(notFound, DaemonControlStatus.error);
});

test("keeper: keeper-main.js is itself a libucw-style launcher, for any controller", async () => {
  const { pidFile } = freshScene();
  const launcher = [process.execPath, keeperMainPath(), "--pid-file", pidFile, "--", which("sleep"), "1000"];
  expectCode(await daemonControl(["--start", "--pid-file", pidFile, "--", ...launcher]), DaemonControlStatus.ok);
  const pid = runningPid(pidFile);
  assert.match(readFileSync(`/proc/${pid}/cmdline`, "utf8"), /sleep\x001000\x00$/);
  expectCode(await daemonControl(["--start", "--pid-file", pidFile, "--", ...launcher]), DaemonControlStatus.already);
  expectCode(await daemonControl(["--stop", "--pid-file", pidFile]), DaemonControlStatus.ok);
});

test("keeper: ten concurrent starts and stops, three times: never two programs at once", { skip: shDaemonUnavailable ?? false }, async () => {
  const { dir, pidFile } = freshScene();
  for (let round = 0; round < 3; round++) {
    const actions = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "--start" : "--stop")).sort(() => Math.random() - 0.5);
    const runs = await Promise.all(
      actions.map((action) =>
        daemonControl(
          action === "--start"
            ? ["--start", "--keeper", "--pid-file", pidFile, "--", ...shForegroundCommand(dir)]
            : ["--stop", "--pid-file", pidFile],
        ),
      ),
    );
    for (const run of runs) {
      assert.ok([0, 100].includes(run.code), `${run.args.join(" ")}: ${run.code} ${run.stderr}`);
    }
    const expected = runningOrNot(pidFile);
    expectCode(await daemonControl(["--stop", "--pid-file", pidFile]), expected);
    assert.equal(existsSync(join(dir, "instance")), false, "the last program cleaned up");
  }
  const journal = readJournal(dir);
  assert.deepEqual(journal.filter((entry) => entry.event === "violation"), []);
});

function runningOrNot(pidFile: string): number {
  const state = pidFileState(pidFile);
  return state.kind === "running" ? DaemonControlStatus.ok : DaemonControlStatus.already;
}
