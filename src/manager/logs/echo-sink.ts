// `steward up` attached to a terminal (or a container's stdout): every line of every unit as
// `name | text`, names padded to one column and coloured per unit, as foreman and overmind print.
import { styleText } from "node:util";
import type { LogRecord } from "./log-record.js";

/** Where echoed lines go: process.stdout, or anything with the same face. */
export interface EchoTarget {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Bytes queued and not yet written (a Node stream's); lines are dropped while it is too large. */
  readonly writableLength?: number;
}

export interface EchoOptions {
  /** Colour only when the target is a TTY, NO_COLOR is unset or empty and TERM is not "dumb"; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Lines are dropped, and counted, while more than this many bytes wait to be written; default 1 MiB. */
  readonly maxQueuedBytes?: number;
}

type Colour = "cyan" | "yellow" | "green" | "magenta" | "blue" | "cyanBright" | "yellowBright" | "greenBright" | "magentaBright" | "blueBright";
// No red: it reads as an error. No white or black: invisible on one theme or the other.
const PALETTE: readonly Colour[] = [
  "cyan", "yellow", "green", "magenta", "blue", "cyanBright", "yellowBright", "greenBright", "magentaBright", "blueBright",
];

/** The same colour for the same name, in every run (FNV-1a over the name). */
export function unitColour(unit: string): Colour {
  let hash = 0x811c9dc5;
  for (let index = 0; index < unit.length; index++) {
    hash ^= unit.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return PALETTE[hash % PALETTE.length] ?? "cyan";
}

export function wantsColour(target: EchoTarget, env: NodeJS.ProcessEnv): boolean {
  if (target.isTTY !== true) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false; // https://no-color.org
  return env.TERM !== "dumb";
}

export class EchoSink {
  readonly colour: boolean;
  readonly #target: EchoTarget;
  readonly #maxQueuedBytes: number;
  #width = 0;
  #dropped = 0;

  constructor(target: EchoTarget, options: EchoOptions = {}) {
    this.#target = target;
    this.colour = wantsColour(target, options.env ?? process.env);
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
  }

  /** Makes the name column at least as wide as `unit` (the registry calls it for every unit it knows). */
  reserve(unit: string): void {
    this.#width = Math.max(this.#width, unit.length);
  }

  /** The echoed form of a line, newline included. */
  format(unit: string, text: string): string {
    const label = `${unit.padEnd(this.#width)} |`;
    return `${this.colour ? styleText(unitColour(unit), label, { validateStream: false }) : label} ${text}\n`;
  }

  write(unit: string, record: LogRecord): void {
    if ((this.#target.writableLength ?? 0) > this.#maxQueuedBytes) {
      this.#dropped++;
      return;
    }
    if (this.#dropped > 0) {
      this.reserve("steward");
      this.#target.write(this.format("steward", `${this.#dropped} line(s) not echoed: the output was not keeping up`));
      this.#dropped = 0;
    }
    this.reserve(unit);
    this.#target.write(this.format(unit, record.text));
  }
}
