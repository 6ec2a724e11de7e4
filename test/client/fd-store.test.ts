import assert from "node:assert/strict";
import { test } from "node:test";
import { barrier, fdStore } from "../../src/client/index.js";
import { closeFd, fdIdentity, memfd, pipe, sameOpenFile } from "../../src/sys/index.js";
import { Receiver, withEnv } from "./receiver.js";

async function withReceiver(body: (receiver: Receiver) => Promise<void>): Promise<void> {
  const receiver = new Receiver();
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, () => body(receiver));
  } finally {
    receiver.close();
  }
}

test("fdStore.add: FDSTORE=1 and FDNAME= with the fd attached, a copy of the same open file", async () => {
  await withReceiver(async (receiver) => {
    const state = memfd("state");
    try {
      assert.equal(fdStore.add("state", state), true);
      const message = await receiver.received.next(() => true, "the FDSTORE message");
      assert.equal(message.text, "FDSTORE=1\nFDNAME=state\n");
      assert.equal(message.fds.length, 1);
      const received = message.fds[0] ?? -1;
      assert.notEqual(sameOpenFile(received, state), false);
      assert.equal(fdIdentity(received), fdIdentity(state));
    } finally {
      closeFd(state);
    }
  });
});

test("fdStore.add: several fds go in one message under one name; poll: false adds FDPOLL=0", async () => {
  await withReceiver(async (receiver) => {
    const { readEnd, writeEnd } = pipe();
    try {
      fdStore.add("conn", [readEnd, writeEnd], { poll: false });
      const message = await receiver.received.next(() => true, "the FDSTORE message");
      assert.equal(message.text, "FDSTORE=1\nFDNAME=conn\nFDPOLL=0\n");
      assert.deepEqual(message.fds.map(fdIdentity), [fdIdentity(readEnd), fdIdentity(writeEnd)]);
    } finally {
      closeFd(readEnd);
      closeFd(writeEnd);
    }
  });
});

test("fdStore.remove: FDSTOREREMOVE=1 and FDNAME=, no fds", async () => {
  await withReceiver(async (receiver) => {
    assert.equal(fdStore.remove("state"), true);
    await barrier();
    const [message] = receiver.messages();
    assert.equal(message?.text, "FDSTOREREMOVE=1\nFDNAME=state\n");
    assert.deepEqual(message?.fds, []);
  });
});

test("fdStore: names a manager would refuse, and no fds, are errors", () => {
  const fd = memfd("x");
  try {
    assert.throws(() => fdStore.add("a:b", fd), TypeError);
    assert.throws(() => fdStore.add("", fd), TypeError);
    assert.throws(() => fdStore.add("x".repeat(256), fd), TypeError);
    assert.throws(() => fdStore.add("ok", []), TypeError);
    assert.throws(() => fdStore.add("ok", -1), RangeError);
    assert.throws(() => fdStore.remove("a\nb"), TypeError);
  } finally {
    closeFd(fd);
  }
});

test("fdStore: without NOTIFY_SOCKET nothing is sent", async () => {
  const fd = memfd("x");
  try {
    await withEnv({ NOTIFY_SOCKET: undefined }, () => {
      assert.equal(fdStore.add("x", fd), false);
      assert.equal(fdStore.remove("x"), false);
    });
  } finally {
    closeFd(fd);
  }
});
