import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  closeFd, isChildSubreaper, killPid, killProcessGroup, lockFile, parentDeathSignal, setChildSubreaper,
  setParentDeathSignal, unlockFile,
} from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";
import { fixture, which } from "../helpers/repo.js";
import { TestProcesses, testEnv } from "../helpers/processes.js";

const processes = new TestProcesses();
const dir = mkdtempSync(join(tmpdir(), "steward-process-"));
after(() => {
  processes.close();
  rmSync(dir, { recursive: true, force: true });
});

test("process: the subreaper bit can be set, read and cleared", () => {
  assert.equal(isChildSubreaper(), false);
  setChildSubreaper(true);
  assert.equal(isChildSubreaper(), true);
  setChildSubreaper(false);
  assert.equal(isChildSubreaper(), false);
});

test("process: the parent-death signal can be set, read and cleared", () => {
  setParentDeathSignal("SIGTERM");
  assert.equal(parentDeathSignal(), 15);
  setParentDeathSignal(0);
  assert.equal(parentDeathSignal(), 0);
});

async function tryLock(path: string, mode: "shared" | "exclusive"): Promise<boolean> {
  const { exit, stdout } = await processes.run({
    file: process.execPath,
    argv: ["node", fixture("try-lock.mjs"), path, mode],
    env: testEnv(),
  });
  assert.equal(exit.kind, "exited", stdout);
  return exit.kind === "exited" && exit.code === 0;
}

test("process: two processes exclude each other with flock", async () => {
  const path = join(dir, "daemon.pid");
  writeFileSync(path, "");
  const fd = openSync(path, "r");
  try {
    assert.equal(lockFile(fd, "exclusive"), true);
    assert.equal(await tryLock(path, "exclusive"), false, "held exclusively here");
    assert.equal(await tryLock(path, "shared"), false, "not even shared");
    lockFile(fd, "shared", true); // flock converts the lock in place
    assert.equal(await tryLock(path, "shared"), true, "shared with shared");
    assert.equal(await tryLock(path, "exclusive"), false, "exclusive against shared");
    unlockFile(fd);
    assert.equal(await tryLock(path, "exclusive"), true, "free once unlocked");
  } finally {
    closeSync(fd);
  }
});

test("process: killpg reaches every member of the group", async () => {
  setChildSubreaper(true); // so that the backgrounded member is ours to see end
  try {
    const script = `${which("sleep")} 30 </dev/null >/dev/null 2>&1 & wait`;
    const group = processes.start({ file: which("sh"), argv: ["sh", "-c", script], env: testEnv(), detach: "group" });
    const member = await waitUntil(() => firstChild(group.pid), "sh to start its background sleep");
    killProcessGroup(group.pid, "SIGTERM");
    assert.deepEqual(await processes.exit(group.pid), { pid: group.pid, kind: "killed", signal: 15, coreDumped: false });
    assert.deepEqual(await processes.exit(member), { pid: member, kind: "killed", signal: 15, coreDumped: false });
    await group.stdout;
    if (group.pidfd !== null) closeFd(group.pidfd);
  } finally {
    setChildSubreaper(false);
  }
});

function firstChild(pid: number): number | undefined {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return children ? Number(children.split(" ")[0]) : undefined;
}

test("process: kill refuses PIDs that would broadcast", () => {
  assert.throws(() => killPid(0, "SIGTERM"), { code: "EINVAL", syscall: "kill" });
  assert.throws(() => killPid(-1, "SIGTERM"), { code: "EINVAL", syscall: "kill" });
  assert.throws(() => killProcessGroup(0, "SIGTERM"), { code: "EINVAL", syscall: "killpg" });
});
