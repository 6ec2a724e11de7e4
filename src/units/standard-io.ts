// StandardInput=, StandardOutput=, StandardError= (systemd.exec(5) "Logging and Standard Input/Output").
// journal, syslog and kmsg all mean steward's own captured log.
import { isValidFdName, normalizeAbsolutePath } from "./setting-kinds.js";
import { invalid } from "./setting-table.js";
import type { SettingHandler, SettingInput } from "./setting-table.js";

export type StandardInput =
  | { readonly kind: "null" }
  | { readonly kind: "tty"; readonly mode: "tty" | "tty-force" | "tty-fail" }
  /** The Accept=yes connection (or the one socket of the service). */
  | { readonly kind: "socket" }
  | { readonly kind: "file"; readonly path: string }
  /** A named fd from a socket unit or the fd store; null: the default name. */
  | { readonly kind: "fd"; readonly name: string | null };

export type StandardOutput =
  /** stdout: whatever stdin is (only kept for tty, socket and fd input); stderr: the same as stdout. */
  | { readonly kind: "inherit" }
  | { readonly kind: "null" }
  | { readonly kind: "tty" }
  /** steward's captured log; `console` also copies it to the console (journal+console). */
  | { readonly kind: "log"; readonly console: boolean }
  | { readonly kind: "socket" }
  | { readonly kind: "file"; readonly path: string; readonly mode: "file" | "append" | "truncate" }
  | { readonly kind: "fd"; readonly name: string | null };

export const DEFAULT_STANDARD_INPUT: StandardInput = { kind: "null" };
/** DefaultStandardOutput=journal and DefaultStandardError=inherit in systemd-system.conf(5). */
export const DEFAULT_STANDARD_OUTPUT: StandardOutput = { kind: "log", console: false };
export const DEFAULT_STANDARD_ERROR: StandardOutput = { kind: "inherit" };

type Parsed<T> = T | { readonly error: string };

function filePath(input: SettingInput, text: string): Parsed<string> {
  const expanded = input.expand(text);
  if (!expanded.ok) return { error: `Failed to resolve specifiers in '${text}': ${expanded.error}` };
  const normalized = normalizeAbsolutePath(expanded.value);
  return "error" in normalized ? { error: `${input.site.key}= ${normalized.error}` } : normalized.path;
}

function namedFd(input: SettingInput, text: string): Parsed<{ readonly kind: "fd"; readonly name: string | null }> {
  const expanded = input.expand(text);
  if (!expanded.ok) return { error: `Failed to resolve specifiers in '${text}': ${expanded.error}` };
  if (expanded.value === "") return { kind: "fd", name: null };
  if (!isValidFdName(expanded.value)) return { error: `Invalid file descriptor name: ${expanded.value}` };
  return { kind: "fd", name: expanded.value };
}

function parseStandardInput(input: SettingInput): Parsed<StandardInput> {
  const value = input.value;
  if (value.startsWith("fd:")) return namedFd(input, value.slice(3));
  if (value.startsWith("file:")) {
    const path = filePath(input, value.slice(5));
    return typeof path === "string" ? { kind: "file", path } : path;
  }
  switch (value) {
    case "null":
      return { kind: "null" };
    case "tty":
    case "tty-force":
    case "tty-fail":
      return { kind: "tty", mode: value };
    case "socket":
      return { kind: "socket" };
    case "fd":
      return { kind: "fd", name: null };
    case "data":
      return { error: "StandardInput=data needs StandardInputText=/StandardInputData=, which steward does not support" };
    default:
      return { error: `Failed to parse input specifier: ${value}` };
  }
}

const FILE_OUTPUT_PREFIXES = ["file", "append", "truncate"] as const;

function parseStandardOutput(input: SettingInput): Parsed<StandardOutput> {
  const value = input.value;
  if (value.startsWith("fd:")) return namedFd(input, value.slice(3));
  for (const mode of FILE_OUTPUT_PREFIXES) {
    if (!value.startsWith(`${mode}:`)) continue;
    const path = filePath(input, value.slice(mode.length + 1));
    return typeof path === "string" ? { kind: "file", path, mode } : path;
  }
  switch (value) {
    case "inherit":
      return { kind: "inherit" };
    case "null":
      return { kind: "null" };
    case "tty":
      return { kind: "tty" };
    case "journal":
    case "syslog":
    case "kmsg":
      return { kind: "log", console: false };
    case "journal+console":
    case "syslog+console":
    case "kmsg+console":
      return { kind: "log", console: true };
    case "socket":
      return { kind: "socket" };
    case "fd":
      return { kind: "fd", name: null };
    default:
      return { error: `Failed to parse output specifier: ${value}` };
  }
}

export function standardInputSetting<D>(assign: (draft: D, stdin: StandardInput) => void): SettingHandler<D> {
  return (draft, input) => {
    const parsed = input.value === "" ? DEFAULT_STANDARD_INPUT : parseStandardInput(input);
    if ("error" in parsed) return invalid(parsed.error);
    assign(draft, parsed);
  };
}

export function standardOutputSetting<D>(
  assign: (draft: D, output: StandardOutput) => void,
  fallback: StandardOutput,
): SettingHandler<D> {
  return (draft, input) => {
    const parsed = input.value === "" ? fallback : parseStandardOutput(input);
    if ("error" in parsed) return invalid(parsed.error);
    assign(draft, parsed);
  };
}

/**
 * systemd's service_fix_stdio(): "inherit" on stdout only stays when stdin is a bidirectional
 * stream (tty, socket, fd); otherwise it becomes the default output, i.e. the log.
 */
export function resolveStandardOutput(stdin: StandardInput, stdout: StandardOutput): StandardOutput {
  if (stdin.kind === "tty" || stdin.kind === "socket" || stdin.kind === "fd") return stdout;
  return stdout.kind === "inherit" ? DEFAULT_STANDARD_OUTPUT : stdout;
}
