// The fd store under a real `steward up` (issue #5, docs/sockets.md): state kept in a stored
// pipe across restarts, FileDescriptorStorePreserve=no|yes over a stop, FileDescriptorStoreMax=
// overflow, a stored socket whose peer hangs up, and 10,000 store/remove cycles that leave the
// manager's fd table as it was. What the manager holds is read from its /proc/PID/fd.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixture } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";
import { waitUntil } from "../helpers/events.js";

const CYCLES = 10_000;
const node = process.execPath;
const service = fixture("fd-store-service.mjs");
const steward = new Steward({});

function unit(mode: string, settings: string, type = "notify"): string {
  return `[Service]\nType=${type}\nExecStart=${node} ${service} ${mode}\nTimeoutSec=120s\n${settings}\n`;
}
steward.writeUnit("state.service", unit("state", "FileDescriptorStoreMax=4"));
steward.writeUnit("state-no.service", unit("state", "FileDescriptorStoreMax=4\nFileDescriptorStorePreserve=no"));
steward.writeUnit("state-yes.service", unit("state", "FileDescriptorStoreMax=4\nFileDescriptorStorePreserve=yes"));
steward.writeUnit("overflow.service", unit("overflow", "FileDescriptorStoreMax=2"));
steward.writeUnit("peer.service", unit("peer", "FileDescriptorStoreMax=2"));
steward.writeUnit("cycles.service", unit(`cycles ${CYCLES}`, "FileDescriptorStoreMax=4", "notify-reload"));


/**
 * What the manager has open (readlink of each /proc/PID/fd entry), sorted, without the
 * control socket and its connections: those come and go with every CLI or API call.
 */
function managerFds(): string[] {
  const control = join(steward.runtimeDir, "control.sock");
  const controlInodes = new Set<string>();
  for (const line of readFileSync("/proc/net/unix", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[7] === control && fields[6] !== undefined) controlInodes.add(`socket:[${fields[6]}]`);
  }
  return steward.managerFdTargets().filter((target) => !controlInodes.has(target)).sort();
}

/** The fixture's STATUS= report. */
async function report<T>(name: string): Promise<T & { pid: number }> {
  const status = await steward.status(name);
  assert.ok(status.statusText !== null, `${name} reported: ${JSON.stringify(status)}`);
  return JSON.parse(status.statusText) as T & { pid: number };
}

async function cli(...args: string[]): Promise<void> {
  const result = await steward.run(...args);
  assert.equal(result.code, 0, `steward ${args.join(" ")}: ${result.stderr}\nmanager:\n${steward.stderr.slice(-4000)}`);
}

interface StateReport {
  generation: number;
  pipe: string;
  names: string | null;
}

before(() => steward.up([]));

after(async () => {
  await steward.stopManager();
  assert.deepEqual(steward.strays(), []);
  await steward.cleanup();
});

test("a daemon keeps its state in a stored pipe: after a restart it gets the same pipe under the same names", async () => {
  await cli("start", "state");
  const first = await report<StateReport>("state.service");
  assert.equal(first.generation, 1);
  assert.equal(first.names, null, "the first start is handed no fds");
  assert.deepEqual((await steward.status("state.service")).fdStore.map((fd) => [fd.name, fd.kind]), [["state.r", "pipe"], ["state.w", "pipe"]]);
  for (const generation of [2, 3]) {
    await cli("restart", "state");
    const next = await report<StateReport>("state.service");
    assert.notEqual(next.pid, first.pid);
    assert.equal(next.generation, generation, "the new process read what the old one wrote");
    assert.equal(next.pipe, first.pipe, "the same pipe (inode), not a copy of its contents");
    assert.equal(next.names, "state.r:state.w");
  }
  // The default, FileDescriptorStorePreserve=restart: a stop lets the store go.
  await cli("stop", "state");
  assert.deepEqual((await steward.status("state.service")).fdStore, []);
  assert.ok(!managerFds().includes(first.pipe), "the manager closed the pipe");
});

