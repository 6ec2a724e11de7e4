import assert from "node:assert/strict";
import { constants } from "node:os";
import { test } from "node:test";
import fc from "fast-check";
import { parseSignal, signalName, SIGRTMAX, SIGRTMIN } from "../../src/protocol/signals.js";

const { SIGTERM, SIGKILL, SIGHUP, SIGUSR1, SIGIO, SIGABRT } = constants.signals;

const parsed: [string, string, number][] = [
  ["a full name", "SIGTERM", SIGTERM],
  ["a name without SIG", "TERM", SIGTERM],
  ["a number", "15", 15],
  ["the highest number", "64", 64],
  ["the glibc-reserved numbers by number", "32", 32],
  ["KILL", "SIGKILL", SIGKILL],
  ["IO, the canonical name of SIGPOLL", "SIGIO", SIGIO],
  ["RTMIN alone", "SIGRTMIN", 34],
  ["RTMIN plus an offset", "SIGRTMIN+3", 37],
  ["RTMIN plus an offset without SIG", "RTMIN+3", 37],
  ["RTMIN+0", "RTMIN+0", 34],
  ["the last RTMIN offset", "RTMIN+30", 64],
  ["RTMAX alone", "RTMAX", 64],
  ["RTMAX minus an offset", "SIGRTMAX-1", 63],
  ["RTMAX-0", "RTMAX-0", 64],
  ["the last RTMAX offset", "RTMAX-30", 34],
];

for (const [behaviour, text, signal] of parsed) {
  test(`signal: reads ${behaviour} (${text})`, () => {
    assert.equal(parseSignal(text), signal);
  });
}

const refused: [string, string][] = [
  ["zero", "0"],
  ["beyond the highest signal", "65"],
  ["a negative number", "-9"],
  ["lower case, as systemd is case-sensitive", "sigterm"],
  ["mixed case", "Term"],
  ["an alias systemd does not know", "SIGIOT"],
  ["SIGPOLL", "SIGPOLL"],
  ["SIGCLD", "SIGCLD"],
  ["a number after SIG", "SIG15"],
  ["RTMIN beyond RTMAX", "RTMIN+31"],
  ["RTMAX beyond RTMIN", "RTMAX-31"],
  ["RTMIN with a minus", "RTMIN-1"],
  ["RTMAX with a plus", "RTMAX+1"],
  ["RTMIN with a sign and no digits", "RTMIN+"],
  ["the empty string", ""],
  ["blanks around a name", " TERM"],
  ["a doubled prefix", "SIGSIGTERM"],
];

for (const [behaviour, text] of refused) {
  test(`signal: refuses ${behaviour} (${JSON.stringify(text)})`, () => {
    assert.equal(parseSignal(text), null);
  });
}

const named: [number, string][] = [
  [SIGTERM, "SIGTERM"],
  [SIGKILL, "SIGKILL"],
  [SIGHUP, "SIGHUP"],
  [SIGUSR1, "SIGUSR1"],
  [SIGABRT, "SIGABRT"],
  [SIGIO, "SIGIO"],
  [34, "SIGRTMIN+0"],
  [37, "SIGRTMIN+3"],
  [64, "SIGRTMIN+30"],
  [32, "32"],
  [0, "0"],
  [65, "65"],
  [-1, "-1"],
];

for (const [signal, name] of named) {
  test(`signal: ${signal} is named ${name}`, () => {
    assert.equal(signalName(signal), name);
  });
}

test("signal: the real-time range is the glibc one", () => {
  assert.equal(SIGRTMIN, 34);
  assert.equal(SIGRTMAX, 64);
});

test("signal: every valid signal's name reads back to it", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 64 }), (signal) => {
      assert.equal(parseSignal(signalName(signal)), signal);
      assert.equal(parseSignal(signalName(signal).replace(/^SIG/, "")), signal);
    }),
  );
});

test("signal: the parser never throws and returns null or 1..64", () => {
  const pieces = fc.constantFrom("SIG", "RTMIN", "RTMAX", "+", "-", "TERM", "1", "30", "0", "x");
  const text = fc.oneof(fc.string(), fc.array(pieces).map((parts) => parts.join("")));
  fc.assert(
    fc.property(text, (input) => {
      const signal = parseSignal(input);
      assert.ok(signal === null || (Number.isInteger(signal) && signal >= 1 && signal <= 64), String(signal));
    }),
  );
});
