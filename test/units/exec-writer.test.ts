import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "node:test";
import { execArgv, parseExecLine } from "../../src/units/exec-line.js";
import { execLine } from "../../src/units/exec-writer.js";
import { expandSpecifiers } from "../../src/units/specifiers.js";

const context = { unitName: "run.service", runtimeRoot: "/run", home: "/root", userName: "root", uid: 0 };

function readBack(line: string): string[] {
  const parsed = parseExecLine(line, (word) => expandSpecifiers(word, context));
  assert.equal(parsed.error, null, `${line}: ${parsed.error}`);
  assert.equal(parsed.commands.length, 1, line);
  const [command] = parsed.commands;
  assert.ok(command);
  return execArgv(command, {}).argv;
}

test("exec writer: awkward words survive the round trip", () => {
  const words = ["/usr/bin/env", "a b", 'q"uote', "back\\slash", "$HOME", "${X}", "100%", "%n", ";", "", "tab\there", "new\nline", "é", "'single'"];
  assert.deepEqual(readBack(execLine(words)), words);
});

test("exec writer: any argv reads back as itself", () => {
  fc.assert(
    fc.property(fc.array(fc.string({ minLength: 0, maxLength: 12 }).filter((w) => !w.includes("\0")), { minLength: 0, maxLength: 5 }), (args) => {
      const argv = ["/bin/echo", ...args];
      assert.deepEqual(readBack(execLine(argv)), argv);
    }),
  );
});
