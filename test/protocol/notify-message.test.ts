import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatNotify, NOTIFY_BUFFER_MAX, NOTIFY_FD_MAX, parseNotify } from "../../src/protocol/notify-message.js";
import type { NotifyMessage, NotifyParse } from "../../src/protocol/notify-message.js";

function parsed(data: string | Buffer, fdCount = 0): { message: NotifyMessage; warnings: string[] } {
  const result: NotifyParse = parseNotify(typeof data === "string" ? Buffer.from(data) : data, fdCount);
  assert.ok(result.ok, `refused: ${result.ok ? "" : result.reason}`);
  return result;
}

type Row = {
  behaviour: string;
  data: string | Buffer;
  fds?: number;
  expect: Partial<NotifyMessage>;
  /** Each warning, in order; none when absent. */
  warnings?: RegExp[];
};

const rows: Row[] = [
  { behaviour: "READY=1 sets ready and the state", data: "READY=1\n", expect: { ready: true, state: "ready" } },
  { behaviour: "a trailing newline is optional", data: "READY=1", expect: { ready: true } },
  { behaviour: "one trailing NUL is tolerated", data: "READY=1\n\0", expect: { ready: true } },
  { behaviour: "CRLF lines are split like LF lines", data: "READY=1\r\nSTATUS=up\r\n", expect: { ready: true, status: "up" } },
  { behaviour: "empty lines are skipped", data: "\n\nREADY=1\n\n", expect: { ready: true } },
  { behaviour: "STOPPING wins over READY in one datagram", data: "READY=1\nSTOPPING=1\n", expect: { ready: true, stopping: true, state: "stopping" } },
  { behaviour: "READY wins over RELOADING in one datagram", data: "RELOADING=1\nREADY=1\n", expect: { ready: true, reloading: true, state: "ready" } },
  { behaviour: "RELOADING alone", data: "RELOADING=1\nMONOTONIC_USEC=123456\n", expect: { reloading: true, state: "reloading", monotonicUsec: 123456 } },
  { behaviour: "no state key leaves the state null", data: "STATUS=x\n", expect: { state: null, ready: false } },
  { behaviour: "a flag counts wherever its exact line is", data: "READY=0\nREADY=1\n", expect: { ready: true } },
  { behaviour: "READY=0 means nothing", data: "READY=0\n", expect: { ready: false, state: null }, warnings: [/READY=0 is ignored; only READY=1/] },
  { behaviour: "STATUS= carries UTF-8 text", data: "STATUS=Привет, 世界 ✓\n", expect: { status: "Привет, 世界 ✓" } },
  { behaviour: "an empty STATUS= clears the text", data: "STATUS=\n", expect: { status: "" } },
  { behaviour: "STATUS= keeps blanks and equals signs", data: "STATUS= a=b \n", expect: { status: " a=b " } },
  { behaviour: "STATUS= keeps backslashes literally", data: "STATUS=C:\\dir\n", expect: { status: "C:\\dir" } },
  {
    behaviour: "STATUS= that is not UTF-8 clears the text, as systemd does",
    data: Buffer.concat([Buffer.from("STATUS=bad "), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]),
    expect: { status: "" },
    warnings: [/^STATUS= is not valid UTF-8/],
  },
  { behaviour: "the first STATUS= wins", data: "STATUS=one\nSTATUS=two\n", expect: { status: "one" }, warnings: [/STATUS= appears 2 times; the first one counts/] },
  { behaviour: "a line without = is ignored", data: "READY\nSTATUS=x\n", expect: { ready: false, status: "x" }, warnings: [/line "READY" is not KEY=VALUE/] },
  { behaviour: "a line with an empty key is ignored", data: "=x\n", expect: {}, warnings: [/line "=x" is not KEY=VALUE/] },
  { behaviour: "an empty datagram parses to nothing", data: "", expect: { state: null }, warnings: [/message is empty/] },
  { behaviour: "MAINPID= names a new main process", data: "MAINPID=4242\n", expect: { mainPid: 4242, mainPidFdId: null } },
  { behaviour: "MAINPID=1 is a PID; refusing PID 1 is the core's job", data: "MAINPID=1\n", expect: { mainPid: 1 } },
  { behaviour: "MAINPID=abc is refused", data: "MAINPID=abc\n", expect: { mainPid: null }, warnings: [/^MAINPID=abc is not a process ID$/] },
  { behaviour: "MAINPID=0 is refused", data: "MAINPID=0\n", expect: { mainPid: null }, warnings: [/MAINPID=0 is not a process ID/] },
  { behaviour: "a negative MAINPID is refused", data: "MAINPID=-5\n", expect: { mainPid: null }, warnings: [/MAINPID=-5/] },
  { behaviour: "a MAINPID beyond pid_t is refused", data: "MAINPID=2147483648\n", expect: { mainPid: null }, warnings: [/MAINPID=2147483648/] },
  { behaviour: "MAINPIDFDID= comes with MAINPID=", data: "MAINPID=7\nMAINPIDFDID=18446744073709551615\n", expect: { mainPid: 7, mainPidFdId: 18446744073709551615n } },
  { behaviour: "a bad MAINPIDFDID= cancels MAINPID=", data: "MAINPID=7\nMAINPIDFDID=x\n", expect: { mainPid: null, mainPidFdId: null }, warnings: [/MAINPIDFDID=x is not a pidfd ID; MAINPID= is ignored too/] },
  { behaviour: "MAINPIDFDID= alone is ignored", data: "MAINPIDFDID=5\n", expect: { mainPidFdId: null }, warnings: [/MAINPIDFDID= without MAINPID=/] },
  { behaviour: "MAINPIDFD=1 with one fd takes it", data: "MAINPIDFD=1\n", fds: 1, expect: { mainPidFd: true, unusedFds: 0 } },
  { behaviour: "MAINPIDFD=1 takes precedence over MAINPID=", data: "MAINPIDFD=1\nMAINPID=9\n", fds: 1, expect: { mainPidFd: true, mainPid: null } },
  { behaviour: "MAINPIDFD=1 without an fd is ignored", data: "MAINPIDFD=1\nMAINPID=9\n", expect: { mainPidFd: false, mainPid: null }, warnings: [/MAINPIDFD=1 needs exactly 1 fd, not 0/] },
  { behaviour: "MAINPIDFD=1 with two fds is ignored and the fds are closed", data: "MAINPIDFD=1\n", fds: 2, expect: { mainPidFd: false, unusedFds: 2 }, warnings: [/not 2/, /^2 extra fds will be closed$/] },
  { behaviour: "NOTIFYACCESS= overrides the access", data: "NOTIFYACCESS=all\n", expect: { notifyAccess: "all" } },
  { behaviour: "an unknown NOTIFYACCESS= is ignored", data: "NOTIFYACCESS=everyone\n", expect: { notifyAccess: null }, warnings: [/NOTIFYACCESS=everyone is not one of/] },
  { behaviour: "ERRNO= as a number", data: "ERRNO=2\n", expect: { errno: 2 } },
  { behaviour: "ERRNO=0 is allowed", data: "ERRNO=0\n", expect: { errno: 0 } },
  { behaviour: "ERRNO= as a name", data: "ERRNO=ENOENT\n", expect: { errno: 2 } },
  { behaviour: "a negative ERRNO= is refused", data: "ERRNO=-1\n", expect: { errno: null }, warnings: [/ERRNO=-1 is not an errno/] },
  { behaviour: "ERRNO= beyond 4095 is refused", data: "ERRNO=4096\n", expect: { errno: null }, warnings: [/ERRNO=4096/] },
  { behaviour: "BUSERROR= names a D-Bus error", data: "BUSERROR=org.freedesktop.DBus.Error.Failed\n", expect: { busError: "org.freedesktop.DBus.Error.Failed" } },
  { behaviour: "an empty BUSERROR= clears it", data: "BUSERROR=\n", expect: { busError: "" } },
  { behaviour: "BUSERROR= with a quote is ignored", data: "BUSERROR=a\"b\n", expect: { busError: null }, warnings: [/BUSERROR=a"b is not plain ASCII/] },
  { behaviour: "VARLINKERROR= names a Varlink error", data: "VARLINKERROR=io.systemd.Failed\n", expect: { varlinkError: "io.systemd.Failed" } },
  { behaviour: "VARLINKERROR= with non-ASCII is ignored", data: "VARLINKERROR=é\n", expect: { varlinkError: null }, warnings: [/VARLINKERROR=.* is not plain ASCII/] },
  { behaviour: "EXIT_STATUS= 0..255", data: "EXIT_STATUS=255\n", expect: { exitStatus: 255 } },
  { behaviour: "EXIT_STATUS=256 is refused", data: "EXIT_STATUS=256\n", expect: { exitStatus: null }, warnings: [/EXIT_STATUS=256 is not 0-255/] },
  { behaviour: "RESTART_RESET=1", data: "RESTART_RESET=1\n", expect: { restartReset: true } },
  { behaviour: "WATCHDOG=1 is a ping", data: "WATCHDOG=1\n", expect: { watchdog: "ping" } },
  { behaviour: "WATCHDOG=trigger", data: "WATCHDOG=trigger\n", expect: { watchdog: "trigger" } },
  { behaviour: "another WATCHDOG= value is ignored", data: "WATCHDOG=0\n", expect: { watchdog: null }, warnings: [/WATCHDOG=0 is neither 1 nor trigger/] },
  { behaviour: "WATCHDOG_USEC= sets the interval", data: "WATCHDOG_USEC=30000000\n", expect: { watchdogUsec: 30_000_000 } },
  { behaviour: "WATCHDOG_USEC=0 is kept (it disables)", data: "WATCHDOG_USEC=0\n", expect: { watchdogUsec: 0 } },
  { behaviour: "WATCHDOG_USEC=UINT64_MAX is infinity, quietly", data: "WATCHDOG_USEC=18446744073709551615\n", expect: { watchdogUsec: Infinity } },
  { behaviour: "a WATCHDOG_USEC= beyond 2^53 is infinity, with a warning", data: "WATCHDOG_USEC=9007199254740993\n", expect: { watchdogUsec: Infinity }, warnings: [/beyond 2\^53/] },
  { behaviour: "a WATCHDOG_USEC= beyond 64 bits is refused", data: "WATCHDOG_USEC=18446744073709551616\n", expect: { watchdogUsec: null }, warnings: [/not a number of microseconds/] },
  { behaviour: "a WATCHDOG_USEC= with a unit is refused", data: "WATCHDOG_USEC=30s\n", expect: { watchdogUsec: null }, warnings: [/WATCHDOG_USEC=30s is not a number of microseconds/] },
  { behaviour: "EXTEND_TIMEOUT_USEC=", data: "EXTEND_TIMEOUT_USEC=5000000\n", expect: { extendTimeoutUsec: 5_000_000 } },
  { behaviour: "a garbled EXTEND_TIMEOUT_USEC= is refused", data: "EXTEND_TIMEOUT_USEC=+5\n", expect: { extendTimeoutUsec: null }, warnings: [/EXTEND_TIMEOUT_USEC=\+5/] },
  { behaviour: "a MONOTONIC_USEC= beyond 2^53 is ignored", data: "MONOTONIC_USEC=18446744073709551615\n", expect: { monotonicUsec: null }, warnings: [/MONOTONIC_USEC=.* is not a usable clock reading/] },
  { behaviour: "FDSTORE=1 stores every attached fd", data: "FDSTORE=1\nFDNAME=db\n", fds: 3, expect: { fdStore: true, fdName: "db", fdPoll: true, unusedFds: 0 } },
  { behaviour: "FDSTORE=1 without a name leaves the name null (store default)", data: "FDSTORE=1\n", fds: 1, expect: { fdStore: true, fdName: null } },
  { behaviour: "FDPOLL=0 turns off hang-up watching", data: "FDSTORE=1\nFDPOLL=0\n", fds: 1, expect: { fdStore: true, fdPoll: false } },
  { behaviour: "FDPOLL=1 is the default", data: "FDSTORE=1\nFDPOLL=1\n", fds: 1, expect: { fdPoll: true } },
  { behaviour: "another FDPOLL= value is ignored", data: "FDSTORE=1\nFDPOLL=no\n", fds: 1, expect: { fdPoll: true }, warnings: [/FDPOLL=no is neither 0 nor 1/] },
  { behaviour: "an invalid FDNAME= is dropped, the fds still stored", data: "FDSTORE=1\nFDNAME=a:b\n", fds: 1, expect: { fdStore: true, fdName: null }, warnings: [/FDNAME=a:b is not a valid fd name/] },
  { behaviour: "an empty FDNAME= is dropped", data: "FDSTORE=1\nFDNAME=\n", fds: 1, expect: { fdName: null }, warnings: [/FDNAME= is not a valid fd name/] },
  { behaviour: "FDSTOREREMOVE=1 with a name removes", data: "FDSTOREREMOVE=1\nFDNAME=db\n", expect: { fdStoreRemove: true, fdStore: false, fdName: "db" } },
  { behaviour: "FDSTOREREMOVE=1 without a name is ignored", data: "FDSTOREREMOVE=1\n", expect: { fdStoreRemove: false }, warnings: [/FDSTOREREMOVE=1 without a valid FDNAME= is ignored/] },
  {
    behaviour: "FDSTOREREMOVE wins over FDSTORE, so the fds are closed",
    data: "FDSTORE=1\nFDSTOREREMOVE=1\nFDNAME=db\n",
    fds: 2,
    expect: { fdStore: false, fdStoreRemove: true, unusedFds: 2 },
    warnings: [/FDSTOREREMOVE=1 wins over FDSTORE=1/, /^2 extra fds will be closed$/],
  },
  { behaviour: "MAINPIDFD=1 and FDSTORE=1 share the fds", data: "MAINPIDFD=1\nFDSTORE=1\n", fds: 1, expect: { mainPidFd: true, fdStore: true, unusedFds: 0 } },
  { behaviour: "fds on a message that does not use them are closed", data: "READY=1\n", fds: 1, expect: { ready: true, unusedFds: 1 }, warnings: [/^1 extra fd will be closed$/] },
  { behaviour: "BARRIER=1 with one fd is a barrier", data: "BARRIER=1\n", fds: 1, expect: { barrier: true, unusedFds: 1 } },
  {
    behaviour: "BARRIER=1 with other lines is only a barrier",
    data: "READY=1\nBARRIER=1\nSTATUS=x\n",
    fds: 1,
    expect: { barrier: true, ready: false, status: null, state: null },
    warnings: [/BARRIER=1 must be alone in its message; 2 other lines are ignored/],
  },
  { behaviour: "BARRIER=1 without an fd is warned about", data: "BARRIER=1\n", expect: { barrier: true }, warnings: [/BARRIER=1 should carry exactly 1 fd, not 0/] },
  { behaviour: "BARRIER=0 is not a barrier", data: "BARRIER=0\n", expect: { barrier: false }, warnings: [/BARRIER=0 is ignored/] },
  { behaviour: "X_ keys are kept as extras", data: "X_SYSTEMD_UNIT_ACTIVE=web.service\n", expect: { extra: { X_SYSTEMD_UNIT_ACTIVE: "web.service" } } },
  { behaviour: "unknown keys are kept as extras", data: "FOO=bar\nREADY=1\n", expect: { extra: { FOO: "bar" }, ready: true } },
  { behaviour: "the first occurrence of an extra wins", data: "X_A=1\nX_A=2\n", expect: { extra: { X_A: "1" } }, warnings: [/X_A= appears 2 times/] },
  { behaviour: "a key named __proto__ is an ordinary extra", data: "__proto__=x\n", expect: { extra: { ["__proto__"]: "x" } } },
  { behaviour: "known keys are not extras", data: "READY=1\nSTATUS=x\nMAINPID=5\n", expect: { extra: {} } },
];

for (const row of rows) {
  test(`notify: ${row.behaviour}`, () => {
    const { message, warnings } = parsed(row.data, row.fds ?? 0);
    for (const [key, expected] of Object.entries(row.expect)) {
      const actual: unknown = message[key as keyof NotifyMessage];
      // extra has a null prototype; compare its own entries.
      const comparable = key === "extra" ? Object.fromEntries(Object.entries(actual as object)) : actual;
      assert.deepEqual(comparable, expected, `${key} in ${JSON.stringify(message, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))}`);
    }
    const expectedWarnings = row.warnings ?? [];
    assert.equal(warnings.length, expectedWarnings.length, `warnings: ${JSON.stringify(warnings)}`);
    expectedWarnings.forEach((pattern, i) => assert.match(warnings[i] ?? "", pattern));
  });
}

const refusals: [string, Buffer, number, RegExp][] = [
  ["a NUL inside the payload", Buffer.from("READY=1\0STATUS=x\n"), 0, /NUL/],
  ["two trailing NULs", Buffer.from("READY=1\0\0"), 0, /NUL/],
  ["a payload over 4096 bytes", Buffer.from(`STATUS=${"x".repeat(NOTIFY_BUFFER_MAX)}`), 0, /exceed the limit of 4096/],
  ["more than 768 fds", Buffer.from("FDSTORE=1\n"), NOTIFY_FD_MAX + 1, /769 fds exceed the limit of 768/],
  ["a negative fd count", Buffer.from("READY=1\n"), -1, /not a count/],
  ["a fractional fd count", Buffer.from("READY=1\n"), 1.5, /not a count/],
];

for (const [behaviour, data, fds, reason] of refusals) {
  test(`notify: refuses ${behaviour}`, () => {
    const result = parseNotify(data, fds);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.reason, reason);
  });
}

test("notify: exactly 4096 bytes are accepted", () => {
  const data = Buffer.from(`STATUS=${"x".repeat(NOTIFY_BUFFER_MAX - "STATUS=".length)}`);
  assert.equal(data.length, NOTIFY_BUFFER_MAX);
  assert.equal(parsed(data).message.status?.length, NOTIFY_BUFFER_MAX - "STATUS=".length);
});

test("notify: exactly 768 fds are accepted", () => {
  assert.equal(parsed("FDSTORE=1\n", NOTIFY_FD_MAX).message.fdStore, true);
});

test("notify: a lone NUL is an empty message", () => {
  assert.equal(parsed(Buffer.from([0])).message.state, null);
});

test("notify: the parser never throws on arbitrary bytes and fd counts", () => {
  const keys = fc.constantFrom("READY", "STOPPING", "STATUS", "MAINPID", "MAINPIDFD", "FDSTORE", "FDNAME", "BARRIER", "WATCHDOG_USEC", "X_A", "");
  const line = fc.tuple(keys, fc.constantFrom("=", ""), fc.oneof(fc.constantFrom("1", "0", "trigger", "-1"), fc.string()));
  const text = fc.array(line).map((lines) => Buffer.from(lines.map((parts) => parts.join("")).join("\n")));
  const bytes = fc.uint8Array({ maxLength: 5000 }).map((array) => Buffer.from(array));
  fc.assert(
    fc.property(fc.oneof(text, bytes), fc.oneof(fc.integer({ min: -2, max: 800 }), fc.double()), (data, fds) => {
      const result = parseNotify(data, fds);
      if (!result.ok) return;
      const { message } = result;
      assert.ok(message.unusedFds >= 0 && message.unusedFds <= fds);
      if (message.fdStoreRemove) assert.notEqual(message.fdName, null);
      assert.ok(!(message.fdStore && message.fdStoreRemove));
      assert.ok(message.mainPid === null || (message.mainPid >= 1 && !message.mainPidFd));
    }),
  );
});

test("notify: every datagram with a NUL before its last byte is refused", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 1, maxLength: 100 }), (before, after) => {
      const data = Buffer.concat([Buffer.from(before), Buffer.from([0]), Buffer.from(after)]);
      assert.equal(parseNotify(data, 0).ok, false);
    }),
  );
});

