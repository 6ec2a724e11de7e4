import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { closeFd, inspectFd, NotifySocket, openFds, pipe, sendNotify, type NotifyDatagram } from "../../src/sys/index.js";
import { EventLog } from "../helpers/events.js";
import { fixture, isRoot } from "../helpers/repo.js";
import { TestProcesses, testEnv } from "../helpers/processes.js";

const processes = new TestProcesses();
const dir = mkdtempSync(join(tmpdir(), "steward-notify-"));
chmodSync(dir, 0o755); // a sender running as another user must reach the socket
after(() => {
  processes.close();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
function listen(kind: "path" | "abstract" = "abstract") {
  const address = kind === "path" ? join(dir, `notify-${++counter}`) : `@steward-test-${process.pid}-${++counter}`;
  const received = new EventLog<NotifyDatagram>();
  const batches: number[] = [];
  const socket = new NotifySocket(address, (datagrams) => {
    batches.push(datagrams.length);
    datagrams.forEach((d) => received.push(d));
  });
  return { socket, received, batches, address };
}

test("notify: a datagram from another process carries its real PID, UID, GID and fds", async () => {
  const { socket, received, address } = listen("path");
  // As root, the sender runs as nobody, so the credentials cannot be our own by accident.
  const credentials = isRoot ? { uid: 65534, gid: 65534, groups: [65534] } : {};
  try {
    const sender = await processes.run({
      file: process.execPath,
      argv: ["node", fixture("notify-sender.mjs"), address, "READY=1\nSTATUS=up\n", "2"],
      env: testEnv(),
      ...credentials,
    });
    assert.equal(sender.exit.kind, "exited", sender.stdout);
    const senderPid = Number(sender.stdout.trim());
    assert.equal(senderPid, sender.pid, sender.stdout);
    const message = await received.next((d) => d.pid === senderPid, "the sender's datagram");
    assert.equal(message.data.toString(), "READY=1\nSTATUS=up\n");
    assert.equal(message.uid, isRoot ? 65534 : process.getuid?.());
    assert.equal(message.gid, isRoot ? 65534 : process.getgid?.());
    assert.equal(message.truncated, false);
    assert.equal(message.fds.length, 2);
    for (const fd of message.fds) {
      assert.equal(inspectFd(fd).type, "char"); // the sender's /dev/null, now ours
      closeFd(fd);
    }
  } finally {
    socket.close();
  }
});

test("notify: a path-bound socket can be written by anyone once made so", () => {
  const { socket, address } = listen("path");
  try {
    assert.ok(statSync(address).isSocket());
  } finally {
    socket.close();
  }
});

test("notify: explicit credentials name another process (sd_pid_notify)", { skip: !isRoot && "needs CAP_SYS_ADMIN" }, async () => {
  const { socket, received, address } = listen();
  try {
    const other = processes.start({ file: "/bin/sh", argv: ["sh", "-c", "read x"], env: {} }, -1);
    sendNotify(address, "MAINPID=1\n", { pid: other.pid });
    const message = await received.next(() => true, "the datagram");
    assert.equal(message.pid, other.pid);
    await Promise.all([processes.exit(other.pid), other.stdout]);
    if (other.pidfd !== null) closeFd(other.pidfd);
  } finally {
    socket.close();
  }
});

test("notify: explicit credentials of our own PID need no privilege", async () => {
  const { socket, received, address } = listen();
  try {
    sendNotify(address, "READY=1", { pid: process.pid });
    assert.equal((await received.next(() => true, "the datagram")).pid, process.pid);
  } finally {
    socket.close();
  }
});

test("notify: a truncated datagram is flagged and its fds are closed", async () => {
  const before = openFds();
  const { socket, received, address } = listen();
  try {
    const extra = [openSync("/dev/null", "r"), openSync("/dev/null", "r"), openSync("/dev/null", "r")];
    sendNotify(address, Buffer.alloc(5000, "x"), { fds: extra });
    extra.forEach(closeFd);
    const message = await received.next(() => true, "the oversized datagram");
    assert.equal(message.truncated, true);
    assert.deepEqual(message.fds, []);
    assert.equal(message.data.length, 4096);
  } finally {
    socket.close();
  }
  assert.deepEqual(openFds(), before);
});

test("notify: a datagram of exactly 4096 bytes is whole", async () => {
  const { socket, received, address } = listen();
  try {
    sendNotify(address, Buffer.alloc(4096, "y"));
    const message = await received.next(() => true, "the datagram");
    assert.equal(message.truncated, false);
    assert.equal(message.data.length, 4096);
  } finally {
    socket.close();
  }
});

// A unix datagram socket queues at most net.unix.max_dgram_qlen messages (10 on some
// machines): a sender to our own socket must not outrun it, or it blocks this very thread.
const queueLength = Number(readFileSync("/proc/sys/net/unix/max_dgram_qlen", "utf8"));

test("notify: datagrams waiting at one wake-up arrive in one batch", async () => {
  const { socket, received, batches, address } = listen();
  const count = Math.min(queueLength, 50);
  try {
    for (let i = 0; i < count; i++) sendNotify(address, `X_N=${i}`, { dontWait: true });
    await received.next((d) => d.data.toString() === `X_N=${count - 1}`, "the last datagram");
    assert.deepEqual(batches, [count]);
    assert.deepEqual(received.seen.map((d) => d.data.toString()), Array.from({ length: count }, (_, i) => `X_N=${i}`));
  } finally {
    socket.close();
  }
});

test("notify: 10,000 datagrams carrying fds leave /proc/self/fd as it was", async () => {
  const before = openFds();
  const { socket, received, address } = listen();
  const channel = pipe();
  let closed = 0;
  try {
    const perRound = Math.min(queueLength, 100);
    for (let sent = 0; sent < 10_000; sent += perRound) {
      const round = Math.min(perRound, 10_000 - sent);
      for (let i = 0; i < round; i++) {
        sendNotify(address, `FDSTORE=1\nX_I=${sent + i}`, { fds: [channel.readEnd, channel.writeEnd], dontWait: true });
      }
      const last = `FDSTORE=1\nX_I=${sent + round - 1}`;
      await received.next((d) => d.data.toString() === last, `datagram ${sent + round - 1}`);
      for (const d of received.seen.splice(0)) {
        assert.equal(d.fds.length, 2);
        d.fds.forEach(closeFd);
        closed += 2;
      }
    }
  } finally {
    socket.close();
  }
  assert.equal(closed, 20_000);
  closeFd(channel.readEnd);
  closeFd(channel.writeEnd);
  assert.deepEqual(openFds(), before);
});

test("notify: binding an address in use fails with EADDRINUSE", () => {
  const { socket, address } = listen();
  try {
    assert.throws(() => new NotifySocket(address, () => undefined), { code: "EADDRINUSE", syscall: "bind" });
  } finally {
    socket.close();
  }
});

test("notify: sending to nowhere fails with the errno", () => {
  assert.throws(() => sendNotify(join(dir, "absent"), "READY=1"), { code: "ENOENT", syscall: "sendmsg" });
  assert.throws(() => sendNotify("relative", "READY=1"), { code: "EINVAL" });
});
