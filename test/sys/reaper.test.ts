import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { closeFd, killPid, Reaper, reapNow, setChildSubreaper, spawn } from "../../src/sys/index.js";
import { fixture, which } from "../helpers/repo.js";
import { TestProcesses, testEnv } from "../helpers/processes.js";

const processes = new TestProcesses();
after(() => processes.close());
const sh = which("sh");
const sleep = which("sleep");

function run(script: string) {
  const child = spawn({ file: sh, argv: ["sh", "-c", script], env: testEnv() });
  if (child.pidfd !== null) closeFd(child.pidfd);
  return child.pid;
}

function state(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

test("reaper: reports an exit with its code", async () => {
  const pid = run("exit 7");
  assert.deepEqual(await processes.exit(pid), { pid, kind: "exited", code: 7 });
});

test("reaper: reports death by a signal", async () => {
  const pid = run("kill -TERM $$");
  assert.deepEqual(await processes.exit(pid), { pid, kind: "killed", signal: 15, coreDumped: false });
});

test("reaper: reports stop and continue, then the kill", async () => {
  const child = spawn({ file: sleep, argv: ["sleep", "30"], env: {} });
  const { pid } = child;
  killPid(pid, "SIGSTOP");
  assert.deepEqual(await processes.changes.next((c) => c.pid === pid, "stop"), { pid, kind: "stopped", signal: 19 });
  killPid(pid, "SIGCONT");
  assert.deepEqual(await processes.changes.next((c) => c.pid === pid, "continue"), { pid, kind: "continued" });
  killPid(pid, "SIGKILL");
  assert.deepEqual(await processes.exit(pid), { pid, kind: "killed", signal: 9, coreDumped: false });
  if (child.pidfd !== null) closeFd(child.pidfd);
});

test("reaper: everything that ended before one wake-up comes in one batch", async () => {
  const pids = Array.from({ length: 20 }, () => run("exit 0"));
  // Wait, without returning to the event loop, until all twenty are zombies.
  const deadline = Date.now() + 5000;
  while (!pids.every((pid) => state(pid) === "Z")) {
    assert.ok(Date.now() < deadline, "children did not exit");
  }
  const batchesBefore = processes.batches.length;
  await Promise.all(pids.map((pid) => processes.exit(pid)));
  const batch = processes.batches[batchesBefore] ?? [];
  assert.deepEqual(new Set(batch.map((c) => c.pid)), new Set(pids));
});

test("reaper: with the subreaper bit, a double-forked grandchild is ours to reap", async () => {
  setChildSubreaper(true);
  try {
    const { stdout, exit } = await processes.run({
      file: sh,
      argv: ["sh", "-c", `${sleep} 0.2 >/dev/null 2>&1 </dev/null & echo $!`],
      env: testEnv(),
    });
    assert.equal(exit.kind, "exited");
    const grandchild = Number(stdout.trim());
    assert.ok(grandchild > 0);
    assert.deepEqual(await processes.exit(grandchild), { pid: grandchild, kind: "exited", code: 0 });
  } finally {
    setChildSubreaper(false);
  }
});

test("reaper: a parent-death signal kills the orphan when its parent exits", async () => {
  setChildSubreaper(true);
  try {
    const { stdout } = await processes.run({
      file: process.execPath,
      argv: ["node", fixture("orphan-maker.mjs"), sleep, "pdeathsig"],
      env: testEnv(),
    });
    const orphan = Number(stdout.trim());
    assert.deepEqual(await processes.exit(orphan), { pid: orphan, kind: "killed", signal: 9, coreDumped: false });
  } finally {
    setChildSubreaper(false);
  }
});

test("reaper: only one reaper per process", () => {
  assert.throws(() => new Reaper(() => undefined), { code: "EBUSY", syscall: "reaperStart" });
});

test("reaper: reapNow drains synchronously", () => {
  const pid = run("exit 3");
  const deadline = Date.now() + 5000;
  while (state(pid) !== "Z") assert.ok(Date.now() < deadline, "child did not exit");
  const changes = reapNow();
  assert.deepEqual(changes, [{ pid, kind: "exited", code: 3 }]);
});

test("handles: unref'd reaper, watch set and notify socket let a process exit", async () => {
  const { stdout, exit } = await processes.run({
    file: process.execPath,
    argv: ["node", fixture("unref-exit.mjs")],
    env: testEnv(),
  });
  assert.equal(stdout, "unrefed\n");
  assert.deepEqual(exit, { pid: exit.pid, kind: "exited", code: 0 });
});
