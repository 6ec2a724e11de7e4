// Signal names and numbers as systemd reads and writes them (signal_from_string,
// signal_to_string). Numbers come from the running platform through node:os, so
// the table is right on architectures that number signals differently.

import { constants } from "node:os";
import { parseDecimalInRange } from "./decimal.js";

/** First usable real-time signal: the kernel's 32 and 33 belong to glibc. */
export const SIGRTMIN = 34;
/** Last real-time signal; also the highest valid signal (_NSIG - 1). */
export const SIGRTMAX = 64;

// systemd's own table: canonical names only (no SIGIOT, SIGPOLL, SIGCLD).
const CANONICAL_NAMES = [
  "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
  "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
  "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
  "IO", "PWR", "SYS",
] as const;

const platformSignals: Partial<Record<string, number>> = constants.signals;

const numberByName = new Map<string, number>();
const nameByNumber = new Map<number, string>();
for (const name of CANONICAL_NAMES) {
  const signal = platformSignals[`SIG${name}`];
  if (signal === undefined) continue; // e.g. SIGSTKFLT does not exist on SPARC
  numberByName.set(name, signal);
  nameByNumber.set(signal, name);
}

const DECIMAL = /^[0-9]+$/;

// The offset after "RTMIN"/"RTMAX": "" means 0; otherwise a sign and digits.
function realtimeOffset(rest: string, sign: "+" | "-"): number | null {
  if (rest === "") return 0;
  if (rest[0] !== sign || !DECIMAL.test(rest.slice(1))) return null;
  const offset = Number(rest.slice(1));
  return offset <= SIGRTMAX - SIGRTMIN ? offset : null;
}

/**
 * "SIGTERM", "TERM", "15", "SIGRTMIN+3", "RTMAX-1" → signal number; null when
 * unknown or out of range. Names are case-sensitive, as in systemd.
 */
export function parseSignal(text: string): number | null {
  if (DECIMAL.test(text)) return parseDecimalInRange(text, 1, SIGRTMAX);
  const name = text.startsWith("SIG") ? text.slice(3) : text;
  const known = numberByName.get(name);
  if (known !== undefined) return known;
  if (name.startsWith("RTMIN")) {
    const offset = realtimeOffset(name.slice(5), "+");
    return offset === null ? null : SIGRTMIN + offset;
  }
  if (name.startsWith("RTMAX")) {
    const offset = realtimeOffset(name.slice(5), "-");
    return offset === null ? null : SIGRTMAX - offset;
  }
  return null;
}

/** "SIGTERM", "SIGRTMIN+3" (real-time signals always as RTMIN+n, like systemd), or the number. */
export function signalName(signal: number): string {
  const name = nameByNumber.get(signal);
  if (name !== undefined) return `SIG${name}`;
  if (Number.isInteger(signal) && signal >= SIGRTMIN && signal <= SIGRTMAX) {
    return `SIGRTMIN+${signal - SIGRTMIN}`;
  }
  return String(signal);
}
