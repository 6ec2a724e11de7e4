import assert from "node:assert/strict";
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LogRegistry, LogStore, decodeLogLine } from "../../src/manager/logs/index.js";
import type { LogClock, LogFileProblem, LogRecord } from "../../src/manager/logs/index.js";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "steward-logs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock that moves a millisecond per reading, so every line has its own time. */
function tickingClock(): LogClock {
  let ms = Date.parse("2024-05-01T12:00:00.000Z");
  let mono = 0;
  return { wallMs: () => ms++, monotonicMs: () => mono++ };
}

function line(text: string, stream: LogRecord["stream"] = "stdout"): LogRecord {
  return { time: "2024-05-01T12:00:00.000Z", monotonic: 0, stream, text };
}

test("store: lines go to DIR/<unit>.log as one JSON object per line, any text round-trips", (t) => {
  const dir = tempDir(t);
  const store = new LogStore("web.service", { directory: dir, clock: tickingClock() });
  const awkward = ["plain", "quote \" back\\slash\ttab", "nul \u0000 bell \u0007 esc \u001b[31m", "emoji 🚀 é", "\uFFFD"];
  store.append(awkward.map((text) => line(text, "stderr")));
  store.appendManagerLine("Started.\nsecond line");
  store.close();
  const onDisk = readFileSync(join(dir, "web.service.log"), "utf8").split("\n");
  assert.equal(onDisk.pop(), "", "the file ends with a newline");
  assert.equal(onDisk.length, awkward.length + 2, "one line per record: nothing inside a record breaks a line");
  const first = JSON.parse(onDisk[0] ?? "") as Record<string, unknown>;
  assert.deepEqual(Object.keys(first).sort(), ["m", "s", "t"]);
  const decoded = onDisk.map((text) => decodeLogLine(text));
  assert.deepEqual(decoded.map((r) => r?.text), [...awkward, "Started.", "second line"]);
  assert.deepEqual(decoded.map((r) => r?.stream), [...awkward.map(() => "stderr"), "steward", "steward"]);
  assert.equal(decoded[5]?.time, "2024-05-01T12:00:00.000Z");
  assert.equal(lstatSync(join(dir, "web.service.log")).mode & 0o777, 0o600);
});

test("store: rotation keeps at most K rotated files, each within the limit, and tail reads across them in order", (t) => {
  const dir = tempDir(t);
  const limits = { maxFileBytes: 300, rotatedFiles: 2 };
  const store = new LogStore("api.service", { directory: dir, ...limits, memoryLines: 5, clock: tickingClock() });
  for (let i = 0; i < 200; i++) store.append([line(`line ${String(i).padStart(3, "0")}`)]);
  store.close();

  assert.deepEqual(readdirSync(dir).sort(), ["api.service.log", "api.service.log.1", "api.service.log.2"]);
  const files = ["api.service.log.2", "api.service.log.1", "api.service.log"].map((name) => readFileSync(join(dir, name), "utf8"));
  for (const content of files) assert.ok(Buffer.byteLength(content) <= limits.maxFileBytes, `a file holds ${content.length} bytes`);
  const onDisk = files.join("").split("\n").filter((text) => text !== "").map((text) => decodeLogLine(text)?.text);

  const everything = store.tail(1000);
  assert.ok(everything.length > 5, "more than memory holds: read from the files");
  assert.deepEqual(everything.map((r) => r.text), onDisk, "oldest rotated file first, current file last");
  assert.equal(everything.at(-1)?.text, "line 199");
  const numbers = everything.map((r) => Number(r.text.slice(5)));
  assert.deepEqual(numbers, numbers.map((_, i) => (numbers[0] ?? 0) + i), "a contiguous run, no line lost or doubled");

  const some = store.tail(everything.length - 2);
  assert.deepEqual(some, everything.slice(2), "a shorter tail is the end of the longer one");
  assert.deepEqual(store.tail(3).map((r) => r.text), ["line 197", "line 198", "line 199"]);
  assert.equal(store.tail(3)[0]?.monotonic === null, false, "a tail memory can serve comes from memory");
});

test("store: rotation with 0 rotated files keeps only the current file", (t) => {
  const dir = tempDir(t);
  const store = new LogStore("one.service", { directory: dir, maxFileBytes: 200, rotatedFiles: 0 });
  for (let i = 0; i < 50; i++) store.append([line(`line ${i}`)]);
  store.close();
  assert.deepEqual(readdirSync(dir), ["one.service.log"]);
});

test("store: a new store reads the lines an earlier run left on disk", (t) => {
  const dir = tempDir(t);
  const earlier = new LogStore("db.service", { directory: dir });
  earlier.append([line("from the earlier run")]);
  earlier.close();
  const later = new LogStore("db.service", { directory: dir });
  assert.deepEqual(later.recent(), [], "memory starts empty");
  assert.deepEqual(later.tail(10), [{ time: "2024-05-01T12:00:00.000Z", monotonic: null, stream: "stdout", text: "from the earlier run" }]);
  later.append([line("now")]);
  assert.deepEqual(later.tail(10).map((r) => r.text), ["from the earlier run", "now"]);
  later.close();
});

