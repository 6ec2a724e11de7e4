import assert from "node:assert/strict";
import { mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync } from "node:fs";
import { after, test } from "node:test";
import { closeFd, killPid, memfd, openFds, pipe, socketPair, spawn, SpawnError } from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";
import { fixture, isRoot, which } from "../helpers/repo.js";
import { TestProcesses, testEnv } from "../helpers/processes.js";

const processes = new TestProcesses();
after(() => processes.close());
const sleep = which("sleep");
const sh = which("sh");

function statusField(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  assert.ok(line, `no ${field} in /proc/${pid}/status`);
  return line.slice(field.length + 1).trim();
}

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
}

function fdsOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
}

/**
 * sleep(1) opens locale files while it starts (at the lowest free fd): its fd table is
 * what we gave it only once it sleeps. And spawn() returns as soon as exec has begun, before
 * the kernel has recorded where the new environment lies (/proc/PID/environ reads empty
 * until then). The kernel says when both are done: wchan.
 */
async function asleep(pid: number): Promise<void> {
  await waitUntil(() => (readFileSync(`/proc/${pid}/wchan`, "utf8").includes("nanosleep") ? true : undefined), `pid ${pid} to sleep`);
}

/** Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ... */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

async function stop(child: { pid: number; pidfd: number | null }): Promise<void> {
  killPid(child.pid, "SIGKILL");
  await processes.exit(child.pid);
  if (child.pidfd !== null) closeFd(child.pidfd);
}

function spawnFailure(spec: Parameters<typeof spawn>[0]): SpawnError {
  try {
    const child = spawn(spec);
    killPid(child.pid, "SIGKILL");
  } catch (error) {
    assert.ok(error instanceof SpawnError, `expected a SpawnError, got ${String(error)}`);
    return error;
  }
  assert.fail(`spawning ${spec.file} was expected to fail`);
}

test("spawn: the child has exactly the mapped fds, each the object it was given", async () => {
  const devNull = openSync("/dev/null", "r+");
  const channel = pipe();
  const mem = memfd("spawn-test");
  const [sockA, sockB] = socketPair();
  const map = [devNull, devNull, devNull, channel.writeEnd, mem, sockA];
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, fds: map });
  try {
    await asleep(child.pid);
    assert.deepEqual(fdsOf(child.pid), [0, 1, 2, 3, 4, 5]);
    map.forEach((parentFd, i) => {
      assert.equal(readlinkSync(`/proc/${child.pid}/fd/${i}`), readlinkSync(`/proc/self/fd/${parentFd}`), `fd ${i}`);
    });
  } finally {
    await stop(child);
    for (const fd of [devNull, channel.readEnd, channel.writeEnd, mem, sockA, sockB]) closeFd(fd);
  }
});

test("spawn: a hole in the fd map (-1) stays closed", async () => {
  const devNull = openSync("/dev/null", "r");
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, fds: [devNull, -1, devNull, devNull] });
  try {
    await asleep(child.pid);
    assert.deepEqual(fdsOf(child.pid), [0, 2, 3]);
  } finally {
    await stop(child);
    closeFd(devNull);
  }
});

/** O_NONBLOCK of an open file, as /proc/self/fdinfo says (the flags are octal). */
function nonBlocking(fd: number): boolean {
  const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
  assert.ok(flags !== undefined, `no flags for fd ${fd}`);
  return (parseInt(flags, 8) & 0o4000) !== 0;
}

test("spawn: nonBlocking sets or clears O_NONBLOCK on the named child fds only (the open file is shared)", async () => {
  const devNull = openSync("/dev/null", "r");
  const [a, b] = socketPair("stream");
  const [c, d] = socketPair("stream");
  try {
    // socketPair's ends come blocking: set O_NONBLOCK on 3 and leave 4 alone, then clear it again.
    assert.equal(nonBlocking(a), false);
    const first = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, fds: [devNull, devNull, devNull, a, c], nonBlocking: { fds: [3], on: true } });
    await stop(first);
    assert.equal(nonBlocking(a), true);
    assert.equal(nonBlocking(c), false);
    const second = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, fds: [devNull, devNull, devNull, a], nonBlocking: { fds: [3], on: false } });
    await stop(second);
    assert.equal(nonBlocking(a), false);
  } finally {
    for (const fd of [devNull, a, b, c, d]) closeFd(fd);
  }
});

