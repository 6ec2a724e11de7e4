import assert from "node:assert/strict";
import { test } from "node:test";
import { parseByteSize, parseResourceLimit } from "../../src/units/resource-limits.js";
import type { ResourceLimitName } from "../../src/units/resource-limits.js";

const rows: [name: string, limit: ResourceLimitName, text: string, soft: number, hard: number][] = [
  ["limits: one value sets soft and hard", "NOFILE", "1024", 1024, 1024],
  ["limits: SOFT:HARD", "NOFILE", "1024:4096", 1024, 4096],
  ["limits: infinity", "MEMLOCK", "infinity", Infinity, Infinity],
  ["limits: a soft limit under an infinite hard one", "CORE", "0:infinity", 0, Infinity],
  ["limits: byte limits take K/M/G suffixes, base 1024", "AS", "64K:2G", 65536, 2 * 2 ** 30],
  ["limits: a fractional size", "DATA", "1.5M", 1.5 * 2 ** 20, 1.5 * 2 ** 20],
  ["limits: CPU is a time span in seconds, rounded up", "CPU", "1min 30.5s", 91, 91],
  ["limits: RTTIME is in microseconds by default", "RTTIME", "500:1s", 500, 1_000_000],
  ["limits: NICE as a positive nice level", "NICE", "+5", 15, 15],
  ["limits: NICE as a negative nice level", "NICE", "-10", 30, 30],
  ["limits: NICE as the raw value", "NICE", "40", 40, 40],
];

for (const [name, limit, text, soft, hard] of rows) {
  test(name, () => {
    assert.deepEqual(parseResourceLimit(limit, text), { soft, hard });
  });
}

const errorRows: [name: string, limit: ResourceLimitName, text: string][] = [
  ["limits: soft above hard is refused", "NOFILE", "4096:1024"],
  ["limits: three fields are refused", "NOFILE", "1:2:3"],
  ["limits: a count takes no suffix", "NOFILE", "1K"],
  ["limits: an empty soft part is refused", "NOFILE", ":5"],
  ["limits: an unknown suffix is refused", "AS", "5X"],
  ["limits: NICE level 20 is out of range", "NICE", "+20"],
  ["limits: a negative number is refused", "NPROC", "-1"],
];

for (const [name, limit, text] of errorRows) {
  test(name, () => {
    assert.ok("error" in parseResourceLimit(limit, text));
  });
}

test("limits: sizes may add up in decreasing units", () => {
  assert.equal(parseByteSize("1G 512M"), 2 ** 30 + 512 * 2 ** 20);
  assert.equal(parseByteSize("512M 1G"), null);
  assert.equal(parseByteSize("10B"), 10);
});