test("store: a torn last line and foreign lines in the file are skipped when reading", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "x.service.log"), 'not json\n{"t":"2024-01-01T00:00:00.000Z","s":"stdout","m":"good"}\n{"t":"2024-01-01T00:00:0');
  const store = new LogStore("x.service", { directory: dir });
  assert.deepEqual(store.tail(10).map((r) => r.text), ["good"]);
});

test("store: memory keeps the last N lines; recent() shows 10 by default", () => {
  const store = new LogStore("mem.service", { directory: null, memoryLines: 25 });
  for (let i = 0; i < 60; i++) store.append([line(String(i))]);
  assert.deepEqual(store.recent().map((r) => r.text), ["50", "51", "52", "53", "54", "55", "56", "57", "58", "59"]);
  assert.deepEqual(store.tail(100).map((r) => Number(r.text)), Array.from({ length: 25 }, (_, i) => 35 + i));
  assert.equal(store.persistent, false);
  assert.equal(store.path, null);
});

test("store: follow sees every new line and nothing after unsubscribe", () => {
  const store = new LogStore("f.service", { directory: null });
  store.append([line("before")]);
  const seen: string[] = [];
  const unsubscribe = store.follow((record) => seen.push(record.text));
  store.append([line("a"), line("b")]);
  store.appendManagerLine("Stopped.");
  unsubscribe();
  store.append([line("after")]);
  unsubscribe();
  assert.deepEqual(seen, ["a", "b", "Stopped."]);
});

test("store: a follower that throws is dropped without stopping the others", (t) => {
  t.mock.method(process, "emitWarning", () => undefined);
  const store = new LogStore("f.service", { directory: null });
  const seen: string[] = [];
  store.follow(() => {
    throw new Error("client went away");
  });
  store.follow((record) => seen.push(record.text));
  store.append([line("a")]);
  store.append([line("b")]);
  assert.deepEqual(seen, ["a", "b"]);
});

test("store: a log directory that cannot be written degrades to memory only, with one warning for all units", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "not-a-directory"), "");
  const warnings: string[] = [];
  const registry = new LogRegistry({ directory: join(dir, "not-a-directory", "logs"), warn: (message) => warnings.push(message) });
  for (const unit of ["a.service", "b.service", "c.service"]) {
    const store = registry.store(unit);
    store.append([line(`hello from ${unit}`)]);
    store.append([line("again")]);
    assert.equal(store.persistent, false);
    assert.deepEqual(store.tail(5).map((r) => r.text), [`hello from ${unit}`, "again"]);
  }
  assert.equal(warnings.length, 1, `warnings: ${JSON.stringify(warnings)}`);
  assert.match(warnings[0] ?? "", /memory only.*ENOTDIR/);
});

test("store: a directory the kernel refuses to create (in /proc/sys) degrades to memory only without hanging", () => {
  const problems: LogFileProblem[] = [];
  const store = new LogStore("ro.service", { directory: "/proc/sys/steward-logs/deeper", onProblem: (p) => problems.push(p) });
  store.append([line("kept")]);
  store.append([line("kept too")]);
  assert.equal(problems.length, 1, `problems: ${JSON.stringify(problems)}`);
  assert.equal(problems[0]?.memoryOnly, true);
  assert.equal(store.persistent, false);
  assert.deepEqual(store.tail(5).map((r) => r.text), ["kept", "kept too"]);
});

test("store: a log file that is a symlink to a character device is written, never rotated nor read back", (t) => {
  const dir = tempDir(t);
  symlinkSync("/dev/null", join(dir, "tty.service.log"));
  const problems: LogFileProblem[] = [];
  const store = new LogStore("tty.service", { directory: dir, maxFileBytes: 100, memoryLines: 3, onProblem: (p) => problems.push(p) });
  for (let i = 0; i < 50; i++) store.append([line(`line ${i}`)]);
  store.close();
  assert.deepEqual(problems, []);
  assert.deepEqual(readdirSync(dir), ["tty.service.log"], "nothing rotated");
  assert.ok(lstatSync(join(dir, "tty.service.log")).isSymbolicLink(), "the symlink is still there");
  assert.equal(store.persistent, true);
  assert.deepEqual(store.tail(10).map((r) => r.text), ["line 47", "line 48", "line 49"], "only memory can answer");
});

test("store: a name that is not a unit name cannot become a file name", () => {
  for (const bad of ["", "..", "../etc/passwd.service", "a/b.service", "web"]) {
    assert.throws(() => new LogStore(bad, { directory: null }), RangeError, bad);
  }
});