test("notify: every datagram over 4096 bytes is refused", () => {
  fc.assert(
    fc.property(fc.integer({ min: NOTIFY_BUFFER_MAX + 1, max: 3 * NOTIFY_BUFFER_MAX }), (size) => {
      assert.equal(parseNotify(Buffer.alloc(size, 0x41), 0).ok, false);
    }),
  );
});

// Values that survive a line-based format: no newline, carriage return or NUL.
const lineSafe = fc.string({ unit: "binary", maxLength: 60 }).filter((value) => !/[\n\r\0]/.test(value));
const extraKey = fc.stringMatching(/^X_[A-Z0-9_]{1,20}$/);

test("notify: formatNotify then parseNotify gives back the extras", () => {
  fc.assert(
    fc.property(fc.dictionary(extraKey, lineSafe, { maxKeys: 20 }), (fields) => {
      const { message, warnings } = parsed(formatNotify(fields));
      assert.deepEqual(Object.fromEntries(Object.entries(message.extra)), Object.fromEntries(Object.entries(fields)));
      if (Object.keys(fields).length > 0) assert.deepEqual(warnings, []);
    }),
  );
});

test("notify: formatNotify then parseNotify gives back the known fields", () => {
  const fields = fc.record({
    STATUS: lineSafe,
    MAINPID: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    ERRNO: fc.integer({ min: 0, max: 4095 }),
    WATCHDOG_USEC: fc.maxSafeNat(),
    EXTEND_TIMEOUT_USEC: fc.maxSafeNat(),
    EXIT_STATUS: fc.integer({ min: 0, max: 255 }),
    NOTIFYACCESS: fc.constantFrom("none", "main", "exec", "all"),
  });
  fc.assert(
    fc.property(fields, (values) => {
      const text = formatNotify(Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)])));
      const { message, warnings } = parsed(text);
      assert.deepEqual(warnings, []);
      assert.equal(message.status, values.STATUS);
      assert.equal(message.mainPid, values.MAINPID);
      assert.equal(message.errno, values.ERRNO);
      assert.equal(message.watchdogUsec, values.WATCHDOG_USEC);
      assert.equal(message.extendTimeoutUsec, values.EXTEND_TIMEOUT_USEC);
      assert.equal(message.exitStatus, values.EXIT_STATUS);
      assert.equal(message.notifyAccess, values.NOTIFYACCESS);
    }),
  );
});

