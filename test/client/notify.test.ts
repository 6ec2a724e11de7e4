import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import {
  errno, extendTimeout, mainPid, notify, NotifyAddressError, NotifyError, notifySocketAddress, ready, reloading, status, stopping,
} from "../../src/client/index.js";
import { pidfdId } from "../../src/client/pidfd-id.js";
import { closeFd, fdIdentity, pipe } from "../../src/sys/index.js";
import { isRoot } from "../helpers/repo.js";
import { Receiver, withEnv } from "./receiver.js";

async function withReceiver(kind: "abstract" | "path", body: (receiver: Receiver) => Promise<void> | void): Promise<void> {
  const receiver = new Receiver({ kind });
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, () => body(receiver));
  } finally {
    receiver.close();
  }
}

test("notify: without NOTIFY_SOCKET nothing is sent and the answer is false", async () => {
  await withEnv({ NOTIFY_SOCKET: undefined }, () => {
    assert.equal(notify({ READY: 1 }), false);
    assert.equal(ready(), false);
    assert.equal(notifySocketAddress(), null);
  });
});

test("notify: an empty NOTIFY_SOCKET counts as unset", async () => {
  await withEnv({ NOTIFY_SOCKET: "" }, () => assert.equal(notify({ READY: 1 }), false));
});

test("notify: an @abstract address gets the datagram, with our own credentials", async () => {
  await withReceiver("abstract", async (receiver) => {
    assert.equal(notify({ READY: 1, STATUS: "up" }), true);
    const message = await receiver.received.next(() => true, "the datagram");
    assert.equal(message.text, "READY=1\nSTATUS=up\n");
    assert.equal(message.pid, process.pid);
    assert.deepEqual(message.fds, []);
  });
});

test("notify: a /path address gets the datagram", async () => {
  await withReceiver("path", async (receiver) => {
    assert.ok(existsSync(receiver.address));
    assert.equal(notify({ X_TEST: "path" }), true);
    assert.equal((await receiver.received.next(() => true, "the datagram")).text, "X_TEST=path\n");
  });
});

test("notify: unsetEnvironment drops NOTIFY_SOCKET after sending, and when there was nothing to send to", async () => {
  await withReceiver("abstract", async (receiver) => {
    assert.equal(notify({ READY: 1 }, { unsetEnvironment: true }), true);
    assert.equal(process.env.NOTIFY_SOCKET, undefined);
    assert.equal(notify({ READY: 1 }), false, "the next call has no manager");
    await receiver.received.next(() => true, "the one datagram");
  });
  await withEnv({ NOTIFY_SOCKET: "vsock:2:1234" }, () => {
    assert.throws(() => notify({ READY: 1 }, { unsetEnvironment: true }), NotifyAddressError);
    assert.equal(process.env.NOTIFY_SOCKET, undefined, "unset even when the call failed");
  });
});

test("notify: addresses other than /path and @name are refused with a clear error", async () => {
  const cases: [string, string][] = [
    ["vsock:2:1234", "EAFNOSUPPORT"],
    ["vsock-stream:2:1234", "EAFNOSUPPORT"],
    ["relative/notify.sock", "EINVAL"],
    ["@", "EINVAL"],
  ];
  for (const [address, code] of cases) {
    await withEnv({ NOTIFY_SOCKET: address }, () => {
      assert.throws(() => notify({ READY: 1 }), (error: unknown) => {
        assert.ok(error instanceof NotifyAddressError);
        assert.equal(error.code, code);
        assert.match(error.message, /^NOTIFY_SOCKET=/);
        return true;
      }, address);
    });
  }
});

test("notify: a socket that is not there is a NotifyError carrying the errno", async () => {
  await withEnv({ NOTIFY_SOCKET: "/nonexistent/steward/notify" }, () => {
    assert.throws(() => notify({ READY: 1 }), (error: unknown) => {
      assert.ok(error instanceof NotifyError);
      assert.equal(error.code, "ENOENT");
      assert.equal(error.syscall, "sendmsg");
      assert.match(error.message, /\/nonexistent\/steward\/notify/);
      return true;
    });
  });
});

