// A daemon that dies by SIGKILL leaves its PID file behind, unlocked: stale.
// The lock says so, never a guess from the PID, and a process that took the
// dead daemon's PID (a decoy, placed there through ns_last_pid) is never
// signalled: not through the stale file, and not in the moment between
// reading a PID and signalling it (the pidfd step).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { pinDaemon } from "../../src/daemon/pin.js";
import { DaemonControlStatus } from "../../src/protocol/ucw-status.js";
import { closeFd, killPid, openPidfd, PidfdExitWatcher, reapNow, setChildSubreaper, signalPidfd } from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";
import {
  canChoosePids, daemonControl, fixture, isAlive, pidFileState, shDaemonCommand, spawnDecoy, startUntilReady, stopDecoy,
  shDaemonUnavailable, tempDir, type Invocation,
} from "./harness.js";

const root = tempDir("stale");
// Daemons whose launcher exited come back to us when they die, so that their
// PIDs are free as soon as we reap them (init may take seconds).
setChildSubreaper(true);
after(() => {
  setChildSubreaper(false);
  root.remove();
});
let serial = 0;

function freshScene(): { dir: string; pidFile: string } {
  const dir = join(root.path, `s${serial++}`);
  mkdirSync(dir);
  return { dir, pidFile: join(dir, "d.pid") };
}

function expectCode(run: Invocation, code: number): void {
  assert.equal(run.code, code, `${run.args.join(" ")} exited ${run.code}, stderr: ${run.stderr}`);
}

async function startShDaemon(pidFile: string, dir: string): Promise<number> {
  expectCode(await daemonControl(["--start", "--pid-file", pidFile, "--", ...shDaemonCommand(pidFile, dir)]), DaemonControlStatus.ok);
  const state = pidFileState(pidFile);
  assert.equal(state.kind, "running");
  return state.kind === "running" ? state.pid : 0;
}

/**
 * SIGKILLs the daemon's session (the shell and its sleep) and reaps it: the
 * daemon came back to us (subreaper) once its launcher exited. Call only
 * while no node:child_process child of ours can end, or reapNow() takes it.
 */
async function killAndReap(pid: number): Promise<void> {
  const pidfd = openPidfd(pid);
  try {
    await new Promise<void>((resolve) => {
      const watcher = new PidfdExitWatcher(() => {
        watcher.close();
        resolve();
      });
      watcher.add(pidfd);
      process.kill(-pid, "SIGKILL");
    });
  } finally {
    closeFd(pidfd);
  }
  // It is a zombie of ours now (or of init, where we are no subreaper).
  await waitUntil(() => {
    reapNow();
    return existsSync(`/proc/${pid}`) ? undefined : true;
  }, `pid ${pid} to be reaped`);
}

test("stale: a daemon killed by SIGKILL: check says stale, stop leaves it, start starts a new one", { skip: shDaemonUnavailable ?? false }, async () => {
  const { dir, pidFile } = freshScene();
  const pf = ["--pid-file", pidFile];
  const pid = await startShDaemon(pidFile, dir);
  await killAndReap(pid);
  rmSync(join(dir, "instance"), { recursive: true }); // the shell had no chance to clean up
  assert.deepEqual(pidFileState(pidFile), { kind: "stale", content: `${pid}\n` });

  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.stale);
  expectCode(await daemonControl(["--reload", ...pf]), DaemonControlStatus.notRunning);
  expectCode(await daemonControl(["--stop", ...pf]), DaemonControlStatus.stale);
  assert.deepEqual(pidFileState(pidFile), { kind: "stale", content: `${pid}\n` }, "stop does not touch a stale file");
  // For --start, 103 is a success: it started over a stale file.
  expectCode(await daemonControl(["--start", ...pf, "--", ...shDaemonCommand(pidFile, dir)]), DaemonControlStatus.stale);
  const state = pidFileState(pidFile);
  assert.ok(state.kind === "running" && state.pid !== pid && isAlive(state.pid), JSON.stringify(state));
  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.ok);
  expectCode(await daemonControl(["--stop", ...pf]), DaemonControlStatus.ok);
  expectCode(await daemonControl(["--check", ...pf]), DaemonControlStatus.notRunning);
});

