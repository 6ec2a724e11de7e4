import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "node:test";
import { parseEnvironmentFile } from "../../src/units/environment-file.js";

const rows: { name: string; text: string; assignments: [string, string][]; warnings?: number }[] = [
  { name: "plain assignments, in order", text: "A=1\nB=two words\n", assignments: [["A", "1"], ["B", "two words"]] },
  { name: "comments and blank lines are skipped", text: "# c\n; c\n\n  \nA=1", assignments: [["A", "1"]] },
  { name: "double quotes keep spaces and take escapes", text: 'A="  x \\"y\\" \\\\ "', assignments: [["A", '  x "y" \\ ']] },
  { name: "single quotes keep everything as written", text: "A='a \\n $b'", assignments: [["A", "a \\n $b"]] },
  { name: "a trailing backslash continues the line", text: "A=one \\\ntwo\nB=3", assignments: [["A", "one two"], ["B", "3"]] },
  { name: "whitespace around the key is trimmed", text: "  A = 1", assignments: [["A", "1"]] },
  { name: "an empty value is an empty string", text: "A=", assignments: [["A", ""]] },
  { name: "a line without = is skipped with a warning", text: "oops\nA=1", assignments: [["A", "1"]], warnings: 1 },
  { name: "an invalid name is skipped with a warning", text: "1A=x\nexport B=2", assignments: [], warnings: 2 },
  { name: "an unterminated quote is skipped with a warning", text: 'A="open\nB=2', assignments: [["B", "2"]], warnings: 1 },
];

for (const row of rows) {
  test(`environment file: ${row.name}`, () => {
    const parsed = parseEnvironmentFile(row.text);
    assert.deepEqual(parsed.assignments, row.assignments);
    assert.equal(parsed.warnings.length, row.warnings ?? 0, JSON.stringify(parsed.warnings));
  });
}

test("environment file: never throws, and every assignment has a valid name", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const parsed = parseEnvironmentFile(text);
      for (const [key] of parsed.assignments) assert.match(key, /^[A-Za-z_][A-Za-z0-9_]*$/);
    }),
  );
});
