import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseDecimalInRange, parseDecimalU64, parsePid } from "../../src/protocol/decimal.js";

const u64: [string, string, bigint | null][] = [
  ["zero", "0", 0n],
  ["the largest value", "18446744073709551615", 18446744073709551615n],
  ["one past the largest value", "18446744073709551616", null],
  ["leading zeros", "007", 7n],
  ["a sign", "+1", null],
  ["a minus", "-1", null],
  ["blanks", " 1", null],
  ["hex", "0x10", null],
  ["the empty string", "", null],
];

for (const [behaviour, text, value] of u64) {
  test(`decimal: u64 ${behaviour} (${JSON.stringify(text)})`, () => {
    assert.equal(parseDecimalU64(text), value);
  });
}

test("decimal: a PID is 1..2^31-1", () => {
  assert.equal(parsePid("1"), 1);
  assert.equal(parsePid("2147483647"), 2147483647);
  assert.equal(parsePid("2147483648"), null);
  assert.equal(parsePid("0"), null);
  assert.equal(parsePid("0001"), 1);
  assert.equal(parsePid("99999999999999999999"), null);
});

test("decimal: every number in range reads back, every one outside does not", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.nat({ max: 2000 }), (a, b, n) => {
      const [min, max] = a <= b ? [a, b] : [b, a];
      assert.equal(parseDecimalInRange(String(n), min, max), n >= min && n <= max ? n : null);
    }),
  );
});
