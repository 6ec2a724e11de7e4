// Limit*= settings (systemd.exec(5) "Process Properties"): "SOFT[:HARD]", each a number, a size
// with K/M/G/T/P/E suffixes (base 1024), a time span, or "infinity".
import { parseTimeSpan } from "../protocol/time-span.js";

type LimitUnit = "count" | "size" | "seconds" | "microseconds" | "nice";

/** The setrlimit(2) resources by the names systemd gives them (LimitNOFILE= → "NOFILE"). */
export const RESOURCE_LIMIT_UNITS = {
  CPU: "seconds",
  FSIZE: "size",
  DATA: "size",
  STACK: "size",
  CORE: "size",
  RSS: "size",
  NOFILE: "count",
  AS: "size",
  NPROC: "count",
  MEMLOCK: "size",
  LOCKS: "count",
  SIGPENDING: "count",
  MSGQUEUE: "size",
  NICE: "nice",
  RTPRIO: "count",
  RTTIME: "microseconds",
} as const satisfies Record<string, LimitUnit>;

export type ResourceLimitName = keyof typeof RESOURCE_LIMIT_UNITS;

/** Values as setrlimit(2) takes them (bytes, seconds, µs, counts); Infinity is RLIM_INFINITY. */
export interface ResourceLimit {
  readonly soft: number;
  readonly hard: number;
}

export function isResourceLimitName(name: string): name is ResourceLimitName {
  return Object.hasOwn(RESOURCE_LIMIT_UNITS, name);
}

const SIZE_FACTORS: readonly (readonly [string, number])[] = [
  ["E", 2 ** 60],
  ["P", 2 ** 50],
  ["T", 2 ** 40],
  ["G", 2 ** 30],
  ["M", 2 ** 20],
  ["K", 2 ** 10],
  ["B", 1],
  ["", 1],
];

/** "64K", "1.5G", or a sum in decreasing units like "1G 512M" (systemd's parse_size, base 1024). */
export function parseByteSize(text: string): number | null {
  let rest = text;
  let total = 0;
  let smallestAllowed = 0;
  while (rest.trim() !== "") {
    const match = /^\s*([0-9]+)(?:\.([0-9]*))?\s*/.exec(rest);
    if (match === null) return null;
    rest = rest.slice(match[0].length);
    const index = SIZE_FACTORS.findIndex(([suffix], i) => i >= smallestAllowed && rest.startsWith(suffix));
    const entry = SIZE_FACTORS[index];
    if (entry === undefined) return null;
    const [suffix, factor] = entry;
    rest = rest.slice(suffix.length);
    smallestAllowed = index + 1;
    const fraction = match[2] ? Number(`0.${match[2]}`) : 0;
    total += Number(match[1]) * factor + Math.floor(fraction * factor);
    if (suffix === "") break;
  }
  if (rest.trim() !== "" || !Number.isSafeInteger(total)) return null;
  return total;
}

function parseCount(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

// RLIMIT_NICE is 40..1 for nice levels -20..19; "+N"/"-N" give a nice level, a bare number the raw value.
function parseNiceLimit(text: string): number | null {
  const level = parseCount(text.slice(1));
  if (text.startsWith("+")) return level !== null && level < 20 ? 20 - level : null;
  if (text.startsWith("-")) return level !== null && level <= 20 ? 20 + level : null;
  const raw = parseCount(text);
  return raw !== null && raw <= 40 ? raw : null;
}

function parseOneLimit(unit: LimitUnit, text: string): number | null {
  if (text === "infinity") return Infinity;
  switch (unit) {
    case "count":
      return parseCount(text);
    case "size":
      return parseByteSize(text);
    case "seconds": {
      const usec = parseTimeSpan(text, "s");
      return usec === null ? null : Math.ceil(usec / 1_000_000);
    }
    case "microseconds":
      return parseTimeSpan(text, "us");
    case "nice":
      return parseNiceLimit(text);
  }
}

export function parseResourceLimit(name: ResourceLimitName, text: string): ResourceLimit | { error: string } {
  const unit = RESOURCE_LIMIT_UNITS[name];
  const parts = text.split(":");
  if (parts.length > 2) return { error: `Failed to parse resource value: ${text}` };
  const [softText = "", hardText] = parts;
  const soft = parseOneLimit(unit, softText);
  const hard = hardText === undefined ? soft : parseOneLimit(unit, hardText);
  if (soft === null || hard === null) return { error: `Failed to parse resource value: ${text}` };
  if (soft > hard) return { error: `Soft resource limit is greater than the hard limit: ${text}` };
  return { soft, hard };
}
