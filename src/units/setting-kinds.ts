// The kinds of values settings take (booleans, numbers, time spans, signals, paths, enumerations),
// each as a handler factory. An empty assignment hands `null` to `assign`: "back to the default".
import { parseExitStatusSet } from "../protocol/exit-status.js";
import type { ExitStatusSet } from "../protocol/exit-status.js";
import { parseSignal } from "../protocol/signals.js";
import { parseTimeSpan } from "../protocol/time-span.js";
import { invalid } from "./setting-table.js";
import type { SettingHandler } from "./setting-table.js";
import type { SpecifierTable } from "./specifiers.js";

export function parseBoolean(text: string): boolean | null {
  const lower = text.toLowerCase();
  if (["1", "yes", "y", "true", "t", "on"].includes(lower)) return true;
  if (["0", "no", "n", "false", "f", "off"].includes(lower)) return false;
  return null;
}

/** A decimal unsigned integer no larger than `max` (systemd's "unsigned" is 32 bits). */
export function parseUnsigned(text: string, max = 0xffffffff): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value <= max ? value : null;
}

/** An octal file mode such as 0644 or 755. */
export function parseMode(text: string): number | null {
  if (!/^[0-7]+$/.test(text)) return null;
  const value = parseInt(text, 8);
  return value <= 0o7777 ? value : null;
}

/** Simplifies an absolute path (repeated "/" and "." go); refuses relative paths and "..". */
export function normalizeAbsolutePath(text: string): { path: string } | { error: string } {
  if (!text.startsWith("/")) return { error: `path is not absolute: ${text}` };
  if (text.includes("\0")) return { error: `path contains a NUL character: ${text}` };
  const components = text.split("/").filter((part) => part !== "" && part !== ".");
  if (components.includes("..")) return { error: `path is not normalized (contains ".."): ${text}` };
  if (Buffer.byteLength(text) >= 4096 || components.some((part) => Buffer.byteLength(part) > 255)) {
    return { error: `path has an invalid length: ${text}` };
  }
  return { path: "/" + components.join("/") };
}

export function booleanSetting<D>(assign: (draft: D, value: boolean | null) => void): SettingHandler<D> {
  return (draft, { value }) => {
    if (value === "") {
      assign(draft, null);
      return undefined;
    }
    const parsed = parseBoolean(value);
    if (parsed === null) return invalid(`Failed to parse boolean value: ${value}`);
    assign(draft, parsed);
  };
}

export function unsignedSetting<D>(assign: (draft: D, value: number | null) => void): SettingHandler<D> {
  return (draft, { value }) => {
    if (value === "") {
      assign(draft, null);
      return undefined;
    }
    const parsed = parseUnsigned(value);
    if (parsed === null) return invalid(`Failed to parse unsigned number: ${value}`);
    assign(draft, parsed);
  };
}

/**
 * A time span in microseconds; bare numbers are seconds. Infinity for "infinity".
 * `zeroMeansInfinity`: systemd's timeouts treat 0 as "no timeout".
 */
export function timeSetting<D>(
  assign: (draft: D, usec: number | null) => void,
  options: { readonly zeroMeansInfinity?: boolean } = {},
): SettingHandler<D> {
  return (draft, { value }) => {
    if (value === "") {
      assign(draft, null);
      return undefined;
    }
    const usec = parseTimeSpan(value, "s");
    if (usec === null) return invalid(`Failed to parse time span: ${value}`);
    assign(draft, usec === 0 && options.zeroMeansInfinity === true ? Infinity : usec);
  };
}

export function enumSetting<D, T extends string>(
  values: readonly T[],
  assign: (draft: D, value: T | null) => void,
): SettingHandler<D> {
  return (draft, { value, site }) => {
    if (value === "") {
      assign(draft, null);
      return undefined;
    }
    const match = values.find((candidate) => candidate === value);
    if (match === undefined) return invalid(`Invalid ${site.key}= value '${value}' (expected one of: ${values.join(", ")})`);
    assign(draft, match);
  };
}

export function signalSetting<D>(assign: (draft: D, signal: number | null) => void): SettingHandler<D> {
  return (draft, { value }) => {
    if (value === "") {
      assign(draft, null);
      return undefined;
    }
    const signal = parseSignal(value);
    if (signal === null) return invalid(`Failed to parse signal: ${value}`);
    assign(draft, signal);
  };
}

export function modeSetting<D>(assign: (draft: D, mode: number | null) => void): SettingHandler<D> {
  return (draft, { value }) => {
    if (value === "") {
      assign(draft, null);
      return undefined;
    }
    const mode = parseMode(value);
    if (mode === null) return invalid(`Failed to parse mode (octal, at most 07777): ${value}`);
    assign(draft, mode);
  };
}

/** Free text with specifiers expanded (`table` null: taken literally). */
export function stringSetting<D>(
  assign: (draft: D, text: string | null) => void,
  table: SpecifierTable | null = "unit",
): SettingHandler<D> {
  return (draft, input) => {
    if (input.value === "") {
      assign(draft, null);
      return undefined;
    }
    if (table === null) {
      assign(draft, input.value);
      return undefined;
    }
    const expanded = input.expand(input.value, table);
    if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
    assign(draft, expanded.value);
  };
}

export function emptyExitStatusSet(): ExitStatusSet {
  return { codes: [], signals: [] };
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** Exit codes, exit status names and signal names; repeated assignments add up, an empty one resets. */
export function exitStatusSetting<D>(
  current: (draft: D) => ExitStatusSet,
  assign: (draft: D, set: ExitStatusSet) => void,
): SettingHandler<D> {
  return (draft, { value }) => {
    if (value === "") {
      assign(draft, emptyExitStatusSet());
      return undefined;
    }
    const parsed = parseExitStatusSet(value);
    if ("error" in parsed) return invalid(`Failed to parse ${value}: ${parsed.error}`);
    const before = current(draft);
    assign(draft, { codes: union(before.codes, parsed.codes), signals: union(before.signals, parsed.signals) });
  };
}

/** A name for passed file descriptors (LISTEN_FDNAMES): printable ASCII, no ":", at most 255 characters. */
export function isValidFdName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && /^[\x20-\x7e]+$/.test(name) && !name.includes(":");
}

/** systemd's relaxed user/group name rules, numeric IDs allowed (65535 and 4294967295 are not IDs). */
export function isValidUserOrGroupName(name: string): boolean {
  if (/^[0-9]+$/.test(name)) {
    const id = Number(name);
    return id < 0xffffffff && id !== 0xffff;
  }
  if (name === "" || name.startsWith(" ") || name.endsWith(" ")) return false;
  if (/[\x00-\x1f\x7f:/]/.test(name)) return false;
  if (/^-[0-9]+$/.test(name)) return false;
  return name !== "." && name !== "..";
}
