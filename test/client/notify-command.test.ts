import assert from "node:assert/strict";
import { test } from "node:test";
import { barrier } from "../../src/client/index.js";
import { pidfdId } from "../../src/client/pidfd-id.js";
import { NOTIFY_USAGE, runNotifyCommand } from "../../src/cli/notify-command.js";
import { closeFd, fdIdentity, memfd, openFds, setCloexec } from "../../src/sys/index.js";
import { isRoot } from "../helpers/repo.js";
import { Receiver, settle, withEnv, type Received } from "./receiver.js";

/** Who the datagrams come from: our parent (the caller of `steward notify`) where the kernel lets us say so. */
const expectedSender = isRoot && process.ppid > 1 ? process.ppid : process.pid;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What the receiver had read when the command returned, barriers included. */
  seen: Received[];
}

async function run(argv: string[], options: { receiver?: Receiver; env?: Record<string, string | undefined>; barrierTimeoutMs?: number } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...(options.barrierTimeoutMs === undefined ? {} : { barrierTimeoutMs: options.barrierTimeoutMs }),
  };
  const env = { NOTIFY_SOCKET: options.receiver?.address, MANAGERPID: undefined, ...options.env };
  const code = await withEnv(env, () => runNotifyCommand(argv, io));
  return { code, stdout, stderr, seen: [...(options.receiver?.received.seen ?? [])] };
}

async function withReceiver(body: (receiver: Receiver) => Promise<void>, options: { answerBarriers?: boolean } = {}): Promise<void> {
  const receiver = new Receiver(options);
  try {
    await body(receiver);
  } finally {
    receiver.close();
  }
}

test("steward notify: --ready --status and assignments make one datagram, then a barrier, as systemd-notify", async () => {
  await withReceiver(async (receiver) => {
    const result = await run(["--ready", "--status=Serving on :8080", "X_APP=1"], { receiver });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    // The command returned after the barrier was answered, so both were read, in order.
    assert.deepEqual(result.seen.map((d) => d.text), ["READY=1\nSTATUS=Serving on :8080\nX_APP=1\n", "BARRIER=1\n"]);
    assert.equal(result.seen[1]?.fds.length, 1);
    assert.deepEqual(result.seen.map((d) => d.pid), [expectedSender, expectedSender]);
  });
});

test("steward notify: --reloading carries MONOTONIC_USEC=, --stopping STOPPING=1", async () => {
  await withReceiver(async (receiver) => {
    const before = process.hrtime.bigint() / 1000n;
    assert.equal((await run(["--reloading"], { receiver })).code, 0);
    const after = process.hrtime.bigint() / 1000n;
    const [reload] = receiver.messages();
    assert.deepEqual(Object.keys(reload?.fields ?? {}), ["RELOADING", "MONOTONIC_USEC"]);
    const stamp = BigInt(reload?.fields["MONOTONIC_USEC"] ?? "-1");
    assert.ok(stamp >= before && stamp <= after);
    assert.equal((await run(["--stopping"], { receiver })).code, 0);
    assert.equal(receiver.messages()[1]?.text, "STOPPING=1\n");
  });
});

test("steward notify: systemd-notify's field order, and an assignment replaces an option's variable in place", async () => {
  await withReceiver(async (receiver) => {
    const result = await run(["--stopping", "--ready", "--status=a", "STATUS=b", "X_Z=1", "X_Z=2"], { receiver });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(receiver.messages()[0]?.text, "READY=1\nSTOPPING=1\nSTATUS=b\nX_Z=2\n");
  });
});

test("steward notify: --pid forms name the main PID (with MAINPIDFDID= where pidfs gives one)", async () => {
  const parentId = pidfdId(process.ppid);
  const selfId = pidfdId(process.pid);
  const withId = (pid: number, id: bigint | null) => `MAINPID=${pid}\n${id === null ? "" : `MAINPIDFDID=${id}\n`}`;
  const cases: [string[], string][] = [
    [["--pid=4242"], "MAINPID=4242\n"],
    [["--pid=parent"], withId(process.ppid, parentId)],
    [["--pid=self"], withId(process.pid, selfId)],
    // auto: the caller, whether or not the kernel lets us send with its credentials.
    [["--pid"], process.ppid > 1 ? withId(process.ppid, parentId) : withId(process.pid, selfId)],
    [["--pid=auto"], process.ppid > 1 ? withId(process.ppid, parentId) : withId(process.pid, selfId)],
  ];
  for (const [argv, text] of cases) {
    await withReceiver(async (receiver) => {
      const result = await run(argv, { receiver });
      assert.equal(result.code, 0, result.stderr);
      const [message] = receiver.messages();
      assert.equal(message?.text, text, argv.join(" "));
      // --pid says who the main process is; the message still comes from the caller.
      assert.equal(message?.pid, expectedSender, argv.join(" "));
    });
  }
});

test("steward notify: --pid followed by a word does not take it (getopt's optional argument)", async () => {
  await withReceiver(async (receiver) => {
    const result = await run(["--pid", "4242"], { receiver });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /"4242" is not a VARIABLE=VALUE assignment/);
    assert.deepEqual(receiver.received.seen, []);
  });
});

