// The daemon side: daemonizeSelf() (the launcher) and holdPidFile() (the
// daemon), as `steward up --detach` and Node daemons use them.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { stopDaemon } from "../../src/daemon/control.js";
import { daemonizeSelf } from "../../src/daemon/daemonize.js";
import { lockPidFile } from "../../src/daemon/pid-file.js";
import { DaemonControlStatus } from "../../src/protocol/ucw-status.js";
import { openFds } from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";
import { fixture, isAlive, pidFileState, readJournal, runProcess, tempDir, which } from "./harness.js";

const root = tempDir("daemonize");
after(() => root.remove());
let serial = 0;

function freshScene(): { dir: string; pidFile: string } {
  const dir = join(root.path, `s${serial++}`);
  mkdirSync(dir);
  return { dir, pidFile: join(dir, "d.pid") };
}

function selfDaemon(dir: string, pidFile: string): string[] {
  return [process.execPath, fixture("daemon-self.mjs"), pidFile, join(dir, "journal"), join(dir, "info.json")];
}

interface DaemonInfo {
  pid: number;
  session: number;
  cwd: string;
  umask: number;
  stdio: string[];
  reportFdInEnv: string | null;
}

test("daemonize: the copy runs in a new session, in /, umask 022, stdio on /dev/null, and holds the lock before we return", async () => {
  const { dir, pidFile } = freshScene();
  const result = await daemonizeSelf({ pidFile, argv: selfDaemon(dir, pidFile) });
  assert.equal(result.status, DaemonControlStatus.ok, result.message);
  assert.ok(result.pid !== null);
  assert.deepEqual(pidFileState(pidFile), { kind: "running", pid: result.pid }, "locked with its PID when daemonizeSelf returns");
  const infoFile = join(dir, "info.json");
  await waitUntil(() => (existsSync(infoFile) && readFileSync(infoFile, "utf8") !== "" ? true : undefined), "the daemon's info");
  const info = JSON.parse(readFileSync(infoFile, "utf8")) as DaemonInfo;
  assert.deepEqual(info, {
    pid: result.pid,
    session: result.pid,
    cwd: "/",
    umask: 0o022,
    stdio: ["/dev/null", "/dev/null", "/dev/null"],
    reportFdInEnv: null,
  });
  assert.ok(existsSync(join(dir, "d.lock")), "the guard file derived from the PID file");

  const again = await daemonizeSelf({ pidFile, argv: selfDaemon(dir, pidFile) });
  assert.deepEqual(again, { status: DaemonControlStatus.already, message: "the daemon is already running", pid: result.pid });
  assert.equal((await stopDaemon({ pidFile })).status, DaemonControlStatus.ok);
  assert.deepEqual(readJournal(dir).map((entry) => entry.event), ["up", "down"]);
  assert.deepEqual(pidFileState(pidFile), { kind: "not-running" }, "release() emptied the file");
});

test("daemonize: stdout and stderr go to the log file, the directory and umask are the caller's choice", async () => {
  const { dir, pidFile } = freshScene();
  const log = join(dir, "daemon.log");
  const result = await daemonizeSelf({ pidFile, argv: selfDaemon(dir, pidFile), log, cwd: dir, umask: 0o077 });
  assert.equal(result.status, DaemonControlStatus.ok, result.message);
  const infoFile = join(dir, "info.json");
  await waitUntil(() => (existsSync(infoFile) && readFileSync(infoFile, "utf8") !== "" ? true : undefined), "the daemon's info");
  const info = JSON.parse(readFileSync(infoFile, "utf8")) as DaemonInfo;
  assert.deepEqual([info.cwd, info.umask, info.stdio], [dir, 0o077, ["/dev/null", log, log]]);
  assert.equal((await stopDaemon({ pidFile })).status, DaemonControlStatus.ok);
});

