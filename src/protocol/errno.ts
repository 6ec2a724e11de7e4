// ERRNO= values: systemd's parse_errno() takes a number 0..4095 or a name
// ("ENOENT"). Names come from the platform through node:os.

import { constants } from "node:os";
import { parseDecimalInRange } from "./decimal.js";

/** The kernel never returns an error number above this (MAX_ERRNO). */
export const ERRNO_MAX = 4095;

const errnoByName: Partial<Record<string, number>> = constants.errno;

/** An errno number, or null. 0 is allowed ("no error"). */
export function parseErrno(text: string): number | null {
  if (/^E[A-Z0-9]+$/.test(text)) return errnoByName[text] ?? null;
  return parseDecimalInRange(text, 0, ERRNO_MAX);
}
