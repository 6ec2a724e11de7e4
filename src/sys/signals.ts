// Signal numbers from names, for the native calls that take numbers.
import { constants } from "node:os";

export type SignalLike = NodeJS.Signals | number;

export function signalNumber(signal: SignalLike): number {
  if (typeof signal === "number") return signal;
  const n = constants.signals[signal];
  if (n === undefined) throw new TypeError(`unknown signal ${signal}`);
  return n;
}