test("steward notify: MAINPID= auto falls back to ourselves when the parent is the manager ($MANAGERPID)", async () => {
  await withReceiver(async (receiver) => {
    const result = await run(["--pid"], { receiver, env: { MANAGERPID: String(process.ppid) } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(receiver.messages()[0]?.fields["MAINPID"], String(process.pid));
    assert.equal(receiver.messages()[0]?.pid, process.pid);
  });
});

test("steward notify: --fd and --fdname store an inherited fd (FDSTORE=1, FDNAME=)", async () => {
  const state = memfd("state");
  setCloexec(state, false);
  try {
    await withReceiver(async (receiver) => {
      const result = await run([`--fd=${state}`, "--fdname=state"], { receiver });
      assert.equal(result.code, 0, result.stderr);
      const [message] = receiver.messages();
      assert.equal(message?.text, "FDSTORE=1\nFDNAME=state\n");
      assert.deepEqual(message?.fds.map(fdIdentity), [fdIdentity(state)]);
      assert.equal(setCloexec(state, false), false, "the fd's flags are left as they were");
    });
  } finally {
    closeFd(state);
  }
});

test("steward notify: --fd refuses fds that are repeated or not open", async () => {
  const closed = Math.max(...openFds()) + 100;
  await withReceiver(async (receiver) => {
    const cases: [string[], RegExp][] = [
      [[`--fd=${closed}`], /is not open/],
      [["--fd=0", "--fd=0"], /more than once/],
      [["--fd=x"], /not an fd number/],
      [["--fdname=state", "--ready"], /--fdname= needs at least one --fd=/],
      [["--fd=0", "--fdname=a:b"], /not an fd name/],
    ];
    for (const [argv, message] of cases) {
      const result = await run(argv, { receiver });
      assert.equal(result.code, 1, argv.join(" "));
      assert.match(result.stderr, message, argv.join(" "));
    }
    assert.deepEqual(receiver.received.seen, [], "nothing was sent");
  });
});

test("steward notify: without NOTIFY_SOCKET it exits 1 and says so, as systemd-notify", async () => {
  const result = await run(["--ready"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /\$NOTIFY_SOCKET is not set/);
});

test("steward notify: an address it cannot speak to, or a refused send, exits 1 with the reason", async () => {
  const result = await run(["--ready"], { env: { NOTIFY_SOCKET: "vsock:2:9999" } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /NOTIFY_SOCKET=vsock:2:9999: vsock addresses are not supported/);
  const missing = await run(["--ready"], { env: { NOTIFY_SOCKET: "/nonexistent/steward/notify" } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot send to NOTIFY_SOCKET=\/nonexistent\/steward\/notify: sendmsg failed: ENOENT/);
});

test("steward notify: --no-block sends no barrier", async () => {
  await withReceiver(async (receiver) => {
    const result = await run(["--no-block", "--ready"], { receiver });
    assert.equal(result.code, 0, result.stderr);
    await withEnv({ NOTIFY_SOCKET: receiver.address }, () => barrier()); // ours, to see everything that was sent
    assert.deepEqual(receiver.received.seen.map((d) => d.text), ["READY=1\n", "BARRIER=1\n"]);
    assert.equal(receiver.barriers()[0]?.pid, process.pid, "the only barrier is the test's own");
  });
});

test("steward notify: a manager that never closes the barrier fd makes it exit 1 after the timeout, leaking nothing", async () => {
  await withReceiver(async (receiver) => {
    await run(["--no-block", "X_WARM=1"], { receiver }); // anything Node opens lazily is open now
    await settle();
    const before = openFds();
    const result = await run(["--ready"], { receiver, barrierTimeoutMs: 100 });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /did not confirm the message within 100 ms/);
    assert.equal(receiver.barriers().length, 1);
    receiver.answerHeld(); // the receiver's copy of the barrier fd lives in this process too
    await settle();
    assert.deepEqual(openFds(), before);
  }, { answerBarriers: false });
});

test("steward notify: nothing to send prints the usage and exits 1; --help prints it and exits 0", async () => {
  const empty = await run([]);
  assert.equal(empty.code, 1);
  assert.ok(empty.stderr.includes(NOTIFY_USAGE));
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stdout, `Usage: ${NOTIFY_USAGE}`);
  assert.ok(NOTIFY_USAGE.startsWith("steward notify "));
});

test("steward notify: usage errors exit 1 without sending", async () => {
  await withReceiver(async (receiver) => {
    const cases: [string[], RegExp][] = [
      [["--booted"], /--booted/],
      [["--exec", "--ready"], /--exec is not offered/],
      [["--uid=0", "--ready"], /--uid is not offered/],
      [["--frobnicate"], /Unknown option '--frobnicate'/],
      [["NOEQUALS"], /not a VARIABLE=VALUE assignment/],
      [["=1"], /not a VARIABLE=VALUE assignment/],
      [["--pid=-3"], /not a PID/],
      [["--pid=0"], /not a PID/],
    ];
    for (const [argv, message] of cases) {
      const result = await run(argv, { receiver });
      assert.equal(result.code, 1, argv.join(" "));
      assert.match(result.stderr, message, argv.join(" "));
      assert.match(result.stderr, /Try 'steward notify --help'/, argv.join(" "));
    }
    assert.deepEqual(receiver.received.seen, []);
  });
});

test("steward notify: a value the protocol cannot carry is refused, not sent", async () => {
  await withReceiver(async (receiver) => {
    const result = await run(["--status=two\nlines"], { receiver });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /newline/);
    assert.deepEqual(receiver.received.seen, []);
  });
});