test("FileDescriptorStorePreserve=no: the stored pipe is gone after steward stop; the next start begins afresh", async () => {
  await cli("start", "state-no");
  const first = await report<StateReport>("state-no.service");
  assert.ok(managerFds().includes(first.pipe));
  await cli("stop", "state-no");
  assert.deepEqual((await steward.status("state-no.service")).fdStore, []);
  assert.ok(!managerFds().includes(first.pipe), "the manager closed the pipe");
  await cli("start", "state-no");
  const second = await report<StateReport>("state-no.service");
  assert.equal(second.generation, 1);
  assert.notEqual(second.pipe, first.pipe);
  assert.equal(second.names, null);
  await cli("stop", "state-no");
});

test("FileDescriptorStorePreserve=yes: the stored pipe survives steward stop and is handed to the next start", async () => {
  await cli("start", "state-yes");
  const first = await report<StateReport>("state-yes.service");
  await cli("stop", "state-yes");
  const stopped = await steward.status("state-yes.service");
  assert.equal(stopped.active, "inactive");
  assert.deepEqual(stopped.fdStore.map((fd) => fd.name), ["state.r", "state.w"]);
  assert.ok(managerFds().includes(first.pipe), "the manager still holds the pipe");
  await cli("start", "state-yes");
  const second = await report<StateReport>("state-yes.service");
  assert.equal(second.generation, 2);
  assert.equal(second.pipe, first.pipe);
  assert.equal(second.names, "state.r:state.w");
  await cli("stop", "state-yes");
});

test("an fd pushed beyond FileDescriptorStoreMax= is closed by the manager; the ones within it are kept", async () => {
  await cli("start", "overflow");
  const pipes = await report<{ a: string; b: string; c: string }>("overflow.service");
  const status = await steward.status("overflow.service");
  assert.deepEqual(status.fdStore.map((fd) => fd.name), ["a", "b"]);
  const held = managerFds();
  assert.ok(held.includes(pipes.a) && held.includes(pipes.b), `the manager holds a and b: ${JSON.stringify({ pipes, held })}`);
  assert.ok(!held.includes(pipes.c), `the manager closed c: ${JSON.stringify({ pipes, held })}`);
  assert.ok(
    status.recentLogs.some((line) => line.text.includes("Cannot store more fds than FileDescriptorStoreMax=2")),
    JSON.stringify(status.recentLogs),
  );
  await cli("stop", "overflow");
  const after = managerFds();
  assert.ok(!after.includes(pipes.a) && !after.includes(pipes.b), "a stop released a and b");
});

test("a stored socket whose peer hangs up is dropped from the store and closed", async () => {
  await cli("start", "peer");
  const { peer, pid } = await report<{ peer: string }>("peer.service");
  assert.deepEqual((await steward.status("peer.service")).fdStore.map((fd) => fd.name), ["peer"]);
  assert.ok(managerFds().includes(peer));
  process.kill(pid, "SIGUSR1"); // the service closes its end
  // No event tells of a store change: ask until the deadline.
  await waitUntil(
    async () => ((await steward.status("peer.service")).fdStore.length === 0 && !managerFds().includes(peer) ? true : undefined),
    `the hung-up ${peer} to leave the store and the manager's fds`,
  );
  assert.equal((await steward.status("peer.service")).active, "active");
  await cli("stop", "peer");
});

test(`${CYCLES} store/remove cycles (memfds and pipes) leave the manager's fds as they were`, async (t) => {
  await cli("start", "cycles");
  const baseline = managerFds();
  const started = performance.now();
  await cli("reload", "cycles"); // SIGHUP: the cycles, a barrier, then READY=1
  const seconds = (performance.now() - started) / 1000;
  const done = await report<{ cycles: number; reloads: number }>("cycles.service");
  assert.deepEqual({ cycles: done.cycles, reloads: done.reloads }, { cycles: CYCLES, reloads: 1 });
  assert.deepEqual((await steward.status("cycles.service")).fdStore.map((fd) => fd.name), ["anchor"]);
  const afterwards = managerFds();
  t.diagnostic(`${CYCLES} store/remove cycles in ${seconds.toFixed(1)} s; manager fds before ${baseline.length}, after ${afterwards.length}`);
  assert.deepEqual(afterwards, baseline);
  await cli("stop", "cycles");
});
