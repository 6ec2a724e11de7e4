// Strict decimal numbers as the protocols carry them: ASCII digits only, no
// sign, no whitespace, no "0x". (systemd's safe_ato*() also take a sign,
// leading blanks and hex; no sender we know of relies on that, so we refuse.)

const DIGITS = /^[0-9]+$/;

export const UINT64_MAX = (1n << 64n) - 1n;

/** An unsigned 64-bit decimal, or null. */
export function parseDecimalU64(text: string): bigint | null {
  if (!DIGITS.test(text)) return null;
  const value = BigInt(text);
  return value <= UINT64_MAX ? value : null;
}

/** A decimal integer within [min, max], or null. */
export function parseDecimalInRange(text: string, min: number, max: number): number | null {
  if (!DIGITS.test(text)) return null;
  // Long digit strings are out of any range we use; avoids float rounding.
  if (text.replace(/^0+(?=.)/, "").length > 15) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/** pid_t is a signed 32-bit int and a real process has PID > 0. */
export const PID_MAX = 2 ** 31 - 1;

export function parsePid(text: string): number | null {
  return parseDecimalInRange(text, 1, PID_MAX);
}
