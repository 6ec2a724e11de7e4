import assert from "node:assert/strict";
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LineSplitter, LogCapture, LogStore } from "../../src/manager/logs/index.js";
import type { LogAppender, LogClock, LogRecord, LogTimer, LogTimers } from "../../src/manager/logs/index.js";
import { closeFd, openFds, pipe } from "../../src/sys/index.js";
import { EventLog } from "../helpers/events.js";

/** Time that moves only when the test says so. */
class FakeClock implements LogClock {
  wall = Date.parse("2024-05-01T12:00:00.000Z");
  mono = 1000;
  wallMs(): number {
    return this.wall;
  }
  monotonicMs(): number {
    return this.mono;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}

/** Timers that fire only when the test fires them. */
class FakeTimers implements LogTimers {
  #armed: { callback: () => void; ms: number; live: boolean }[] = [];
  start(callback: () => void, ms: number): LogTimer {
    const timer = { callback, ms, live: true };
    this.#armed.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  get armed(): number[] {
    return this.#armed.filter((t) => t.live).map((t) => t.ms);
  }
  fire(): void {
    const due = this.#armed.filter((t) => t.live);
    this.#armed = [];
    for (const timer of due) timer.callback();
  }
}

/** Records every append call, also the empty ones that tell a chunk was read. */
class RecordingAppender implements LogAppender {
  readonly calls = new EventLog<readonly LogRecord[]>();
  readonly records: LogRecord[] = [];
  append(records: readonly LogRecord[]): void {
    this.records.push(...records);
    this.calls.push(records);
  }
  texts(): string[] {
    return this.records.map((r) => r.text);
  }
}

function withPipe(): { readEnd: number; writeEnd: number; closeWriter: () => void } {
  const { readEnd, writeEnd } = pipe();
  let open = true;
  return {
    readEnd, writeEnd,
    closeWriter: () => {
      if (open) closeFd(writeEnd);
      open = false;
    },
  };
}

test("capture: a line split across writes is joined, and each read is appended as it comes", async () => {
  const p = withPipe();
  const store = new RecordingAppender();
  const capture = new LogCapture({ fd: p.readEnd, stream: "stdout", store, timers: new FakeTimers() });
  try {
    writeSync(p.writeEnd, "hel");
    await store.calls.next((c) => c.length === 0, "the first chunk (no complete line)");
    assert.deepEqual(store.texts(), []);
    writeSync(p.writeEnd, "lo\nwor");
    await store.calls.next((c) => c.some((r) => r.text === "hello"), "hello");
    writeSync(p.writeEnd, "ld\r\n\nlast\n");
    await store.calls.next((c) => c.some((r) => r.text === "last"), "last");
    assert.deepEqual(store.texts(), ["hello", "world", "", "last"]);
    assert.ok(store.records.every((r) => r.stream === "stdout"));
  } finally {
    p.closeWriter();
    await capture.close();
  }
});

test("capture: a line longer than the limit is cut into pieces of at most the limit", async () => {
  const p = withPipe();
  const store = new RecordingAppender();
  const capture = new LogCapture({ fd: p.readEnd, stream: "stderr", store, maxLineBytes: 16384, timers: new FakeTimers() });
  const long = "x".repeat(40000);
  writeSync(p.writeEnd, long + "\nshort\n");
  p.closeWriter();
  await capture.closed;
  assert.deepEqual(store.records.map((r) => r.text.length), [16384, 16384, 40000 - 2 * 16384, 5]);
  assert.equal(store.texts().slice(0, 3).join(""), long);
  assert.ok(store.records.every((r) => r.stream === "stderr"));
});

test("splitter: a cut never splits a UTF-8 character, and invalid bytes become U+FFFD", () => {
  const splitter = new LineSplitter(8);
  // "aaaaaaa" + "é" (2 bytes) crosses the 8-byte limit: the cut goes before "é".
  const lines = splitter.push(Buffer.from("aaaaaaaé€xyz\n"));
  assert.deepEqual(lines, ["aaaaaaa", "é€xyz"]);
  assert.ok(lines.every((line) => Buffer.byteLength(line) <= 8));
  assert.deepEqual(splitter.push(Buffer.from([0xff, 0x61, 0x0a])), ["\uFFFDa"]);
  assert.deepEqual(splitter.push(Buffer.from("abc")), []);
  assert.equal(splitter.pendingBytes, 3);
  assert.equal(splitter.flush(), "abc");
  assert.equal(splitter.flush(), null);
  assert.throws(() => new LineSplitter(2), RangeError);
});

test("capture: a final line without a newline is appended when the pipe closes", async () => {
  const p = withPipe();
  const store = new RecordingAppender();
  const capture = new LogCapture({ fd: p.readEnd, stream: "stdout", store, timers: new FakeTimers() });
  writeSync(p.writeEnd, "one\nno newline");
  p.closeWriter();
  await capture.closed;
  assert.deepEqual(store.texts(), ["one", "no newline"]);
});

test("capture: a partial line is appended after the idle time, stamped when its bytes came", async () => {
  const p = withPipe();
  const store = new RecordingAppender();
  const clock = new FakeClock();
  const timers = new FakeTimers();
  const capture = new LogCapture({ fd: p.readEnd, stream: "stdout", store, clock, timers, partialLineIdleMs: 250 });
  try {
    writeSync(p.writeEnd, "Password: ");
    await store.calls.next((c) => c.length === 0, "the prompt chunk");
    assert.deepEqual(timers.armed, [250]);
    assert.deepEqual(store.texts(), [], "not before the idle time");
    clock.advance(250);
    timers.fire();
    assert.deepEqual(store.records, [
      { time: "2024-05-01T12:00:00.000Z", monotonic: 1000, stream: "stdout", text: "Password: " },
    ]);
    writeSync(p.writeEnd, "ok\n");
    await store.calls.next((c) => c.some((r) => r.text === "ok"), "the next line");
    assert.deepEqual(store.records[1], { time: "2024-05-01T12:00:00.250Z", monotonic: 1250, stream: "stdout", text: "ok" });
    assert.deepEqual(timers.armed, [], "no timer while no line is unfinished");
  } finally {
    p.closeWriter();
    await capture.close();
  }
});

test("capture: closes its fd exactly once, on end of file and however often close() is called", async () => {
  const p = withPipe();
  const before = openFds();
  assert.ok(before.includes(p.readEnd));
  const capture = new LogCapture({ fd: p.readEnd, stream: "stdout", store: new RecordingAppender(), timers: new FakeTimers() });
  p.closeWriter();
  await capture.closed;
  const after = openFds();
  assert.deepEqual(after, before.filter((fd) => fd !== p.readEnd && fd !== p.writeEnd));
  // The number is free again: whatever takes it must survive a second close().
  const reused = openSync("/dev/null", "r");
  try {
    await capture.close();
    await capture.close();
    assert.ok(fstatSync(reused).isCharacterDevice(), `fd ${reused} is still open`);
  } finally {
    closeSync(reused);
  }
});

test("capture: close() while the writer is still open closes the read end", async () => {
  const p = withPipe();
  const before = openFds();
  const capture = new LogCapture({ fd: p.readEnd, stream: "stdout", store: new RecordingAppender(), timers: new FakeTimers() });
  await capture.close();
  assert.deepEqual(openFds(), before.filter((fd) => fd !== p.readEnd));
  assert.throws(() => writeSync(p.writeEnd, "x\n"), { code: "EPIPE" });
  p.closeWriter();
});

test("capture: an fd that is not a pipe or socket is refused and closed", () => {
  const dir = mkdtempSync(join(tmpdir(), "steward-logs-"));
  try {
    const fd = openSync(join(dir, "file"), "w");
    assert.throws(() => new LogCapture({ fd, stream: "stdout", store: new RecordingAppender() }), { code: "ERR_INVALID_FD_TYPE" });
    assert.equal(openFds().includes(fd), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("capture: a restarted service gets a new pipe and the same store; stdout and stderr keep their tags", async () => {
  const store = new LogStore("web.service", { directory: null });
  const lines = new EventLog<LogRecord>();
  store.follow((record) => lines.push(record));

  const first = withPipe();
  const firstCapture = new LogCapture({ fd: first.readEnd, stream: "stdout", store, timers: new FakeTimers() });
  writeSync(first.writeEnd, "first run\n");
  first.closeWriter();
  await firstCapture.closed;

  const out = withPipe();
  const err = withPipe();
  const outCapture = new LogCapture({ fd: out.readEnd, stream: "stdout", store, timers: new FakeTimers() });
  const errCapture = new LogCapture({ fd: err.readEnd, stream: "stderr", store, timers: new FakeTimers() });
  writeSync(out.writeEnd, "second run\n");
  await lines.next((r) => r.text === "second run", "stdout of the second run");
  writeSync(err.writeEnd, "oops\n");
  await lines.next((r) => r.text === "oops", "stderr of the second run");
  out.closeWriter();
  err.closeWriter();
  await Promise.all([outCapture.closed, errCapture.closed]);
  assert.deepEqual(store.recent().map((r) => [r.stream, r.text]), [
    ["stdout", "first run"],
    ["stdout", "second run"],
    ["stderr", "oops"],
  ]);
});