const noDecoy = canChoosePids();

test("stale: a decoy that took the dead daemon's PID is never signalled", { skip: noDecoy ?? shDaemonUnavailable ?? false }, async (t) => {
  const { dir, pidFile } = freshScene();
  const pf = ["--pid-file", pidFile];
  const pid = await startShDaemon(pidFile, dir);
  await killAndReap(pid);
  rmSync(join(dir, "instance"), { recursive: true });
  const signals = join(dir, "decoy-signals");
  const decoy = await spawnDecoy(pid, signals);
  if (decoy === null) {
    t.skip(`another process took pid ${pid} before the decoy could`);
    return;
  }
  try {
    for (const args of [["--check"], ["--reload"], ["--reload", "--signal", "SIGUSR1"], ["--stop"], ["--stop", "--signal", "SIGKILL"]]) {
      const run = await daemonControl([...args, ...pf]);
      assert.ok(run.code === DaemonControlStatus.stale || run.code === DaemonControlStatus.notRunning, `${args.join(" ")}: ${run.code}`);
    }
    expectCode(await daemonControl(["--start", ...pf, "--", ...shDaemonCommand(pidFile, dir)]), DaemonControlStatus.stale);
    expectCode(await daemonControl(["--reload", ...pf]), DaemonControlStatus.ok);
    expectCode(await daemonControl(["--stop", ...pf]), DaemonControlStatus.ok);
    assert.ok(isAlive(decoy.pid), "the decoy lives");
    assert.equal(existsSync(signals) ? readFileSync(signals, "utf8") : "", "", "the decoy got no signal");
  } finally {
    await stopDecoy(decoy);
  }
});

test("stale: the pidfd step: a PID read under the lock and reused before the signal is not signalled", { skip: noDecoy ?? false }, async (t) => {
  const { dir, pidFile } = freshScene();
  // A daemon that holds the lock with its own PID; the controller reads it...
  const holder = await startUntilReady(process.execPath, [fixture("daemon-hold.mjs"), pidFile]);
  const seen = pidFileState(pidFile);
  assert.deepEqual(seen, { kind: "running", pid: holder.pid });
  // ...and before it can signal, the daemon dies and an innocent process gets its PID.
  killPid(holder.pid, "SIGKILL");
  await holder.exit; // node:child_process reaped it: the PID is free
  const signals = join(dir, "decoy-signals");
  const decoy = await spawnDecoy(holder.pid, signals);
  if (decoy === null) {
    t.skip(`another process took pid ${holder.pid} before the decoy could`);
    return;
  }
  try {
    killPid(decoy.pid, 0); // libucw's kill(pid) would reach the decoy now
    const pinned = pinDaemon(pidFile, holder.pid);
    assert.deepEqual(pinned, { kind: "changed", state: { kind: "stale", content: `${holder.pid}\n` } });
    expectCode(await daemonControl(["--stop", "--pid-file", pidFile]), DaemonControlStatus.stale);
    assert.equal(existsSync(signals) ? readFileSync(signals, "utf8") : "", "", "the decoy got no signal");
  } finally {
    await stopDecoy(decoy);
  }
});

test("stale: a pinned daemon's pidfd is its own, and reaches nobody once it is gone", async () => {
  const { pidFile } = freshScene();
  const holder = await startUntilReady(process.execPath, [fixture("daemon-hold.mjs"), pidFile]);
  const pinned = pinDaemon(pidFile, holder.pid);
  assert.equal(pinned.kind, "pinned");
  if (pinned.kind !== "pinned") return;
  try {
    assert.ok(pinned.pidfd !== null, "this kernel has pidfds");
    killPid(holder.pid, "SIGKILL");
    await holder.exit;
    // Reaped: the pidfd refuses to signal whoever gets the PID next.
    assert.throws(() => signalPidfd(pinned.pidfd as number, 0), { code: "ESRCH" });
  } finally {
    if (pinned.pidfd !== null) closeFd(pinned.pidfd);
    closeFd(pinned.pidFileFd);
  }
});
