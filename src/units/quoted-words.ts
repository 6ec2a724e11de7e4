// Splitting a setting value into words the way systemd does (systemd.syntax(7) "Quoting"):
// single and double quotes (both behave alike, and may start in the middle of a word), and
// C-style escapes. The switches mirror the modes in which systemd's settings split their values.

export interface WordOptions {
  /** Quotes group words and are removed. */
  readonly unquote?: boolean;
  /** Backslash escapes are C escapes (\n, \x41, \101, \u00e9...); without it a backslash just protects the next character. */
  readonly cunescape?: boolean;
  /** An unknown escape (and a trailing unquoted backslash) is kept verbatim instead of being an error. */
  readonly keepUnknownEscapes?: boolean;
  /** Backslashes are ordinary characters. */
  readonly retainEscapes?: boolean;
  /** An unclosed quote or trailing backslash ends the word instead of being an error. */
  readonly relaxed?: boolean;
}

export type WordStep =
  | { readonly kind: "word"; readonly word: string; readonly next: number }
  | { readonly kind: "end" }
  | { readonly kind: "error"; readonly message: string };

const SEPARATORS = " \t\n\r";

function isSeparator(ch: string): boolean {
  return SEPARATORS.includes(ch);
}

// Escapes that produce a raw byte (\xNN, octal) are collected as bytes so that a run of them
// spelling a UTF-8 sequence becomes the character it spells.
class WordBuilder {
  private text = "";
  private bytes: number[] = [];

  char(ch: string): void {
    this.flushBytes();
    this.text += ch;
  }

  byte(value: number): void {
    if (value < 0x80) this.char(String.fromCharCode(value));
    else this.bytes.push(value);
  }

  finish(): string {
    this.flushBytes();
    return this.text;
  }

  private flushBytes(): void {
    if (this.bytes.length === 0) return;
    this.text += Buffer.from(this.bytes).toString("utf8");
    this.bytes = [];
  }
}

export type Unescaped =
  | { readonly kind: "char"; readonly value: string; readonly length: number }
  | { readonly kind: "byte"; readonly value: number; readonly length: number };

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
  s: " ",
};

function hexValue(text: string, start: number, digits: number): number | null {
  const part = text.slice(start, start + digits);
  if (part.length !== digits || !/^[0-9a-fA-F]+$/.test(part)) return null;
  return parseInt(part, 16);
}

/** One C escape; `start` is just after the backslash. null: not a valid escape. */
export function unescapeOne(text: string, start: number): Unescaped | null {
  const ch = text.charAt(start);
  const simple = Object.hasOwn(SIMPLE_ESCAPES, ch) ? SIMPLE_ESCAPES[ch] : undefined;
  if (simple !== undefined) return { kind: "char", value: simple, length: 1 };
  if (ch === "x") {
    const value = hexValue(text, start + 1, 2);
    return value === null || value === 0 ? null : { kind: "byte", value, length: 3 };
  }
  if (ch === "u" || ch === "U") {
    const digits = ch === "u" ? 4 : 8;
    const value = hexValue(text, start + 1, digits);
    if (value === null || value === 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return null;
    return { kind: "char", value: String.fromCodePoint(value), length: 1 + digits };
  }
  if (/^[0-7]{3}$/.test(text.slice(start, start + 3))) {
    const value = parseInt(text.slice(start, start + 3), 8);
    return value === 0 || value > 255 ? null : { kind: "byte", value, length: 3 };
  }
  return null;
}

/** Extracts the word starting at or after `start`; `next` is where the following word may start. */
export function extractWord(text: string, start: number, options: WordOptions = {}): WordStep {
  let pos = start;
  while (pos < text.length && isSeparator(text.charAt(pos))) pos++;
  if (pos >= text.length) return { kind: "end" };

  const word = new WordBuilder();
  let quote: string | null = null;
  for (;;) {
    if (pos >= text.length) {
      if (quote !== null && options.relaxed !== true) return { kind: "error", message: "Unbalanced quoting" };
      return { kind: "word", word: word.finish(), next: text.length };
    }
    const ch = text.charAt(pos);
    if (ch === "\\" && options.retainEscapes !== true) {
      if (pos + 1 >= text.length) {
        if (options.keepUnknownEscapes === true && (quote === null || options.relaxed === true)) word.char("\\");
        else if (options.relaxed !== true) return { kind: "error", message: "Trailing backslash" };
        return { kind: "word", word: word.finish(), next: text.length };
      }
      if (options.cunescape !== true) {
        word.char(text.charAt(pos + 1));
        pos += 2;
        continue;
      }
      const escaped = unescapeOne(text, pos + 1);
      if (escaped !== null) {
        if (escaped.kind === "byte") word.byte(escaped.value);
        else word.char(escaped.value);
        pos += 1 + escaped.length;
        continue;
      }
      if (options.keepUnknownEscapes !== true) {
        return { kind: "error", message: `Unknown escape sequence '\\${text.charAt(pos + 1)}'` };
      }
      word.char("\\" + text.charAt(pos + 1));
      pos += 2;
      continue;
    }
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word.char(ch);
      pos++;
      continue;
    }
    if ((ch === '"' || ch === "'") && options.unquote === true) {
      quote = ch;
      pos++;
      continue;
    }
    if (isSeparator(ch)) {
      while (pos < text.length && isSeparator(text.charAt(pos))) pos++;
      return { kind: "word", word: word.finish(), next: pos };
    }
    word.char(ch);
    pos++;
  }
}

export type LenientWordStep = WordStep | { readonly kind: "word-with-unknown-escapes"; readonly word: string; readonly next: number };

/**
 * systemd's "extract and warn": an unknown escape is kept verbatim (the caller warns),
 * anything else that fails (unbalanced quoting) is an error.
 */
export function extractWordLenient(text: string, start: number, options: WordOptions): LenientWordStep {
  const strict = extractWord(text, start, options);
  if (strict.kind !== "error" || options.keepUnknownEscapes === true) return strict;
  const relaxed = extractWord(text, start, { ...options, keepUnknownEscapes: true });
  if (relaxed.kind === "word") return { kind: "word-with-unknown-escapes", word: relaxed.word, next: relaxed.next };
  return relaxed.kind === "error" ? relaxed : strict;
}

export type WordSplit = { readonly words: string[] } | { readonly error: string };

export function splitWords(text: string, options: WordOptions = {}): WordSplit {
  const words: string[] = [];
  let pos = 0;
  for (;;) {
    const step = extractWord(text, pos, options);
    if (step.kind === "end") return { words };
    if (step.kind === "error") return { error: step.message };
    words.push(step.word);
    pos = step.next;
  }
}
