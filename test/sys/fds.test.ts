import assert from "node:assert/strict";
import { openSync, readFileSync } from "node:fs";
import { test } from "node:test";
import {
  closeFd, dupCloexec, fdIdentity, openFds, pipe, sameOpenFile, setCloexec, socketPair, WatchSet,
} from "../../src/sys/index.js";
import { EventLog } from "../helpers/events.js";

function isCloexec(fd: number): boolean {
  const flags = /^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1] ?? "0";
  return (parseInt(flags, 8) & 0o2000000) !== 0;
}

test("fds: dupCloexec gives a new close-on-exec fd for the same open file", () => {
  const fd = openSync("/dev/null", "r");
  const copy = dupCloexec(fd);
  try {
    assert.ok(copy >= 3 && copy !== fd);
    assert.ok(isCloexec(copy));
    assert.equal(sameOpenFile(fd, copy) ?? true, true);
    assert.equal(fdIdentity(fd), fdIdentity(copy));
  } finally {
    closeFd(fd);
    closeFd(copy);
  }
});

test("fds: setCloexec sets and clears the flag and returns the previous one", () => {
  const fd = dupCloexec(0);
  try {
    assert.equal(setCloexec(fd, false), true);
    assert.equal(isCloexec(fd), false);
    assert.equal(setCloexec(fd, true), false);
    assert.equal(isCloexec(fd), true);
  } finally {
    closeFd(fd);
  }
});

test("fds: identity separates different objects; kcmp separates two opens of one file", () => {
  const a = openSync("/dev/null", "r");
  const b = openSync("/dev/null", "r");
  const p = pipe();
  try {
    assert.equal(fdIdentity(a), fdIdentity(b)); // same inode
    assert.notEqual(fdIdentity(a), fdIdentity(p.readEnd));
    const same = sameOpenFile(a, b);
    if (same !== null) assert.equal(same, false); // two open file descriptions
  } finally {
    for (const fd of [a, b, p.readEnd, p.writeEnd]) closeFd(fd);
  }
});

test("fds: the hang-up watcher reports a socket whose peer closed, once", async () => {
  const hungUp = new EventLog<number>();
  const batches: number[][] = [];
  const watcher = new WatchSet("hangup", (fds) => {
    batches.push(fds);
    fds.forEach((fd) => hungUp.push(fd));
  });
  const [a, b] = socketPair("stream");
  const [c, d] = socketPair("stream");
  const p = pipe();
  try {
    watcher.add(a);
    watcher.add(c);
    watcher.add(p.readEnd);
    assert.throws(() => watcher.add(a), { code: "EEXIST" });
    closeFd(b);
    closeFd(p.writeEnd);
    await hungUp.next((fd) => fd === a, "socket a to hang up");
    await hungUp.next((fd) => fd === p.readEnd, "the pipe to hang up");
    assert.equal(hungUp.seen.includes(c), false, "a live socket is not reported");
    assert.equal(watcher.remove(a), false, "a reported fd has left the set");
    assert.equal(watcher.remove(c), true);
    assert.equal(hungUp.seen.filter((fd) => fd === a).length, 1);
  } finally {
    watcher.close();
    for (const fd of [a, c, d, p.readEnd]) closeFd(fd);
  }
});

test("fds: closing a watch set twice is harmless, using it after close is refused", () => {
  const watcher = new WatchSet("readable", () => undefined);
  watcher.close();
  watcher.close();
  assert.throws(() => watcher.add(0), { code: "EBADF" });
});

test("fds: openFds lists this process's fds and nothing stale", () => {
  const before = openFds();
  const fd = openSync("/dev/null", "r");
  assert.deepEqual(openFds(), [...before, fd].sort((x, y) => x - y));
  closeFd(fd);
  assert.deepEqual(openFds(), before);
});
