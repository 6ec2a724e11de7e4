import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  describeProcessEnd,
  exitStatusClass,
  exitStatusName,
  exitStatusSetHas,
  parseExitStatusSet,
  shellExitCode,
} from "../../src/protocol/exit-status.js";
import type { ProcessEnd } from "../../src/protocol/exit-status.js";
import { parseSignal } from "../../src/protocol/signals.js";

const names: [number, string | null][] = [
  [0, "SUCCESS"],
  [1, "FAILURE"],
  [2, "INVALIDARGUMENT"],
  [3, "NOTIMPLEMENTED"],
  [4, "NOPERMISSION"],
  [5, "NOTINSTALLED"],
  [6, "NOTCONFIGURED"],
  [7, "NOTRUNNING"],
  [75, "TEMPFAIL"],
  [200, "CHDIR"],
  [203, "EXEC"],
  [216, "GROUP"],
  [217, "USER"],
  [231, "APPARMOR"],
  [255, "EXCEPTION"],
  [8, null],
  [223, null],
  [234, null],
  [256, null],
  [-1, null],
];

for (const [code, name] of names) {
  test(`exit status: ${code} is named ${String(name)}`, () => {
    assert.equal(exitStatusName(code), name);
  });
}

test("exit status: names carry their convention", () => {
  assert.equal(exitStatusClass(1), "libc");
  assert.equal(exitStatusClass(3), "LSB");
  assert.equal(exitStatusClass(75), "BSD");
  assert.equal(exitStatusClass(203), "systemd");
  assert.equal(exitStatusClass(100), null);
});

const sets: [string, string, number[], string[]][] = [
  ["numbers are exit statuses", "0 1 75", [0, 1, 75], []],
  ["a number that is also a signal number is an exit status", "9 15", [9, 15], []],
  ["LSB names", "INVALIDARGUMENT NOTRUNNING", [2, 7], []],
  ["systemd names", "EXEC USER", [203, 217], []],
  ["BSD names", "TEMPFAIL", [75], []],
  ["signal names with SIG", "SIGKILL SIGTERM", [], ["SIGKILL", "SIGTERM"]],
  ["signal names without SIG", "KILL HUP", [], ["SIGHUP", "SIGKILL"]],
  ["real-time signals", "SIGRTMIN+1", [], ["SIGRTMIN+1"]],
  ["a mix, sorted and without repeats", "SIGTERM 3 1 TERM 3", [1, 3], ["SIGTERM"]],
  ["tabs and newlines as blanks", "1\t2\n 3", [1, 2, 3], []],
  ["an empty value as empty lists (a reset)", "", [], []],
  ["only blanks as empty lists", "   ", [], []],
  ["the highest status", "255", [255], []],
];

for (const [behaviour, text, codes, signals] of sets) {
  test(`exit status set: ${behaviour} (${JSON.stringify(text)})`, () => {
    assert.deepEqual(parseExitStatusSet(text), { codes, signals: signals.map((name) => parseSignal(name)) });
  });
}

const badSets: [string, string, RegExp][] = [
  ["a status above 255", "256", /"256"/],
  ["a negative status", "-1", /"-1"/],
  ["an unknown word", "1 NOPE 2", /"NOPE"/],
  ["the C constant spelling", "EXIT_EXEC", /"EXIT_EXEC"/],
  ["lower-case names", "tempfail", /"tempfail"/],
  ["every unknown word at once", "X 1 Y", /"X", "Y"/],
];

for (const [behaviour, text, message] of badSets) {
  test(`exit status set: refuses ${behaviour} (${JSON.stringify(text)})`, () => {
    const result = parseExitStatusSet(text);
    assert.ok("error" in result, JSON.stringify(result));
    assert.match(result.error, message);
  });
}

test("exit status set: never throws; what it accepts is in range", () => {
  const word = fc.oneof(fc.string(), fc.constantFrom("EXEC", "SIGKILL", "RTMAX-2", "300", "42"));
  fc.assert(
    fc.property(fc.array(word).map((words) => words.join(" ")), (text) => {
      const result = parseExitStatusSet(text);
      if ("error" in result) return;
      assert.ok(result.codes.every((code) => Number.isInteger(code) && code >= 0 && code <= 255));
      assert.ok(result.signals.every((signal) => Number.isInteger(signal) && signal >= 1 && signal <= 64));
    }),
  );
});

test("exit status set: every name reads back to its code", () => {
  for (let code = 0; code <= 255; code++) {
    const name = exitStatusName(code);
    if (name !== null) assert.deepEqual(parseExitStatusSet(name), { codes: [code], signals: [] }, name);
  }
});

const ends: [string, ProcessEnd, string, number][] = [
  ["a clean exit", { kind: "exited", code: 0 }, "exited with 0", 0],
  ["an exit code", { kind: "exited", code: 3 }, "exited with 3", 3],
  ["a kill", { kind: "killed", signal: 9, coreDumped: false }, "killed by SIGKILL", 137],
  ["a crash with a core", { kind: "killed", signal: 11, coreDumped: true }, "killed by SIGSEGV (core dumped)", 139],
  ["a real-time signal", { kind: "killed", signal: 36, coreDumped: false }, "killed by SIGRTMIN+2", 164],
];

for (const [behaviour, end, description, shellCode] of ends) {
  test(`process end: ${behaviour} reads "${description}" and is ${shellCode} to a shell`, () => {
    assert.equal(describeProcessEnd(end), description);
    assert.equal(shellExitCode(end), shellCode);
  });
}

test("process end: a set matches exits by code and kills by signal, core or not", () => {
  const set = { codes: [3], signals: [15] };
  assert.equal(exitStatusSetHas(set, { kind: "exited", code: 3 }), true);
  assert.equal(exitStatusSetHas(set, { kind: "exited", code: 15 }), false);
  assert.equal(exitStatusSetHas(set, { kind: "killed", signal: 15, coreDumped: true }), true);
  assert.equal(exitStatusSetHas(set, { kind: "killed", signal: 3, coreDumped: false }), false);
});
