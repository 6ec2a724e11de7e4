import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LogRegistry, compareLogRecords } from "../../src/manager/logs/index.js";
import type { LogClock, LogTimer, LogTimers, UnitLogRecord } from "../../src/manager/logs/index.js";
import { closeFd, openFds, pipe } from "../../src/sys/index.js";
import { EventLog } from "../helpers/events.js";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "steward-logs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock the test moves by hand; the wall clock can be stepped back on its own. */
class HandClock implements LogClock {
  wall = Date.parse("2024-05-01T12:00:00.000Z");
  mono = 0;
  wallMs(): number {
    return this.wall;
  }
  monotonicMs(): number {
    return this.mono;
  }
  tick(ms = 1): void {
    this.wall += ms;
    this.mono += ms;
  }
}

const noTimers: LogTimers = { start: (): LogTimer => ({ cancel: () => undefined }) };

test("registry: a merged tail across units is in time order and holds the last N lines overall", (t) => {
  const clock = new HandClock();
  const registry = new LogRegistry({ directory: tempDir(t), clock, warn: () => undefined });
  const script: [string, string][] = [
    ["web.service", "w1"], ["db.service", "d1"], ["db.service", "d2"], ["web.service", "w2"],
    ["cache.service", "c1"], ["web.service", "w3"], ["db.service", "d3"], ["cache.service", "c2"],
  ];
  for (const [unit, text] of script) {
    clock.tick(5);
    registry.store(unit).appendManagerLine(text);
  }
  const all = registry.tail([], 100);
  assert.deepEqual(all.map((r) => r.text), script.map(([, text]) => text));
  assert.deepEqual(all.map((r) => r.unit), script.map(([unit]) => unit));
  assert.deepEqual(registry.tail([], 3).map((r) => r.text), ["w3", "d3", "c2"]);
  assert.deepEqual(registry.tail(["web.service", "db.service"], 4).map((r) => r.text), ["d2", "w2", "w3", "d3"]);
  assert.deepEqual(registry.tail(["nothing.service"], 4), []);
  assert.deepEqual(registry.tail([], 0), []);
});

test("registry: within one run the monotonic clock orders lines even when the wall clock is stepped back", (t) => {
  const clock = new HandClock();
  const registry = new LogRegistry({ directory: tempDir(t), clock, warn: () => undefined });
  clock.tick();
  registry.store("a.service").appendManagerLine("first");
  clock.tick();
  clock.wall -= 60_000; // NTP steps the clock back a minute
  registry.store("b.service").appendManagerLine("second");
  assert.deepEqual(registry.tail([], 10).map((r) => r.text), ["first", "second"]);
});

test("registry: lines of units from an earlier run are found on disk and merged by wall-clock time", (t) => {
  const dir = tempDir(t);
  const clock = new HandClock();
  const earlier = new LogRegistry({ directory: dir, clock, warn: () => undefined });
  clock.tick(10);
  earlier.store("gone.service").appendManagerLine("old 1");
  clock.tick(10);
  earlier.store("kept.service").appendManagerLine("old 2");
  clock.tick(10);
  earlier.store("gone.service").appendManagerLine("old 3");
  for (const unit of earlier.units()) earlier.store(unit).close();

  const later = new LogRegistry({ directory: dir, clock, warn: () => undefined });
  clock.tick(10);
  later.store("kept.service").appendManagerLine("new");
  const merged = later.tail([], 10);
  assert.deepEqual(merged.map((r) => `${r.unit} ${r.text}`), [
    "gone.service old 1", "kept.service old 2", "gone.service old 3", "kept.service new",
  ]);
  for (let i = 1; i < merged.length; i++) {
    assert.ok(compareLogRecords(merged[i - 1] as UnitLogRecord, merged[i] as UnitLogRecord) <= 0);
  }
  assert.deepEqual(later.tail(["gone.service"], 1).map((r) => r.text), ["old 3"]);
  assert.deepEqual(later.units(), ["kept.service"], "reading a unit's files does not make it a unit of this run");
});

test("registry: capture feeds the unit's store, follow sees the named units only, and stops when told", async () => {
  const registry = new LogRegistry({ directory: null, timers: noTimers });
  const seen = new EventLog<UnitLogRecord>();
  const unsubscribe = registry.follow(["web.service"], (record) => seen.push(record));
  const everything = new EventLog<UnitLogRecord>();
  const unsubscribeAll = registry.follow([], (record) => everything.push(record));

  const web = pipe();
  const worker = pipe();
  const webCapture = registry.capture("web.service", web.readEnd, "stdout");
  const workerCapture = registry.capture("worker@1.service", worker.readEnd, "stderr");
  writeSync(worker.writeEnd, "working\n");
  writeSync(web.writeEnd, "listening on :8080\n");
  const got = await seen.next((r) => r.text === "listening on :8080", "the web line");
  assert.equal(got.unit, "web.service");
  assert.equal(got.stream, "stdout");
  await everything.next((r) => r.unit === "worker@1.service" && r.text === "working" && r.stream === "stderr", "the worker line");
  assert.equal(seen.seen.some((r) => r.unit !== "web.service"), false);

  unsubscribe();
  writeSync(web.writeEnd, "after\n");
  await everything.next((r) => r.text === "after", "the line after unsubscribing, to the other follower");
  assert.equal(seen.seen.some((r) => r.text === "after"), false);
  unsubscribeAll();

  closeFd(web.writeEnd);
  closeFd(worker.writeEnd);
  await Promise.all([webCapture.closed, workerCapture.closed]);
  assert.deepEqual(registry.store("web.service").recent().map((r) => r.text), ["listening on :8080", "after"]);
});

test("registry: close() closes every capture's fd once", async () => {
  const before = openFds();
  const registry = new LogRegistry({ directory: null, timers: noTimers });
  const pipes = [pipe(), pipe(), pipe()];
  pipes.forEach((p, i) => registry.capture(`s${i}.service`, p.readEnd, "stdout"));
  await registry.close();
  for (const p of pipes) closeFd(p.writeEnd);
  assert.deepEqual(openFds(), before);
});

test("registry: a capture for a name that is not a unit name is refused and its fd closed", () => {
  const registry = new LogRegistry({ directory: null });
  const p = pipe();
  assert.throws(() => registry.capture("../escape", p.readEnd, "stdout"), RangeError);
  assert.equal(openFds().includes(p.readEnd), false);
  closeFd(p.writeEnd);
  assert.throws(() => registry.tail(["../../etc/passwd"], 10), RangeError);
  assert.throws(() => registry.follow(["a/b.service"], () => undefined), RangeError);
});

test("registry: release() closes a unit's file once its pipes have delivered their last line; the lines stay readable", async (t) => {
  const directory = tempDir(t);
  const registry = new LogRegistry({ directory, timers: noTimers });
  t.after(() => registry.close());
  const before = openFds();
  const channel = pipe();
  const capture = registry.capture("echo@0-1-0.service", channel.readEnd, "stdout");
  registry.store("echo@0-1-0.service").appendManagerLine("started");
  registry.release("echo@0-1-0.service");
  await new Promise((resolve) => setImmediate(resolve));
  // Still delivering: the file stays open for the last lines.
  assert.ok(openFds().length > before.length);
  writeSync(channel.writeEnd, "last words\n");
  closeFd(channel.writeEnd);
  await capture.closed;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(openFds(), before);
  assert.deepEqual(registry.tail(["echo@0-1-0.service"], 10).map((r) => r.text), ["started", "last words"]);
});
