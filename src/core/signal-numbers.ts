// The few signals the lifecycle names itself; the rest come from the unit (KillSignal= ...).
// Numbers are the platform's, through protocol/signals.ts.
import { parseSignal } from "../protocol/signals.js";

function signalNumber(name: string): number {
  const signal = parseSignal(name);
  if (signal === null) throw new Error(`this platform has no ${name}`);
  return signal;
}

export const SIGHUP = signalNumber("SIGHUP");
export const SIGINT = signalNumber("SIGINT");
export const SIGKILL = signalNumber("SIGKILL");
export const SIGPIPE = signalNumber("SIGPIPE");
export const SIGTERM = signalNumber("SIGTERM");
export const SIGCONT = signalNumber("SIGCONT");
export const SIGSTOP = signalNumber("SIGSTOP");