test("spawn: fds may be mapped onto each other's numbers (a permutation)", async () => {
  const a = pipe();
  const b = pipe();
  // Child fd a.writeEnd gets b.writeEnd and vice versa, wherever those numbers fall.
  const map: number[] = [];
  map[a.writeEnd] = b.writeEnd;
  map[b.writeEnd] = a.writeEnd;
  const fds = Array.from(map, (fd) => fd ?? -1);
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, fds });
  try {
    await asleep(child.pid);
    assert.equal(readlinkSync(`/proc/${child.pid}/fd/${a.writeEnd}`), readlinkSync(`/proc/self/fd/${b.writeEnd}`));
    assert.equal(readlinkSync(`/proc/${child.pid}/fd/${b.writeEnd}`), readlinkSync(`/proc/self/fd/${a.writeEnd}`));
  } finally {
    await stop(child);
    for (const fd of [a.readEnd, a.writeEnd, b.readEnd, b.writeEnd]) closeFd(fd);
  }
});

test("spawn: LISTEN_PID and WATCHDOG_PID are the child's own PID, replacing stale values", async () => {
  const child = spawn({
    file: sleep,
    argv: ["sleep", "30"],
    env: { LISTEN_PID: "1", LISTEN_FDS: "0", KEEP: "yes" },
    setListenPid: true,
    setWatchdogPid: true,
  });
  try {
    await asleep(child.pid); // the kernel sets up the new environment's place in /proc after exec began
    const env = environ(child.pid);
    assert.deepEqual(env.filter((e) => e.startsWith("LISTEN_PID=")), [`LISTEN_PID=${child.pid}`]);
    assert.deepEqual(env.filter((e) => e.startsWith("WATCHDOG_PID=")), [`WATCHDOG_PID=${child.pid}`]);
    assert.ok(env.includes("KEEP=yes") && env.includes("LISTEN_FDS=0"));
  } finally {
    await stop(child);
  }
});

test("spawn: the environment is exactly what was given", async () => {
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: { A: "1", B: "two words" } });
  try {
    await asleep(child.pid);
    assert.deepEqual(environ(child.pid), ["A=1", "B=two words"]);
  } finally {
    await stop(child);
  }
});

test("spawn: signal mask and dispositions are reset, umask and cwd applied", async () => {
  // Node ignores SIGPIPE, and spawn blocks every signal across fork: neither may reach the child.
  assert.notEqual(statusField(process.pid, "SigIgn"), "0000000000000000");
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, umask: 0o027, cwd: "/tmp" });
  try {
    assert.equal(statusField(child.pid, "SigBlk"), "0000000000000000");
    assert.equal(statusField(child.pid, "SigIgn"), "0000000000000000");
    assert.equal(statusField(child.pid, "Umask"), "0027");
    assert.equal(readlinkSync(`/proc/${child.pid}/cwd`), "/tmp");
  } finally {
    await stop(child);
  }
});

test("spawn: a new session or a new process group on request", async () => {
  const inSession = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, detach: "session" });
  const inGroup = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, detach: "group" });
  const plain = spawn({ file: sleep, argv: ["sleep", "30"], env: {} });
  try {
    const [, , pgrpS, sessionS] = statFields(inSession.pid);
    assert.deepEqual([pgrpS, sessionS], [String(inSession.pid), String(inSession.pid)]);
    const [, , pgrpG, sessionG] = statFields(inGroup.pid);
    assert.equal(pgrpG, String(inGroup.pid));
    assert.notEqual(sessionG, String(inGroup.pid));
    const [, , pgrpP] = statFields(plain.pid);
    assert.equal(pgrpP, String(statFields(process.pid)[2]));
  } finally {
    await Promise.all([stop(inSession), stop(inGroup), stop(plain)]);
  }
});

test("spawn: resource limits are set before exec", async () => {
  const child = spawn({
    file: sleep,
    argv: ["sleep", "30"],
    env: {},
    limits: { NOFILE: { soft: 64, hard: 128 }, CORE: { soft: null, hard: null } },
  });
  try {
    const limits = readFileSync(`/proc/${child.pid}/limits`, "utf8");
    assert.match(limits, /Max open files\s+64\s+128\s+files/);
    assert.match(limits, /Max core file size\s+unlimited\s+unlimited/);
  } finally {
    await stop(child);
  }
});

test("spawn: user, group and supplementary groups when root", { skip: !isRoot && "needs root" }, async () => {
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, uid: 65534, gid: 65534, groups: [65534, 100] });
  try {
    assert.match(statusField(child.pid, "Uid"), /^65534\s+65534\s+65534\s+65534$/);
    assert.match(statusField(child.pid, "Gid"), /^65534\s+65534\s+65534\s+65534$/);
    assert.equal(statusField(child.pid, "Groups"), "100 65534");
  } finally {
    await stop(child);
  }
});

const cgroupRoot = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].find((dir) => {
  try {
    return readFileSync(`${dir}/cgroup.controllers`, "utf8") !== undefined && isRoot;
  } catch {
    return false;
  }
});

