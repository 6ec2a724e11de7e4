// Bytes from a pipe into lines: "\n" ends a line (a "\r" before it goes too), a line longer
// than the limit is cut into pieces at a UTF-8 character boundary, and whatever is left
// without a newline waits for more bytes or for `flush()`. Invalid UTF-8 becomes U+FFFD.

/** journald's LineMax= default is 48 KiB; 16 KiB keeps one record well under a rotated file. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;
/** Room for the longest UTF-8 character, so that a cut never has to split one. */
const MIN_MAX_LINE_BYTES = 4;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class LineSplitter {
  readonly maxLineBytes: number;
  #pending: Buffer = Buffer.alloc(0);

  constructor(maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < MIN_MAX_LINE_BYTES) {
      throw new RangeError(`maxLineBytes must be an integer of at least ${MIN_MAX_LINE_BYTES}, not ${maxLineBytes}`);
    }
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes of a line that has not ended yet. */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  /** The lines that `chunk` completes, oldest first. */
  push(chunk: Buffer): string[] {
    const bytes = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      const end = newline < 0 ? bytes.length : newline;
      while (end - start > this.maxLineBytes) {
        const cut = characterBoundary(bytes, start + this.maxLineBytes, start);
        lines.push(bytes.toString("utf8", start, cut));
        start = cut;
      }
      if (newline < 0) break;
      const textEnd = newline > start && bytes[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      lines.push(bytes.toString("utf8", start, textEnd));
      start = newline + 1;
    }
    // A copy, so that a 64 KiB read buffer is not kept alive for a few trailing bytes.
    this.#pending = Buffer.from(bytes.subarray(start));
    return lines;
  }

  /** The unfinished line, if there is one, as a line of its own. */
  flush(): string | null {
    if (this.#pending.length === 0) return null;
    const text = this.#pending.toString("utf8");
    this.#pending = Buffer.alloc(0);
    return text;
  }
}

/**
 * The largest index at or below `limit` (and above `floor`) that starts a UTF-8 character,
 * so a cut line keeps its characters whole; `limit` itself when the bytes are not UTF-8 there.
 */
function characterBoundary(bytes: Buffer, limit: number, floor: number): number {
  for (let cut = limit; cut > floor && cut > limit - MIN_MAX_LINE_BYTES; cut--) {
    const byte = bytes[cut];
    if (byte === undefined || (byte & 0xc0) !== 0x80) return cut;
  }
  return limit;
}