test("daemonize: five launchers at once (up --detach five times) start exactly one daemon", async () => {
  const { dir, pidFile } = freshScene();
  const launches = await Promise.all(
    Array.from({ length: 5 }, () =>
      runProcess(process.execPath, [fixture("daemon-self.mjs"), "--standalone", pidFile, join(dir, "journal")]),
    ),
  );
  const codes = launches.map((run) => run.code).sort((a, b) => a - b);
  assert.deepEqual(codes, [0, 100, 100, 100, 100], launches.map((run) => run.stderr).join(""));
  const state = pidFileState(pidFile);
  assert.ok(state.kind === "running" && isAlive(state.pid));
  // The daemon notes "up" just after it has told its launcher: wait for the line, not on luck.
  await waitUntil(() => (readJournal(dir).length > 0 ? true : undefined), "the daemon's journal line");
  assert.deepEqual(readJournal(dir).map((entry) => entry.event), ["up"]);
  assert.equal((await stopDaemon({ pidFile })).status, DaemonControlStatus.ok);
});

test("daemonize: failures reach the launcher: an early exit, a lock held elsewhere, no report in time", async () => {
  const { pidFile } = freshScene();
  const early = await daemonizeSelf({ pidFile, argv: [process.execPath, "-e", "process.exit(3)"] });
  assert.equal(early.status, DaemonControlStatus.error);
  assert.match(early.message, /exited before it locked its PID file/);

  const holder = lockPidFile(pidFile);
  holder.writePid(process.pid);
  try {
    // With a guard, the running daemon is found before anything is spawned...
    const found = await daemonizeSelf({ pidFile, argv: [which("false")] });
    assert.deepEqual(found, { status: DaemonControlStatus.already, message: "the daemon is already running", pid: process.pid });
    // ...without one (under a controller), the copy finds the lock taken and says so.
    const busy = await daemonizeSelf({ pidFile, guardFile: null, argv: [process.execPath, fixture("daemon-hold.mjs"), pidFile] });
    assert.deepEqual(busy, { status: DaemonControlStatus.already, message: "the daemon is already running", pid: process.pid });
  } finally {
    holder.release();
  }

  const silent = await daemonizeSelf({ pidFile, argv: [which("sleep"), "30"], timeoutMs: 200 });
  assert.equal(silent.status, DaemonControlStatus.error);
  assert.match(silent.message, /did not lock its PID file within 0\.2 s/);
  const missing = await daemonizeSelf({ pidFile, argv: ["/nonexistent/program"] });
  assert.equal(missing.status, DaemonControlStatus.error);
  assert.match(missing.message, /execve failed: ENOENT/);
});

test("daemonize: holdPidFile empties the file at a normal exit (libucw's daemon_exit)", async () => {
  const { pidFile } = freshScene();
  const script = `import(${JSON.stringify(fixture("../../dist/src/daemon/daemonize.js"))}).then((m) => { m.holdPidFile(${JSON.stringify(pidFile)}); process.exit(0); })`;
  const run = await runProcess(process.execPath, ["-e", script]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(pidFileState(pidFile), { kind: "not-running" });
});

test("daemonize: daemonizeSelf leaks no fd", async () => {
  const { dir, pidFile } = freshScene();
  const warmUp = await daemonizeSelf({ pidFile, argv: selfDaemon(dir, pidFile) });
  assert.equal(warmUp.status, DaemonControlStatus.ok, warmUp.message);
  await stopDaemon({ pidFile });
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  const before = openFds();
  for (let round = 0; round < 3; round++) {
    assert.equal((await daemonizeSelf({ pidFile, argv: selfDaemon(dir, pidFile) })).status, DaemonControlStatus.ok);
    assert.equal((await daemonizeSelf({ pidFile, argv: selfDaemon(dir, pidFile) })).status, DaemonControlStatus.already);
    assert.equal((await daemonizeSelf({ pidFile, argv: [process.execPath, "-e", "0"] })).status, DaemonControlStatus.already);
    assert.equal((await stopDaemon({ pidFile })).status, DaemonControlStatus.ok);
    assert.equal((await daemonizeSelf({ pidFile, argv: [process.execPath, "-e", "0"] })).status, DaemonControlStatus.error);
  }
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  const after = openFds();
  assert.deepEqual(after.filter((fd) => !before.includes(fd)), [], `before: ${before.join(",")}, after: ${after.join(",")}`);
});
