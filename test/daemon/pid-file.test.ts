import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { defaultGuardFile, lockGuard } from "../../src/daemon/guard.js";
import {
  DaemonAlreadyRunning, PID_FILE_MAX_BYTES, lockPidFile, parsePidFileContent, readPidFile, type PidFileState,
} from "../../src/daemon/pid-file.js";
import { lockFile, openFds } from "../../src/sys/index.js";
import { tempDir } from "./harness.js";

const dir = tempDir("pid-file");
after(() => dir.remove());
let serial = 0;
const path = (): string => join(dir.path, `d${serial++}.pid`);

/** Holds an exclusive flock on `file` through an fd of its own (a lock per open file, as another process's). */
function holdLock(file: string): () => void {
  const fd = openSync(file, "r");
  assert.equal(lockFile(fd, "exclusive"), true);
  return () => closeSync(fd);
}

// Each row: what the file holds, whether a daemon holds its lock, what a controller reads.
const rows: { name: string; content: string | null; locked: boolean; expect: PidFileState }[] = [
  { name: "no file: not running", content: null, locked: false, expect: { kind: "missing" } },
  { name: "locked with a PID: running", content: "4242\n", locked: true, expect: { kind: "running", pid: 4242 } },
  { name: "locked and empty: the daemon is exiting", content: "", locked: true, expect: { kind: "exiting" } },
  { name: "unlocked and empty: a clean exit", content: "", locked: false, expect: { kind: "not-running" } },
  { name: "unlocked with a PID: stale", content: "4242\n", locked: false, expect: { kind: "stale", content: "4242\n" } },
  { name: "unlocked garbage is stale too (the lock decides)", content: "garbage", locked: false, expect: { kind: "stale", content: "garbage" } },
  { name: "locked without a newline: invalid", content: "4242", locked: true, expect: { kind: "invalid", reason: "" } },
  { name: "locked '(starting)': invalid", content: "(starting)\n", locked: true, expect: { kind: "invalid", reason: "" } },
  { name: "locked PID 0: invalid", content: "0\n", locked: true, expect: { kind: "invalid", reason: "" } },
  { name: "locked negative PID: invalid", content: "-1\n", locked: true, expect: { kind: "invalid", reason: "" } },
  { name: "16 bytes: too long, locked or not", content: "1234567890123456", locked: false, expect: { kind: "invalid", reason: "" } },
];

for (const row of rows) {
  test(`pid file: ${row.name}`, () => {
    const file = path();
    if (row.content !== null) writeFileSync(file, row.content);
    const release = row.locked ? holdLock(file) : () => undefined;
    try {
      const state = readPidFile(file);
      if (row.expect.kind === "invalid") assert.equal(state.kind, "invalid", JSON.stringify(state));
      else assert.deepEqual(state, row.expect);
    } finally {
      release();
    }
  });
}

test("pid file: the reasons for invalid files name the file, as libucw's messages", () => {
  const long = path();
  writeFileSync(long, "x".repeat(PID_FILE_MAX_BYTES));
  assert.deepEqual(readPidFile(long), { kind: "invalid", reason: `PID file \`${long}' is too long` });
  const bad = path();
  writeFileSync(bad, "12 \n");
  const release = holdLock(bad);
  try {
    assert.deepEqual(readPidFile(bad), { kind: "invalid", reason: `PID file \`${bad}' does not contain a valid PID` });
  } finally {
    release();
  }
});

test("pid file: a reader leaves no lock behind", () => {
  const file = path();
  writeFileSync(file, "4242\n");
  readPidFile(file);
  const release = holdLock(file); // would fail if the reader's shared lock had stayed
  release();
});

test("pid file: PID content is digits and one newline", () => {
  assert.equal(parsePidFileContent("1\n"), 1);
  assert.equal(parsePidFileContent("2147483647\n"), 2147483647);
  for (const bad of ["", "\n", "1", "1\n\n", " 1\n", "+1\n", "0x10\n", "2147483648\n"]) {
    assert.equal(parsePidFileContent(bad), null, JSON.stringify(bad));
  }
});

test("pid file: the daemon locks, then writes; a second daemon is refused with the first one's PID", () => {
  const file = path();
  writeFileSync(file, "999999\n12345\n"); // stale and longer than what comes
  const first = lockPidFile(file);
  first.markStarting();
  assert.equal(readFileSync(file, "utf8"), "(starting)\n");
  first.writePid(4242);
  assert.equal(readFileSync(file, "utf8"), "4242\n");
  assert.deepEqual(readPidFile(file), { kind: "running", pid: 4242 });
  assert.throws(() => lockPidFile(file), (error: unknown) => error instanceof DaemonAlreadyRunning && error.pid === 4242);
  first.markExiting();
  assert.deepEqual(readPidFile(file), { kind: "exiting" });
  first.release();
  assert.equal(first.held, false);
  assert.deepEqual(readPidFile(file), { kind: "not-running" });
  first.release(); // idempotent
});

test("pid file: a daemon that dies without release() leaves a stale file", () => {
  const file = path();
  const lock = lockPidFile(file);
  lock.writePid(4242);
  lock.abandon(); // what the kernel does for a daemon killed by SIGKILL
  assert.deepEqual(readPidFile(file), { kind: "stale", content: "4242\n" });
  const next = lockPidFile(file); // the lock, not the content, decides
  next.release();
});

test("pid file: created 0644 whatever the umask lets through", () => {
  const file = path();
  const lock = lockPidFile(file);
  assert.equal(statSync(file).mode & 0o777, 0o644 & ~process.umask());
  lock.release();
});

test("guard: the default is the PID file with .pid replaced by .lock, else none", () => {
  assert.equal(defaultGuardFile("/run/foo.pid"), "/run/foo.lock");
  assert.equal(defaultGuardFile("foo.pid"), "foo.lock");
  assert.equal(defaultGuardFile(".pid"), ".lock");
  assert.equal(defaultGuardFile("/run/foo.pid.old"), null);
  assert.equal(defaultGuardFile("/run/foo"), null);
});

test("guard: held exclusively until released, and created if missing", () => {
  const file = join(dir.path, "g.lock");
  const guard = lockGuard(file);
  const fd = openSync(file, "r");
  try {
    assert.equal(lockFile(fd, "shared"), false, "another open file cannot share it");
    guard.release();
    guard.release();
    assert.equal(lockFile(fd, "exclusive"), true, "free once released");
  } finally {
    closeSync(fd);
  }
});

test("pid file: reading, locking and releasing leak no fd", () => {
  const file = path();
  const before = openFds();
  for (let i = 0; i < 10; i++) {
    readPidFile(file);
    const lock = lockPidFile(file);
    lock.writePid(1);
    readPidFile(file);
    assert.throws(() => lockPidFile(file), DaemonAlreadyRunning);
    lock.release();
    lockGuard(join(dir.path, "leak.lock")).release();
  }
  readPidFile(join(dir.path, "missing.pid"));
  assert.deepEqual(openFds(), before);
});
