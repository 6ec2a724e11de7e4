import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { lexUnitFile } from "../../src/units/unit-lexer.js";

interface Row {
  name: string;
  text: string;
  sections: { name: string; line: number; entries: [key: string, value: string, line: number][] }[];
  problems?: { line: number; severity: "warning" | "error"; message: RegExp }[];
}

const rows: Row[] = [
  { name: "lexer: an empty file has no sections and no problems", text: "", sections: [] },
  { name: "lexer: a file of blank lines and comments is empty", text: "\n  \n# c\n; d\n", sections: [] },
  {
    name: "lexer: sections and entries keep their 1-based lines",
    text: "[Unit]\nDescription=web\n\n[Service]\nExecStart=/bin/web\n",
    sections: [
      { name: "Unit", line: 1, entries: [["Description", "web", 2]] },
      { name: "Service", line: 4, entries: [["ExecStart", "/bin/web", 5]] },
    ],
  },
  {
    name: "lexer: whitespace around '=' and at line ends is trimmed",
    text: "[Unit]\n  Description   =   a  web  server \t\n",
    sections: [{ name: "Unit", line: 1, entries: [["Description", "a  web  server", 2]] }],
  },
  {
    name: "lexer: only the first '=' separates key and value",
    text: "[Service]\nEnvironment=A=1 B=2\n",
    sections: [{ name: "Service", line: 1, entries: [["Environment", "A=1 B=2", 2]] }],
  },
  {
    name: "lexer: '#' and ';' comment lines are skipped, also indented",
    text: "[Unit]\n# one\n   ; two\nDescription=x # not a comment\n",
    sections: [{ name: "Unit", line: 1, entries: [["Description", "x # not a comment", 4]] }],
  },
  {
    name: "lexer: a trailing backslash continues the line, joined with a space",
    text: "[Service]\nExecStart=/bin/echo \\\n  one \\\n  two\nUser=a\n",
    sections: [{ name: "Service", line: 1, entries: [["ExecStart", "/bin/echo    one    two", 2], ["User", "a", 5]] }],
  },
  {
    name: "lexer: a comment line inside a continuation is skipped",
    text: "[Service]\nExecStart=/bin/echo \\\n# a comment\n  one\n",
    sections: [{ name: "Service", line: 1, entries: [["ExecStart", "/bin/echo    one", 2]] }],
  },
  {
    name: "lexer: an escaped backslash at the end does not continue the line",
    text: "[Service]\nA=x\\\\\nB=y\n",
    sections: [{ name: "Service", line: 1, entries: [["A", "x\\\\", 2], ["B", "y", 3]] }],
  },
  {
    name: "lexer: a continuation open at the end of the file still counts",
    text: "[Service]\nA=x \\",
    sections: [{ name: "Service", line: 1, entries: [["A", "x", 2]] }],
  },
  {
    name: "lexer: CRLF line ends are line ends",
    text: "[Unit]\r\nDescription=x\r\n",
    sections: [{ name: "Unit", line: 1, entries: [["Description", "x", 2]] }],
  },
  {
    name: "lexer: a byte order mark at the start is ignored",
    text: "\uFEFF[Unit]\nDescription=x\n",
    sections: [{ name: "Unit", line: 1, entries: [["Description", "x", 2]] }],
  },
  {
    name: "lexer: an empty value is kept as the empty string",
    text: "[Service]\nExecStart=\n",
    sections: [{ name: "Service", line: 1, entries: [["ExecStart", "", 2]] }],
  },
  {
    name: "lexer: a section appearing twice gives two sections in file order",
    text: "[Unit]\nA=1\n[Service]\nB=2\n[Unit]\nC=3\n",
    sections: [
      { name: "Unit", line: 1, entries: [["A", "1", 2]] },
      { name: "Service", line: 3, entries: [["B", "2", 4]] },
      { name: "Unit", line: 5, entries: [["C", "3", 6]] },
    ],
  },
  {
    name: "lexer: a key outside any section is a warning and is dropped",
    text: "Description=x\n[Unit]\n",
    sections: [{ name: "Unit", line: 2, entries: [] }],
    problems: [{ line: 1, severity: "warning", message: /outside of section/ }],
  },
  {
    name: "lexer: a line without '=' is a warning",
    text: "[Unit]\nDescription\n",
    sections: [{ name: "Unit", line: 1, entries: [] }],
    problems: [{ line: 2, severity: "warning", message: /Missing '='/ }],
  },
  {
    name: "lexer: a line with no key before '=' is a warning",
    text: "[Unit]\n=x\n",
    sections: [{ name: "Unit", line: 1, entries: [] }],
    problems: [{ line: 2, severity: "warning", message: /Missing key name/ }],
  },
  {
    name: "lexer: an unclosed section header is an error and ends the file",
    text: "[Unit]\nA=1\n[Service\nB=2\n",
    sections: [{ name: "Unit", line: 1, entries: [["A", "1", 2]] }],
    problems: [{ line: 3, severity: "error", message: /Invalid section header '\[Service'/ }],
  },
];

for (const row of rows) {
  test(row.name, () => {
    const lexed = lexUnitFile(row.text);
    const sections = lexed.sections.map((section) => ({
      name: section.name,
      line: section.line,
      entries: section.entries.map((entry) => [entry.key, entry.value, entry.line]),
    }));
    assert.deepEqual(sections, row.sections);
    const expected = row.problems ?? [];
    assert.equal(lexed.problems.length, expected.length, JSON.stringify(lexed.problems));
    expected.forEach((problem, i) => {
      const actual = lexed.problems[i];
      assert.ok(actual !== undefined);
      assert.equal(actual.line, problem.line);
      assert.equal(actual.severity, problem.severity);
      assert.match(actual.message, problem.message);
    });
  });
}

test("lexer: never throws, and every entry line is within the file", () => {
  const unitish = fc.array(
    fc.oneof(
      fc.string(),
      fc.constantFrom("[Unit]", "[Service]", "#c", ";c", "\\", "A=\\", "B = x", "[", "]", "="),
      fc.string().map((text) => `K=${text}`),
    ),
  );
  fc.assert(
    fc.property(unitish, fc.constantFrom("\n", "\r\n", "\r"), (lines, eol) => {
      const text = lines.join(eol);
      const lexed = lexUnitFile(text);
      const lineCount = text.split(/\r\n|\r|\n/).length;
      for (const section of lexed.sections) {
        for (const entry of section.entries) {
          assert.ok(entry.line >= 1 && entry.line <= lineCount);
          assert.ok(!/^[ \t\r\n]|[ \t\r\n]$/.test(entry.key), entry.key);
          assert.ok(!entry.key.includes("="));
        }
      }
    }),
  );
});
