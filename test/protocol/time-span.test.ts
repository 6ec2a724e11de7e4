import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatTimeSpan, parseTimeSpan } from "../../src/protocol/time-span.js";
import type { TimeUnit } from "../../src/protocol/time-span.js";

const SEC = 1_000_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const accepted: [string, string, number, TimeUnit?][] = [
  ["a bare number is seconds by default", "30", 30 * SEC],
  ["a bare number takes the caller's default unit", "30", 30_000, "ms"],
  ["a bare number in microseconds", "30", 30, "us"],
  ["zero", "0", 0],
  ["seconds", "5s", 5 * SEC],
  ["all spellings of seconds", "1sec 1second 2seconds", 4 * SEC],
  ["minutes and seconds with a blank", "1min 30s", 90 * SEC],
  ["minutes and seconds run together", "1min30s", 90 * SEC],
  ["m is minutes", "2m", 2 * MIN],
  ["minute spellings", "1minute 2minutes", 3 * MIN],
  ["hours", "2h", 2 * HOUR],
  ["hour spellings", "1hr 1hour 1hours", 3 * HOUR],
  ["milliseconds", "500ms", 500_000],
  ["msec", "2msec", 2_000],
  ["microseconds", "10us", 10],
  ["usec", "10usec", 10],
  ["micro sign", "10\u00b5s", 10],
  ["greek mu", "10\u03bcs", 10],
  ["days", "1d 1day 1days", 3 * DAY],
  ["weeks", "1w 1week 1weeks", 21 * DAY],
  ["a month is 30.44 days", "1M", 2_629_800 * SEC],
  ["month spellings", "1month 1months", 2 * 2_629_800 * SEC],
  ["a year is 365.25 days", "1y", 31_557_600 * SEC],
  ["year spellings", "1year 1years", 2 * 31_557_600 * SEC],
  ["a decimal fraction", "1.5s", 1_500_000],
  ["a fraction without integer part", ".5s", 500_000],
  ["fractions finer than a microsecond are truncated", "1.5us", 1],
  ["a blank between number and unit", "5 s", 5 * SEC],
  ["leading and trailing blanks", " \t5s\n", 5 * SEC],
  ["a plus sign, as strtoll() allows", "+5s", 5 * SEC],
  ["a unit directly followed by the next number", "1s500ms", 1_500_000],
  ["two bare numbers separated by a blank add up", "5 6", 11 * SEC],
  ["a fraction after a blank starts a new part", "12.34 .56", 12_900_000],
  ["infinity", "infinity", Infinity],
  ["infinity with blanks around", "  infinity  ", Infinity],
  ["the largest count strtoll() reads", "9223372036854775807us", 9223372036854775807],
];

for (const [behaviour, text, usec, unit] of accepted) {
  test(`time span: ${behaviour} (${JSON.stringify(text)})`, () => {
    assert.equal(parseTimeSpan(text, unit), usec);
  });
}

const refused: [string, string][] = [
  ["empty", ""],
  ["only blanks", "   "],
  ["negative", "-1s"],
  ["negative zero", "-0"],
  ["garbage", "abc"],
  ["unknown unit", "5x"],
  ["unit with trailing letters", "5secs"],
  ["a dot without digits", "5."],
  ["a dot before the unit", "5.s"],
  ["two dots", "12.34.56"],
  ["a sign after the dot", "3.+1"],
  ["infinity followed by more", "infinity 5s"],
  ["a unit alone", "s"],
  ["beyond what strtoll() reads", "9223372036854775808us"],
  ["beyond 2^64-1 microseconds", "600000y"],
  ["a sign without digits", "+s"],
];

for (const [behaviour, text] of refused) {
  test(`time span: refuses ${behaviour} (${JSON.stringify(text)})`, () => {
    assert.equal(parseTimeSpan(text), null);
  });
}

const formatted: [string, number, string][] = [
  ["zero", 0, "0"],
  ["infinity", Infinity, "infinity"],
  ["minutes and seconds", 90 * SEC, "1min 30s"],
  ["a fraction of a second under a minute", 1_500_000, "1.5s"],
  ["milliseconds", 500_000, "500ms"],
  ["a fraction of a millisecond", 1_500, "1.5ms"],
  ["one microsecond", 1, "1us"],
  ["a fraction padded with zeros", 1_000_001, "1.000001s"],
  ["hours, minutes and a fractional second", HOUR + MIN + 1_500_000, "1h 1min 1.5s"],
  ["a day", DAY, "1d"],
  ["a year", 31_557_600 * SEC, "1y"],
  ["negative numbers as zero", -5, "0"],
  ["NaN as zero", NaN, "0"],
  ["sub-microsecond fractions floored", 2.9, "2us"],
];

for (const [behaviour, usec, text] of formatted) {
  test(`time span: formats ${behaviour} as ${JSON.stringify(text)}`, () => {
    assert.equal(formatTimeSpan(usec), text);
  });
}

test("time span: formatting then parsing gives the same number", () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), (usec) => {
      assert.equal(parseTimeSpan(formatTimeSpan(usec)), usec, formatTimeSpan(usec));
    }),
  );
});

test("time span: formatting then parsing round-trips beyond 2^53 too", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 1n << 53n, max: (1n << 63n) - 1n }), (big) => {
      const usec = Number(big);
      assert.equal(parseTimeSpan(formatTimeSpan(usec)), usec);
    }),
  );
});

test("time span: the parser never throws and returns null or a non-negative integer", () => {
  const pieces = fc.constantFrom(" ", ".", "+", "-", "s", "ms", "min", "m", "M", "h", "d", "y", "us", "µs", "infinity", "0", "7", "99");
  const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.array(pieces).map((parts) => parts.join("")));
  fc.assert(
    fc.property(text, fc.constantFrom<TimeUnit>("us", "ms", "s"), (input, unit) => {
      const usec = parseTimeSpan(input, unit);
      assert.ok(usec === null || usec === Infinity || (Number.isInteger(usec) && usec >= 0), String(usec));
    }),
  );
});

test("time span: a value with a minus sign anywhere before a digit is refused", () => {
  fc.assert(
    fc.property(fc.nat(), fc.constantFrom("s", "ms", "min", ""), (n, unit) => {
      assert.equal(parseTimeSpan(`-${n}${unit}`), null);
      assert.equal(parseTimeSpan(`1s -${n}${unit}`), null);
    }),
  );
});

test("time span: parts add up in any order", () => {
  const part = fc.tuple(fc.nat({ max: 10_000 }), fc.constantFrom(["s", SEC], ["min", MIN], ["ms", 1000], ["h", HOUR]));
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
      const text = parts.map(([n, [unit]]) => `${n}${unit}`).join(" ");
      const sum = parts.reduce((total, [n, [, size]]) => total + n * size, 0);
      assert.equal(parseTimeSpan(text), sum);
    }),
  );
});