test("notify: fields a manager would split or refuse are errors, with or without a manager", async () => {
  await withEnv({ NOTIFY_SOCKET: undefined }, () => {
    assert.throws(() => notify({ STATUS: "two\nlines" }), /newline/);
    assert.throws(() => notify({ "A=B": 1 }), /contains "="/);
    assert.throws(() => notify({}), /at least one variable/);
    assert.throws(() => notify({ STATUS: "x".repeat(5000) }), RangeError);
  });
});

test("notify: pid of our own sends no foreign credentials; another PID is believed only with privilege", async () => {
  await withReceiver("abstract", async (receiver) => {
    notify({ X_N: 1 }, { pid: process.pid });
    assert.equal((await receiver.received.next((d) => d.fields["X_N"] === "1", "own pid")).pid, process.pid);
    // As root the kernel lets us speak for our parent; otherwise the message goes out as ours (libsystemd's retry).
    notify({ X_N: 2 }, { pid: process.ppid });
    const expected = isRoot && process.ppid > 1 ? process.ppid : process.pid;
    assert.equal((await receiver.received.next((d) => d.fields["X_N"] === "2", "on behalf of the parent")).pid, expected);
  });
});

test("notify: attached fds arrive as copies of ours", async () => {
  await withReceiver("abstract", async (receiver) => {
    const { readEnd, writeEnd } = pipe();
    try {
      notify({ X_FDS: 2 }, { fds: [readEnd, writeEnd] });
      const message = await receiver.received.next(() => true, "the datagram");
      assert.equal(message.fds.length, 2);
      assert.deepEqual(message.fds.map(fdIdentity), [fdIdentity(readEnd), fdIdentity(writeEnd)]);
    } finally {
      closeFd(readEnd);
      closeFd(writeEnd);
    }
  });
});

test("lifecycle: each helper sends the fields systemd's clients send", async () => {
  await withReceiver("abstract", async (receiver) => {
    const next = (what: string) => receiver.received.next(() => true, what);
    assert.equal(ready(), true);
    assert.equal((await next("ready")).text, "READY=1\n");
    ready("serving");
    assert.equal((await next("ready with status")).text, "READY=1\nSTATUS=serving\n");
    stopping();
    assert.equal((await next("stopping")).text, "STOPPING=1\n");
    status("");
    assert.equal((await next("status")).text, "STATUS=\n");
    errno(2);
    assert.equal((await next("errno")).text, "ERRNO=2\n");
    errno("EACCES");
    assert.equal((await next("errno by name")).text, "ERRNO=13\n");
    extendTimeout(5_000_000);
    assert.equal((await next("extend")).text, "EXTEND_TIMEOUT_USEC=5000000\n");
  });
});

test("lifecycle: reloading() carries CLOCK_MONOTONIC in microseconds", async () => {
  await withReceiver("abstract", async (receiver) => {
    const before = process.hrtime.bigint() / 1000n;
    reloading("re-reading");
    const after = process.hrtime.bigint() / 1000n;
    const message = await receiver.received.next(() => true, "reloading");
    assert.deepEqual(Object.keys(message.fields), ["RELOADING", "MONOTONIC_USEC", "STATUS"]);
    const stamp = BigInt(message.fields["MONOTONIC_USEC"] ?? "-1");
    assert.ok(stamp >= before && stamp <= after, `${stamp} within [${before}, ${after}]`);
  });
});

test("lifecycle: mainPid() names the process and, on pidfs kernels, its pidfd ID", async () => {
  await withReceiver("abstract", async (receiver) => {
    mainPid(process.pid);
    const message = await receiver.received.next(() => true, "MAINPID=");
    assert.equal(message.fields["MAINPID"], String(process.pid));
    const id = pidfdId(process.pid);
    assert.equal(message.fields["MAINPIDFDID"], id === null ? undefined : String(id));
  });
});

test("lifecycle: arguments that no manager could read are refused before sending", () => {
  assert.throws(() => mainPid(0), RangeError);
  assert.throws(() => mainPid(1.5), RangeError);
  assert.throws(() => errno(-2), RangeError);
  assert.throws(() => errno(4096), RangeError);
  assert.throws(() => errno("ENOTANERRNO"), RangeError);
  assert.throws(() => extendTimeout(-1), RangeError);
  assert.throws(() => extendTimeout(0.5), RangeError);
});
