// systemd time spans (systemd.time(7)): "1min 30s", "1.5s", "500ms", "infinity".
// Parsing follows systemd's parse_time(): integer arithmetic in microseconds,
// fractions truncated to the unit's precision, anything that would reach
// 2^64-1 µs (systemd's USEC_INFINITY) is refused.

export type TimeUnit = "us" | "ms" | "s";

const USEC_PER_MSEC = 1_000n;
const USEC_PER_SEC = 1_000_000n;
const USEC_PER_MINUTE = 60n * USEC_PER_SEC;
const USEC_PER_HOUR = 60n * USEC_PER_MINUTE;
const USEC_PER_DAY = 24n * USEC_PER_HOUR;
const USEC_PER_WEEK = 7n * USEC_PER_DAY;
const USEC_PER_MONTH = 2_629_800n * USEC_PER_SEC; // 30.44 days
const USEC_PER_YEAR = 31_557_600n * USEC_PER_SEC; // 365.25 days
const USEC_INFINITY = (1n << 64n) - 1n;
const LLONG_MAX = (1n << 63n) - 1n; // strtoll() refuses more

const DEFAULT_UNIT: Record<TimeUnit, bigint> = { us: 1n, ms: USEC_PER_MSEC, s: USEC_PER_SEC };

// Matched as prefixes in this order, as systemd does: "ms" must be tried
// before "m", and "min" before "m", or "5ms" would read as 5 minutes + "s".
const SUFFIXES: readonly (readonly [string, bigint])[] = [
  ["seconds", USEC_PER_SEC],
  ["second", USEC_PER_SEC],
  ["sec", USEC_PER_SEC],
  ["s", USEC_PER_SEC],
  ["minutes", USEC_PER_MINUTE],
  ["minute", USEC_PER_MINUTE],
  ["min", USEC_PER_MINUTE],
  ["months", USEC_PER_MONTH],
  ["month", USEC_PER_MONTH],
  ["M", USEC_PER_MONTH],
  ["msec", USEC_PER_MSEC],
  ["ms", USEC_PER_MSEC],
  ["m", USEC_PER_MINUTE],
  ["hours", USEC_PER_HOUR],
  ["hour", USEC_PER_HOUR],
  ["hr", USEC_PER_HOUR],
  ["h", USEC_PER_HOUR],
  ["days", USEC_PER_DAY],
  ["day", USEC_PER_DAY],
  ["d", USEC_PER_DAY],
  ["weeks", USEC_PER_WEEK],
  ["week", USEC_PER_WEEK],
  ["w", USEC_PER_WEEK],
  ["years", USEC_PER_YEAR],
  ["year", USEC_PER_YEAR],
  ["y", USEC_PER_YEAR],
  ["usec", 1n],
  ["us", 1n],
  ["\u03bcs", 1n], // GREEK SMALL LETTER MU
  ["\u00b5s", 1n], // MICRO SIGN
];

const WHITESPACE = " \t\n\r";
const isBlank = (ch: string | undefined): boolean => ch !== undefined && WHITESPACE.includes(ch);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= "0" && ch <= "9";

function skipBlanks(text: string, at: number): number {
  while (isBlank(text[at])) at++;
  return at;
}

function skipDigits(text: string, at: number): number {
  while (isDigit(text[at])) at++;
  return at;
}

/**
 * Microseconds (an integer), Infinity for "infinity", or null when the text is
 * not a time span. A bare number is taken in `defaultUnit`.
 */
export function parseTimeSpan(text: string, defaultUnit: TimeUnit = "s"): number | null {
  let at = skipBlanks(text, 0);
  if (text.startsWith("infinity", at)) {
    return skipBlanks(text, at + "infinity".length) === text.length ? Infinity : null;
  }

  let total = 0n;
  let something = false;
  for (;;) {
    at = skipBlanks(text, at);
    if (at === text.length) break;
    if (text[at] === "-") return null;

    // Integer part as strtoll() reads it: optional "+", digits. ".5" has none.
    const intStart = at;
    const digitsStart = text[at] === "+" ? at + 1 : at;
    const intEnd = skipDigits(text, digitsStart);
    const hasInteger = intEnd > digitsStart;
    if (!hasInteger && text[intStart] !== ".") return null;
    const integer = hasInteger ? BigInt(text.slice(digitsStart, intEnd)) : 0n;
    if (integer > LLONG_MAX) return null;
    const afterInteger = hasInteger ? intEnd : intStart;

    let fractionDigits = "";
    let end = afterInteger;
    if (text[afterInteger] === ".") {
      end = skipDigits(text, afterInteger + 1);
      fractionDigits = text.slice(afterInteger + 1, end);
      // systemd: no "3.", "3.s", "3. 1", "0.-0".
      if (fractionDigits === "") return null;
    }

    const unitAt = skipBlanks(text, end);
    const suffix = SUFFIXES.find(([name]) => text.startsWith(name, unitAt));
    const multiplier = suffix ? suffix[1] : DEFAULT_UNIT[defaultUnit];
    const next = suffix ? unitAt + suffix[0].length : unitAt;
    // "12.34.56" and "5x" are refused; "12.34 .56" and "5s6" are two parts.
    if (next === end && end < text.length) return null;
    at = next;

    if (integer >= USEC_INFINITY / multiplier) return null;
    total += integer * multiplier;
    let digitWeight = multiplier / 10n;
    for (const digit of fractionDigits) {
      total += BigInt(digit) * digitWeight;
      digitWeight /= 10n;
    }
    if (total >= USEC_INFINITY) return null;
    something = true;
  }
  return something ? Number(total) : null;
}

const FORMAT_UNITS: readonly (readonly [string, bigint])[] = [
  ["y", USEC_PER_YEAR],
  ["month", USEC_PER_MONTH],
  ["w", USEC_PER_WEEK],
  ["d", USEC_PER_DAY],
  ["h", USEC_PER_HOUR],
  ["min", USEC_PER_MINUTE],
  ["s", USEC_PER_SEC],
  ["ms", USEC_PER_MSEC],
  ["us", 1n],
];

/**
 * The exact span in systemd's human form ("1min 30s", "1.5s", "infinity",
 * "0"); parseTimeSpan() reads it back to the same number. Like systemd, the
 * remainder under a minute is written with a decimal point, but without
 * systemd's trailing zeros ("1.5s", not "1.500000s"). Fractions are floored;
 * zero, negative and NaN print as "0".
 */
export function formatTimeSpan(usec: number): string {
  if (usec === Infinity || usec >= 2 ** 64 - 1) return "infinity";
  if (!(usec >= 1)) return "0";

  let rest = BigInt(Math.floor(usec));
  const parts: string[] = [];
  for (const [suffix, size] of FORMAT_UNITS) {
    if (rest === 0n) break;
    if (rest < size) continue;
    const whole = rest / size;
    const remainder = rest % size;
    if (rest < USEC_PER_MINUTE && remainder > 0n && size > 1n) {
      const width = size.toString().length - 1;
      const fraction = remainder.toString().padStart(width, "0").replace(/0+$/, "");
      parts.push(`${whole}.${fraction}${suffix}`);
      break;
    }
    parts.push(`${whole}${suffix}`);
    rest = remainder;
  }
  return parts.join(" ");
}
