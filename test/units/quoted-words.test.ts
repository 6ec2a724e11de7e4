import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { splitWords } from "../../src/units/quoted-words.js";
import type { WordOptions } from "../../src/units/quoted-words.js";

const rows: [name: string, text: string, options: WordOptions, expected: ReturnType<typeof splitWords>][] = [
  ["words: blanks separate and coalesce", " a \t b\n", {}, { words: ["a", "b"] }],
  ["words: without unquoting, quotes are ordinary", '"a b"', {}, { words: ['"a', 'b"'] }],
  ["words: with unquoting, quotes group", `"a b" 'c d'`, { unquote: true }, { words: ["a b", "c d"] }],
  ["words: without C escapes a backslash protects the next character", "a\\ b \\n", {}, { words: ["a b", "n"] }],
  ["words: with C escapes \\n is a newline", "a\\nb", { cunescape: true }, { words: ["a\nb"] }],
  ["words: \\u and \\U give code points", "\\u00e9\\U0001F600", { cunescape: true }, { words: ["é😀"] }],
  ["words: \\x00 is refused", "\\x00", { cunescape: true }, { error: "Unknown escape sequence '\\x'" }],
  ["words: an unknown escape can be kept verbatim", "a\\qb", { cunescape: true, keepUnknownEscapes: true }, { words: ["a\\qb"] }],
  ["words: retained escapes keep backslashes", "a\\ b", { retainEscapes: true }, { words: ["a\\", "b"] }],
  ["words: an unclosed quote is an error", '"abc', { unquote: true }, { error: "Unbalanced quoting" }],
  ["words: relaxed, an unclosed quote ends the word", '"abc', { unquote: true, relaxed: true }, { words: ["abc"] }],
  ["words: a trailing backslash is an error", "abc\\", {}, { error: "Trailing backslash" }],
  ["words: an empty string has no words", "", {}, { words: [] }],
];

for (const [name, text, options, expected] of rows) {
  test(name, () => {
    assert.deepEqual(splitWords(text, options), expected);
  });
}

test("words: splitting never throws, whatever the options", () => {
  const options = fc.record({
    unquote: fc.boolean(),
    cunescape: fc.boolean(),
    keepUnknownEscapes: fc.boolean(),
    retainEscapes: fc.boolean(),
    relaxed: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), options, (text, flags) => {
      splitWords(text, flags);
    }),
    { numRuns: 2000 },
  );
});

test("words: plain words joined by spaces split back into themselves", () => {
  const word = fc.stringMatching(/^[A-Za-z0-9_./=-]{1,12}$/);
  fc.assert(
    fc.property(fc.array(word), (words) => {
      assert.deepEqual(splitWords(words.join(" "), { unquote: true, cunescape: true }), { words });
    }),
  );
});
