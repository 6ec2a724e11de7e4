import assert from "node:assert/strict";
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { closeFd, createFifo, createSocket, inspectFd, memfd, peerCredentials, pipe, socketPair } from "../../src/sys/index.js";
import { isRoot } from "../helpers/repo.js";

const dir = mkdtempSync(join(tmpdir(), "steward-sockets-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const hasIPv6 = (() => {
  try {
    return readFileSync("/proc/net/if_inet6", "utf8").includes("00000000000000000000000000000001");
  } catch {
    return false;
  }
})();

test("sockets: a TCP listener on 127.0.0.1 accepts connections", async () => {
  const fd = createSocket({ family: "inet", type: "stream", host: "127.0.0.1", port: 0, backlog: 16 });
  try {
    const info = inspectFd(fd);
    assert.equal(info.type, "socket");
    assert.equal(info.socket?.family, "inet");
    assert.equal(info.socket?.type, "stream");
    assert.equal(info.socket?.listening, true);
    assert.equal(info.socket?.localAddress, "127.0.0.1");
    const port = info.socket?.localPort ?? 0;
    assert.ok(port > 0);
    await new Promise<void>((resolve, reject) => {
      const client = connect({ host: "127.0.0.1", port }, () => {
        client.destroy();
        resolve();
      });
      client.on("error", reject);
    });
  } finally {
    closeFd(fd);
  }
});

test("sockets: IPv6 with IPV6_V6ONLY", { skip: !hasIPv6 && "no IPv6 loopback here" }, () => {
  const fd = createSocket({ family: "inet6", type: "stream", host: "::1", port: 0, ipv6Only: true });
  try {
    const info = inspectFd(fd);
    assert.equal(info.socket?.family, "inet6");
    assert.equal(info.socket?.localAddress, "::1");
  } finally {
    closeFd(fd);
  }
});

test("sockets: UDP is bound but does not listen", () => {
  const fd = createSocket({ family: "inet", type: "dgram", host: "127.0.0.1", port: 0 });
  try {
    const info = inspectFd(fd);
    assert.equal(info.socket?.type, "dgram");
    assert.equal(info.socket?.listening, false);
    assert.ok((info.socket?.localPort ?? 0) > 0);
  } finally {
    closeFd(fd);
  }
});

test("sockets: a second bind of a port fails unless both ask for SO_REUSEPORT", () => {
  const first = createSocket({ family: "inet", type: "stream", host: "127.0.0.1", port: 0, reusePort: true });
  const port = inspectFd(first).socket?.localPort ?? 0;
  try {
    const second = createSocket({ family: "inet", type: "stream", host: "127.0.0.1", port, reusePort: true });
    closeFd(second);
    assert.throws(() => createSocket({ family: "inet", type: "stream", host: "127.0.0.1", port }), {
      code: "EADDRINUSE",
      syscall: "bind",
    });
  } finally {
    closeFd(first);
  }
});

test("sockets: a unix stream socket on a path gets its mode before it listens", () => {
  const path = join(dir, "api.sock");
  const fd = createSocket({ family: "unix", type: "stream", path, mode: 0o600 });
  try {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const info = inspectFd(fd);
    assert.deepEqual([info.socket?.family, info.socket?.localAddress, info.socket?.listening], ["unix", path, true]);
  } finally {
    closeFd(fd);
  }
});

test("sockets: abstract seqpacket and datagram sockets report their @name", () => {
  const name = `@steward-sockets-${process.pid}`;
  const seqpacket = createSocket({ family: "unix", type: "seqpacket", path: name });
  const dgram = createSocket({ family: "unix", type: "dgram", path: `${name}-d` });
  try {
    assert.equal(inspectFd(seqpacket).socket?.localAddress, name);
    assert.equal(inspectFd(seqpacket).socket?.type, "seqpacket");
    assert.equal(inspectFd(dgram).socket?.localAddress, `${name}-d`);
    assert.equal(inspectFd(dgram).socket?.listening, false);
  } finally {
    closeFd(seqpacket);
    closeFd(dgram);
  }
});

test("sockets: bad addresses are refused with the errno", () => {
  assert.throws(() => createSocket({ family: "inet", type: "stream", host: "not-an-ip", port: 1 }), { code: "EINVAL" });
  assert.throws(() => createSocket({ family: "unix", type: "stream", path: "relative" }), { code: "EINVAL" });
  assert.throws(() => createSocket({ family: "unix", type: "stream", path: "/" + "x".repeat(200) }), { code: "ENAMETOOLONG" });
});

test("sockets: a FIFO is created with its mode, opened read-write, and reused", () => {
  const path = join(dir, "control.fifo");
  const fd = createFifo({ path, mode: 0o620 });
  try {
    assert.ok(statSync(path).isFIFO());
    assert.equal(statSync(path).mode & 0o777, 0o620);
    assert.equal(inspectFd(fd).type, "fifo");
    // Read-write: a writer can come and go without the reader ever seeing EOF.
    const writer = openSync(path, "w");
    writeSync(writer, "hello");
    closeFd(writer);
    const again = createFifo({ path, mode: 0o620 });
    closeFd(again);
  } finally {
    closeFd(fd);
  }
  writeFileSync(join(dir, "plain"), "");
  assert.throws(() => createFifo({ path: join(dir, "plain") }), { code: "EEXIST", syscall: "mkfifo" });
});

test("sockets: inspecting pipes, memfds and connected pairs", () => {
  const p = pipe();
  const m = memfd("inspect");
  const [a, b] = socketPair("stream");
  try {
    assert.equal(inspectFd(p.readEnd).type, "fifo");
    assert.equal(inspectFd(m).type, "file");
    const pair = inspectFd(a).socket;
    assert.deepEqual([pair?.family, pair?.type, pair?.listening, pair?.localAddress, pair?.peerAddress], ["unix", "stream", false, "", ""]);
  } finally {
    for (const fd of [p.readEnd, p.writeEnd, m, a, b]) closeFd(fd);
  }
  assert.throws(() => inspectFd(m), { code: "EBADF", syscall: "fstat" });
});

test("sockets: owner of a unix socket path and of a FIFO when root", { skip: !isRoot && "needs root" }, () => {
  const path = join(dir, "owned.sock");
  const fd = createSocket({ family: "unix", type: "stream", path, uid: 65534, gid: 65534 });
  const fifoPath = join(dir, "owned.fifo");
  const fifo = createFifo({ path: fifoPath, uid: 65534, gid: 65534 });
  try {
    assert.deepEqual([statSync(path).uid, statSync(path).gid], [65534, 65534]);
    assert.deepEqual([statSync(fifoPath).uid, statSync(fifoPath).gid], [65534, 65534]);
  } finally {
    closeFd(fd);
    closeFd(fifo);
  }
});

test("sockets: the peer of a connected unix socket is known by its kernel credentials", () => {
  const [a, b] = socketPair("stream");
  try {
    assert.deepEqual(peerCredentials(a), { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
  } finally {
    closeFd(a);
    closeFd(b);
  }
  const p = pipe();
  try {
    assert.throws(() => peerCredentials(p.readEnd), { code: "ENOTSOCK" });
  } finally {
    closeFd(p.readEnd);
    closeFd(p.writeEnd);
  }
});
