import assert from "node:assert/strict";
import { test } from "node:test";
import { barrier, BarrierTimeoutError, notify } from "../../src/client/index.js";
import { fdTarget, openFds } from "../../src/sys/index.js";
import { Receiver, settle, withEnv } from "./receiver.js";

// One barrier before measuring, so whatever Node opens lazily is open already.
async function warmUp(): Promise<void> {
  const receiver = new Receiver();
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, () => barrier(1000));
  } finally {
    receiver.close();
  }
  await settle();
}

async function assertNoLeak(before: number[]): Promise<void> {
  await settle();
  const after = openFds();
  const leaked = after.filter((fd) => !before.includes(fd));
  assert.deepEqual(leaked, [], `leaked: ${leaked.map((fd) => `${fd} ${fdTarget(fd)}`).join(", ")}`);
}

test("barrier: without NOTIFY_SOCKET it resolves false at once and opens nothing", async () => {
  await warmUp();
  const before = openFds();
  await withEnv({ NOTIFY_SOCKET: undefined }, async () => assert.equal(await barrier(1000), false));
  await assertNoLeak(before);
});

test("barrier: BARRIER=1 goes alone with one fd, after everything sent before", async () => {
  const receiver = new Receiver();
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, async () => {
      notify({ READY: 1 });
      assert.equal(await barrier(5000), true);
    });
    // Resolved: so the receiver has seen both, in order.
    const seen = receiver.received.seen;
    assert.deepEqual(seen.map((d) => d.text), ["READY=1\n", "BARRIER=1\n"]);
    assert.equal(seen[1]?.fds.length, 1);
    assert.equal(seen[1]?.pid, process.pid);
  } finally {
    receiver.close();
  }
});

test("barrier: resolves only when the manager closes the fd, and leaks no fd", async () => {
  await warmUp();
  const before = openFds();
  const receiver = new Receiver({ answerBarriers: false });
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, async () => {
      let settled = false;
      const waiting = barrier(10_000).finally(() => (settled = true));
      await receiver.received.next((d) => d.barrier, "the barrier datagram");
      await settle();
      assert.equal(settled, false, "still waiting while the manager holds the fd");
      receiver.answerHeld();
      assert.equal(await waiting, true);
    });
  } finally {
    receiver.close();
  }
  await assertNoLeak(before);
});

test("barrier: rejects with a timeout when the fd is never closed, and leaks no fd", async () => {
  await warmUp();
  const before = openFds();
  const receiver = new Receiver({ answerBarriers: false });
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, async () => {
      const started = Date.now();
      await assert.rejects(barrier(100), (error: unknown) => {
        assert.ok(error instanceof BarrierTimeoutError);
        assert.equal(error.code, "ETIMEDOUT");
        assert.equal(error.timeoutMs, 100);
        return true;
      });
      assert.ok(Date.now() - started >= 90, "waited for the timeout");
      assert.equal(receiver.barriers().length, 1);
    });
  } finally {
    receiver.close(); // closes the held barrier fd
  }
  await assertNoLeak(before);
});

test("barrier: a send that fails rejects and leaks no fd", async () => {
  await warmUp();
  const before = openFds();
  await withEnv({ NOTIFY_SOCKET: "@steward-client-test-nobody-listens" }, async () => {
    await assert.rejects(barrier(1000), { code: "ECONNREFUSED" });
  });
  await assertNoLeak(before);
});

test("barrier: unsetEnvironment drops NOTIFY_SOCKET", async () => {
  const receiver = new Receiver();
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, async () => {
      assert.equal(await barrier(5000, { unsetEnvironment: true }), true);
      assert.equal(process.env.NOTIFY_SOCKET, undefined);
    });
  } finally {
    receiver.close();
  }
});

test("barrier: a negative timeout is refused", async () => {
  await assert.rejects(barrier(-1), RangeError);
});
