import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closeFd, killPid, openPidfd, PidfdExitWatcher, pidfdInodeId, signalPidfd, spawn } from "../../src/sys/index.js";
import { EventLog } from "../helpers/events.js";
import { fixture, which } from "../helpers/repo.js";
import { TestProcesses, testEnv } from "../helpers/processes.js";

const processes = new TestProcesses();
after(() => processes.close());
const sleep = which("sleep");

test("pidfd: a signal sent through it reaches the process", async () => {
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {} });
  assert.ok(child.pidfd !== null);
  signalPidfd(child.pidfd, "SIGTERM");
  assert.deepEqual(await processes.exit(child.pid), { pid: child.pid, kind: "killed", signal: 15, coreDumped: false });
  closeFd(child.pidfd);
});

test("pidfd: signalling after the process was reaped fails with ESRCH", async () => {
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {} });
  assert.ok(child.pidfd !== null);
  killPid(child.pid, "SIGKILL");
  await processes.exit(child.pid);
  assert.throws(() => signalPidfd(child.pidfd as number, "SIGTERM"), { code: "ESRCH", syscall: "pidfd_send_signal" });
  closeFd(child.pidfd);
});

test("pidfd: opening a process that does not exist fails with ESRCH", () => {
  assert.throws(() => openPidfd(2 ** 22 + 1), { syscall: "pidfd_open" });
});

test("pidfd: the exit watcher reports a process that is not our child", async () => {
  // The orphan is re-parented to init (this process is no subreaper): no SIGCHLD for us.
  const { stdout } = await processes.run({
    file: process.execPath,
    argv: ["node", fixture("orphan-maker.mjs"), sleep],
    env: testEnv(),
  });
  const orphan = Number(stdout.trim());
  const pidfd = openPidfd(orphan);
  const exited = new EventLog<number>();
  const watcher = new PidfdExitWatcher((fds) => fds.forEach((fd) => exited.push(fd)));
  try {
    watcher.add(pidfd);
    killPid(orphan, "SIGKILL");
    assert.equal(await exited.next((fd) => fd === pidfd, "the orphan's pidfd"), pidfd);
    assert.equal(watcher.remove(pidfd), false, "a reported fd has left the set");
  } finally {
    watcher.close();
    closeFd(pidfd);
  }
});

test("pidfd: inode IDs tell two processes apart", async () => {
  const a = spawn({ file: sleep, argv: ["sleep", "30"], env: {} });
  const b = spawn({ file: sleep, argv: ["sleep", "30"], env: {} });
  try {
    assert.ok(a.pidfd !== null && b.pidfd !== null);
    const again = openPidfd(a.pid);
    assert.equal(pidfdInodeId(again), pidfdInodeId(a.pidfd));
    assert.notEqual(pidfdInodeId(a.pidfd), pidfdInodeId(b.pidfd));
    closeFd(again);
  } finally {
    for (const child of [a, b]) {
      killPid(child.pid, "SIGKILL");
      await processes.exit(child.pid);
      if (child.pidfd !== null) closeFd(child.pidfd);
    }
  }
});