test("notify: formatNotify writes one KEY=VALUE line per field, in order", () => {
  assert.equal(formatNotify({ READY: "1", STATUS: "Serving" }), "READY=1\nSTATUS=Serving\n");
  assert.equal(formatNotify({}), "");
});

const badFields: [string, Record<string, string>][] = [
  ["a newline in a value", { STATUS: "a\nREADY=1" }],
  ["a carriage return in a value", { STATUS: "a\rb" }],
  ["a NUL in a value", { STATUS: "a\0b" }],
  ["a newline in a key", { "A\nB": "1" }],
  ["a NUL in a key", { "A\0": "1" }],
  ["an equals sign in a key", { "A=B": "1" }],
  ["an empty key", { "": "1" }],
];

for (const [behaviour, fields] of badFields) {
  test(`notify: formatNotify throws on ${behaviour}`, () => {
    assert.throws(() => formatNotify(fields), Error);
  });
}

test("notify: formatNotify throws when the message would be too long to be read", () => {
  assert.throws(() => formatNotify({ STATUS: "x".repeat(NOTIFY_BUFFER_MAX) }), RangeError);
  assert.doesNotThrow(() => formatNotify({ STATUS: "x".repeat(NOTIFY_BUFFER_MAX - "STATUS=\n".length) }));
});

test("notify: formatNotify refuses every value with a line break or NUL", () => {
  fc.assert(
    fc.property(fc.string(), fc.constantFrom("\n", "\r", "\0"), fc.string(), (before, breaker, after) => {
      assert.throws(() => formatNotify({ STATUS: `${before}${breaker}${after}` }));
    }),
  );
});
