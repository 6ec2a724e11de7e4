import assert from "node:assert/strict";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fdLabel, listenFds, ListenFdsError, SD_LISTEN_FDS_START } from "../../src/client/index.js";
import { adoptListenedFds } from "../../src/client/listen-fds.js";
import { pidfdId } from "../../src/client/pidfd-id.js";
import { closeFd, createFifo, createSocket, memfd, openFds, pipe, setCloexec, socketPair } from "../../src/sys/index.js";
import { withEnv } from "./receiver.js";

const dir = mkdtempSync(join(tmpdir(), "steward-listen-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const LISTEN_VARS = ["LISTEN_PID", "LISTEN_PIDFDID", "LISTEN_FDS", "LISTEN_FDNAMES"] as const;
const unsetAll = Object.fromEntries(LISTEN_VARS.map((name) => [name, undefined]));

test("listenFds: no LISTEN_PID means no fds", async () => {
  await withEnv({ ...unsetAll, LISTEN_FDS: "2" }, () => assert.deepEqual(listenFds(), []));
});

test("listenFds: a LISTEN_PID of another process means no fds, and no fd is touched", async () => {
  // fd 3 would be ours to mark close-on-exec if the variables were for us; they are for an ancestor.
  await withEnv({ ...unsetAll, LISTEN_PID: String(process.pid + 1), LISTEN_FDS: "1", LISTEN_FDNAMES: "web.socket" }, () => {
    assert.deepEqual(listenFds(), []);
  });
});

test("listenFds: LISTEN_PID of ours names the fds from 3 with their names", async () => {
  assert.equal(SD_LISTEN_FDS_START, 3);
  assert.ok(openFds().includes(3), "fd 3 is open in a Node process (libuv's epoll)");
  await withEnv({ ...unsetAll, LISTEN_PID: String(process.pid), LISTEN_FDS: "1", LISTEN_FDNAMES: "web.socket" }, () => {
    const fds = listenFds();
    assert.equal(fds.length, 1);
    assert.deepEqual([fds[0]?.fd, fds[0]?.name], [3, "web.socket"]);
  });
  await withEnv({ ...unsetAll, LISTEN_PID: String(process.pid), LISTEN_FDS: "1" }, () => {
    assert.equal(listenFds()[0]?.name, "unknown", "no LISTEN_FDNAMES: every name is unknown");
  });
});

test("listenFds: an fd that LISTEN_FDS names but is not open is an error", async () => {
  const open = openFds();
  let missing = SD_LISTEN_FDS_START;
  while (open.includes(missing)) missing++;
  const count = missing - SD_LISTEN_FDS_START + 1; // 3 .. missing, and only the last is not open
  await withEnv({ ...unsetAll, LISTEN_PID: String(process.pid), LISTEN_FDS: String(count) }, () => {
    assert.throws(() => listenFds(), (error: unknown) => {
      assert.ok(error instanceof ListenFdsError);
      assert.match(error.message, new RegExp(`fd ${missing}, which is not open`));
      return true;
    });
  });
});

test("listenFds: malformed variables are errors, as sd_listen_fds' -EINVAL", async () => {
  const own = String(process.pid);
  const cases: Record<string, string | undefined>[] = [
    { LISTEN_PID: "me" },
    { LISTEN_PID: own, LISTEN_FDS: "0" },
    { LISTEN_PID: own, LISTEN_FDS: "two" },
    { LISTEN_PID: own, LISTEN_FDS: "1", LISTEN_FDNAMES: "a:b" },
  ];
  for (const vars of cases) {
    await withEnv({ ...unsetAll, ...vars }, () => assert.throws(() => listenFds(), ListenFdsError, JSON.stringify(vars)));
  }
});

test("listenFds: unsetEnvironment drops all four variables, even when they were not for us", async () => {
  const vars = { LISTEN_PID: String(process.pid + 1), LISTEN_PIDFDID: "1", LISTEN_FDS: "1", LISTEN_FDNAMES: "x" };
  await withEnv(vars, () => {
    assert.deepEqual(listenFds({ unsetEnvironment: true }), []);
    for (const name of LISTEN_VARS) assert.equal(process.env[name], undefined, name);
  });
  await withEnv({ ...unsetAll, LISTEN_PID: "bad" }, () => {
    assert.throws(() => listenFds({ unsetEnvironment: true }), ListenFdsError);
    assert.equal(process.env.LISTEN_PID, undefined);
  });
});

test("listenFds: LISTEN_PIDFDID must be our own pidfd ID where the kernel has them", { skip: pidfdId(process.pid) === null && "no pidfs" }, async () => {
  const own = pidfdId(process.pid);
  const base = { ...unsetAll, LISTEN_PID: String(process.pid), LISTEN_FDS: "1" };
  await withEnv({ ...base, LISTEN_PIDFDID: String(own) }, () => assert.equal(listenFds().length, 1));
  await withEnv({ ...base, LISTEN_PIDFDID: String((own ?? 0n) + 1n) }, () => {
    assert.deepEqual(listenFds(), [], "a recycled PID: the fds were for a process that is gone");
  });
});

test("adoptListenedFds: each fd is made close-on-exec and described", () => {
  const tcp = createSocket({ family: "inet", type: "stream", host: "127.0.0.1", port: 0 });
  const tcp6 = createSocket({ family: "inet6", type: "stream", host: "::1", port: 0 });
  const udp = createSocket({ family: "inet", type: "dgram", host: "127.0.0.1", port: 0 });
  const unixPath = join(dir, "web.sock");
  const unix = createSocket({ family: "unix", type: "stream", path: unixPath });
  const abstract = `@steward-listen-${process.pid}`;
  const seqpacket = createSocket({ family: "unix", type: "seqpacket", path: abstract });
  const dgram = createSocket({ family: "unix", type: "dgram", path: `${abstract}-d` });
  const fifoPath = join(dir, "fifo");
  const fifo = createFifo({ path: fifoPath });
  const { readEnd, writeEnd } = pipe();
  const state = memfd("state");
  const file = openSync("/dev/null", "r");
  const [left, right] = socketPair("stream");
  const all = [tcp, tcp6, udp, unix, seqpacket, dgram, fifo, readEnd, state, file, left];
  try {
    // As the manager hands them over: without close-on-exec.
    for (const fd of all) setCloexec(fd, false);
    const adopted = adoptListenedFds(all.map((fd, i) => ({ fd, name: `n${i}` })));
    for (const fd of all) assert.equal(setCloexec(fd, true), true, `fd ${fd} was made close-on-exec`);

    const labels = adopted.map(fdLabel);
    assert.match(labels[0] ?? "", /^tcp-listener 127\.0\.0\.1:\d+$/);
    assert.match(labels[1] ?? "", /^tcp-listener \[::1\]:\d+$/);
    assert.match(labels[2] ?? "", /^udp 127\.0\.0\.1:\d+$/);
    assert.deepEqual(labels.slice(3), [
      `unix-stream-listener ${unixPath}`,
      `unix-seqpacket-listener ${abstract}`,
      `unix-dgram ${abstract}-d`,
      `fifo ${fifoPath}`,
      "pipe",
      "memfd memfd:state",
      "device /dev/null",
      "unix-stream",
    ]);
    assert.deepEqual(adopted.map((a) => a.name), all.map((_, i) => `n${i}`));
    assert.deepEqual(adopted.map((a) => a.fd), all);
  } finally {
    [...all, writeEnd, right].forEach(closeFd);
  }
});

test("adoptListenedFds: an fd that is not open is a ListenFdsError", () => {
  const { readEnd, writeEnd } = pipe();
  closeFd(readEnd);
  closeFd(writeEnd);
  assert.throws(() => adoptListenedFds([{ fd: readEnd, name: "gone" }]), ListenFdsError);
});