test("spawn: the child joins a cgroup before exec", { skip: !cgroupRoot && "needs a writable cgroup v2 hierarchy" }, async () => {
  const dir = `${cgroupRoot}/steward-spawn-test-${process.pid}`;
  mkdirSync(dir);
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {}, cgroup: dir });
  try {
    const membership = readFileSync(`/proc/${child.pid}/cgroup`, "utf8");
    assert.match(membership, new RegExp(`^0::/steward-spawn-test-${process.pid}$`, "m"));
  } finally {
    await stop(child);
    rmdirSync(dir);
  }
});

test("spawn: every failing step is named with its errno", () => {
  const rows: { name: string; spec: Parameters<typeof spawn>[0]; stage: string; code: string }[] = [
    { name: "missing program", spec: { file: "/nonexistent/prog", argv: ["x"], env: {} }, stage: "execve", code: "ENOENT" },
    { name: "a directory is not a program", spec: { file: "/tmp", argv: ["x"], env: {} }, stage: "execve", code: "EACCES" },
    { name: "missing working directory", spec: { file: sleep, argv: ["sleep"], env: {}, cwd: "/nonexistent" }, stage: "chdir", code: "ENOENT" },
    { name: "an fd that is not open", spec: { file: sleep, argv: ["sleep"], env: {}, fds: [9999] }, stage: "dup", code: "EBADF" },
    { name: "soft limit above hard", spec: { file: sleep, argv: ["sleep"], env: {}, limits: { NOFILE: { soft: 10, hard: 5 } } }, stage: "rlimit", code: "EINVAL" },
    { name: "missing cgroup", spec: { file: sleep, argv: ["sleep"], env: {}, cgroup: "/nonexistent" }, stage: "cgroup", code: "ENOENT" },
    { name: "an invalid group", spec: { file: sleep, argv: ["sleep"], env: {}, groups: [4294967295] }, stage: "setgroups", code: isRoot ? "EINVAL" : "EPERM" },
  ];
  for (const row of rows) {
    const error = spawnFailure(row.spec);
    assert.equal(error.stage, row.stage, row.name);
    assert.equal(error.code, row.code, row.name);
    assert.match(error.message, new RegExp(`^${row.spec.file}: ${row.stage} failed: ${row.code} \\(.+\\)$`), row.name);
  }
});

test("spawn: a failed spawn leaves no fd and no zombie behind", () => {
  const before = openFds();
  for (let i = 0; i < 20; i++) spawnFailure({ file: "/nonexistent/prog", argv: ["x"], env: {} });
  assert.deepEqual(openFds(), before);
  // The failed children were reaped by spawn itself: nothing is left for the reaper.
  assert.deepEqual(readdirSync("/proc").filter((p) => /^\d+$/.test(p) && isZombieChild(Number(p))), []);
});

function isZombieChild(pid: number): boolean {
  try {
    const [state, ppid] = statFields(pid);
    return state === "Z" && ppid === String(process.pid);
  } catch {
    return false;
  }
}

test("spawn: credential steps fail with EPERM without privileges", async () => {
  const node = process.execPath;
  const script = fixture("spawn-unprivileged.mjs");
  const credentials = isRoot ? { uid: 65534, gid: 65534, groups: [65534] } : {};
  const { stdout, exit } = await processes.run({
    file: node,
    argv: ["node", script, which("true")],
    env: testEnv(),
    ...credentials,
  });
  assert.deepEqual(exit, { pid: exit.pid, kind: "exited", code: 0 }, stdout);
  const results = stdout.trim().split("\n").map((line) => JSON.parse(line) as { attempt: string; stage: string; code: string });
  assert.deepEqual(results, [
    { attempt: "setgroups", stage: "setgroups", code: "EPERM" },
    { attempt: "setgid", stage: "setgid", code: "EPERM" },
    { attempt: "setuid", stage: "setuid", code: "EPERM" },
  ]);
});

test("spawn: arguments are refused before fork when they cannot work", () => {
  assert.throws(() => spawn({ file: "sleep", argv: ["sleep"], env: {} }), /absolute path/);
  assert.throws(() => spawn({ file: sleep, argv: ["sleep"], env: { "A=B": "x" } }), /invalid environment variable/);
  assert.throws(() => spawn({ file: sleep, argv: ["sleep"], env: {}, limits: { NOPE: { soft: 1, hard: 1 } } }), /unknown resource limit/);
});

test("spawn: returns a pidfd for the child", async () => {
  const child = spawn({ file: sh, argv: ["sh", "-c", "exit 0"], env: {} });
  assert.ok(child.pidfd !== null && child.pidfd > 2);
  assert.equal(readlinkSync(`/proc/self/fd/${child.pidfd}`), "anon_inode:[pidfd]");
  await processes.exit(child.pid);
  closeFd(child.pidfd);
});
