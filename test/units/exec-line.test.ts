import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { execArgv, expandExecWords, parseExecLine } from "../../src/units/exec-line.js";
import type { ExecCommand } from "../../src/units/exec-line.js";

function only(value: string): ExecCommand {
  const parsed = parseExecLine(value);
  assert.equal(parsed.error, null, `unexpected error for ${value}`);
  assert.equal(parsed.commands.length, 1, `expected one command for ${value}`);
  const [command] = parsed.commands;
  assert.ok(command !== undefined);
  return command;
}

const argvRows: [name: string, value: string, argv: string[]][] = [
  ["exec line: words are split at blanks", "/bin/echo a  b\tc", ["/bin/echo", "a", "b", "c"]],
  ["exec line: a double-quoted argument keeps its spaces", '/bin/echo "a b"  c', ["/bin/echo", "a b", "c"]],
  ["exec line: a single-quoted argument keeps its spaces", "/bin/echo 'a b'", ["/bin/echo", "a b"]],
  ["exec line: quotes may start in the middle of a word", '/bin/echo --name="a b"', ["/bin/echo", "--name=a b"]],
  ["exec line: an empty quoted word is an argument", '/bin/echo "" x', ["/bin/echo", "", "x"]],
  ["exec line: \\n and \\t escapes become control characters", "/bin/echo a\\nb \\tc", ["/bin/echo", "a\nb", "\tc"]],
  ["exec line: escaped quotes and backslashes", '/bin/echo \\"q\\" \\\\ \\\'', ["/bin/echo", '"q"', "\\", "'"]],
  ["exec line: escapes work inside quotes too", '/bin/echo "a\\"b"', ["/bin/echo", 'a"b']],
  ["exec line: \\x escapes give bytes", "/bin/echo \\x41\\x42", ["/bin/echo", "AB"]],
  ["exec line: octal escapes give bytes", "/bin/echo \\101", ["/bin/echo", "A"]],
  ["exec line: UTF-8 spelled in \\x escapes becomes the character", "/bin/echo \\xc3\\xa9", ["/bin/echo", "é"]],
  ["exec line: \\s is a space", "/bin/echo a\\sb", ["/bin/echo", "a b"]],
  ["exec line: \\; is a literal ; argument", "/usr/bin/find . -exec rm {} \\;", ["/usr/bin/find", ".", "-exec", "rm", "{}", ";"]],
  ["exec line: $ words are kept raw for later expansion", "/bin/echo $A ${B}x", ["/bin/echo", "$A", "${B}x"]],
  ["exec line: a bare executable name is kept for the search path", "sleep 1", ["sleep", "1"]],
];

for (const [name, value, argv] of argvRows) {
  test(name, () => {
    assert.deepEqual(only(value).argv, argv);
  });
}

test("exec line: no prefix means a normal command", () => {
  assert.deepEqual(only("/bin/true"), {
    path: "/bin/true",
    argv: ["/bin/true"],
    ignoreFailure: false,
    argv0Override: false,
    noEnvExpansion: false,
    privileges: "normal",
    searchesPath: false,
    expandsEnvironment: [false],
  });
});

const prefixRows: [name: string, value: string, expected: Partial<ExecCommand>][] = [
  ["exec line: '-' ignores failure", "-/bin/false", { ignoreFailure: true, path: "/bin/false" }],
  ["exec line: '@' takes argv[0] from the second word", "@/bin/sh login-sh -c x", { argv0Override: true, path: "/bin/sh", argv: ["login-sh", "-c", "x"] }],
  ["exec line: ':' turns off environment expansion", ":/bin/echo $HOME", { noEnvExpansion: true, expandsEnvironment: [false, false] }],
  ["exec line: '+' runs with full privileges", "+/bin/true", { privileges: "full" }],
  ["exec line: '!' skips only the credential change", "!/bin/true", { privileges: "no-setuid" }],
  ["exec line: '!!' is the ambient-capability variant", "!!/bin/true", { privileges: "ambient" }],
  ["exec line: prefixes combine in any order", "@-:/bin/sh sh", { ignoreFailure: true, argv0Override: true, noEnvExpansion: true }],
  ["exec line: '+' after '-' and '@'", "-@+/bin/sh sh", { ignoreFailure: true, argv0Override: true, privileges: "full" }],
  ["exec line: a bare name records that the search path is used", "-env FOO=1", { searchesPath: true, path: "env" }],
  ["exec line: the path is simplified", "/usr//bin/./env", { path: "/usr/bin/env", argv: ["/usr//bin/./env"] }],
  ["exec line: words with $ are marked for expansion", "/bin/echo $A plain ${B}", { expandsEnvironment: [false, true, false, true] }],
];

for (const [name, value, expected] of prefixRows) {
  test(name, () => {
    const command = only(value);
    for (const [key, want] of Object.entries(expected)) {
      assert.deepEqual(command[key as keyof ExecCommand], want, key);
    }
  });
}

const errorRows: [name: string, value: string, message: RegExp][] = [
  ["exec line: an unclosed quote is an error", '/bin/echo "a b', /Unbalanced quoting/],
  ["exec line: a relative path with a slash is refused", "bin/echo", /Neither a valid executable name nor an absolute path/],
  ["exec line: a path ending in / names a directory", "/bin/", /specifies a directory/],
  ["exec line: '@' with nothing after the path has no argv[0]", "@/bin/sh", /Empty executable name or zeroeth argument/],
  ["exec line: a prefix with no command is an empty path", "@", /Empty path/],
  ["exec line: '+' and '!' exclude each other", "+!/bin/true", /Neither a valid executable name/],
  ["exec line: a repeated prefix is part of the path", "@@/bin/sh sh", /Neither a valid executable name/],
  ["exec line: the v258 '|' shell prefix is refused", "|echo hi", /'\|' prefix/],
  ["exec line: quotes in the executable name are refused", "/bin/e\\'cho", /special characters/],
];

for (const [name, value, message] of errorRows) {
  test(name, () => {
    const parsed = parseExecLine(value);
    assert.ok(parsed.error !== null, `expected an error for ${value}`);
    assert.match(parsed.error, message);
  });
}

test("exec line: with '-' a broken command is dropped with a warning, not an error", () => {
  const parsed = parseExecLine('-/bin/echo "unclosed');
  assert.equal(parsed.error, null);
  assert.deepEqual(parsed.commands, []);
  assert.match(parsed.warnings[0] ?? "", /Unbalanced quoting.*ignoring/);
});

test("exec line: an unknown escape is kept verbatim with a warning", () => {
  const parsed = parseExecLine("/bin/echo a\\qb");
  assert.equal(parsed.error, null);
  assert.deepEqual(parsed.commands[0]?.argv, ["/bin/echo", "a\\qb"]);
  assert.match(parsed.warnings[0] ?? "", /unknown escape/);
});

test("exec line: a lone ; separates commands (systemd's undocumented compatibility)", () => {
  const parsed = parseExecLine("/bin/echo one ; /bin/echo two;three ; -/bin/false");
  assert.equal(parsed.error, null);
  assert.deepEqual(
    parsed.commands.map((command) => [command.ignoreFailure, ...command.argv]),
    [
      [false, "/bin/echo", "one"],
      [false, "/bin/echo", "two;three"],
      [true, "/bin/false"],
    ],
  );
});

test("exec line: specifiers are expanded per word after unquoting, never re-split", () => {
  const parsed = parseExecLine('/bin/%p "x %i"', (word) => ({ ok: true, value: word.replace("%p", "web").replace("%i", "a b") }));
  assert.deepEqual(parsed.commands[0]?.argv, ["/bin/web", "x a b"]);
});

test("exec line: a specifier that cannot expand is an error naming it", () => {
  const parsed = parseExecLine("/bin/echo %Z", (word) => (word.includes("%Z") ? { ok: false, error: "unknown specifier '%Z'" } : { ok: true, value: word }));
  assert.match(parsed.error ?? "", /%Z/);
});

test("exec line: an empty value gives no command and no error", () => {
  assert.deepEqual(parseExecLine(""), { commands: [], warnings: [], error: null });
});

const env = new Map([
  ["A", "one"],
  ["OPTS", "-a  -b 'c d'"],
  ["EMPTY", ""],
  ["SPACE", "x y"],
]);

const expansionRows: [name: string, words: string[], argv: string[]][] = [
  ["expansion: a word that is exactly $VAR is split at whitespace", ["/bin/x", "$OPTS"], ["/bin/x", "-a", "-b", "c d"]],
  ["expansion: ${VAR} inside a word is one piece", ["/bin/x", "--opt=${SPACE}!"], ["/bin/x", "--opt=x y!"]],
  ["expansion: ${VAR} alone is one word even with spaces", ["${SPACE}"], ["x y"]],
  ["expansion: an unset $VAR word disappears", ["/bin/x", "$NOPE", "y"], ["/bin/x", "y"]],
  ["expansion: an empty $VAR word disappears", ["/bin/x", "$EMPTY"], ["/bin/x"]],
  ["expansion: an unset ${VAR} is the empty string", ["a${NOPE}b"], ["ab"]],
  ["expansion: $$ is a literal dollar", ["$$A", "cost$$5"], ["$A", "cost$5"]],
  ["expansion: $VAR inside a word is not expanded", ["x$A"], ["x$A"]],
  ["expansion: ${VAR:-default} is not supported and stays", ["${A:-x}"], ["${A:-x}"]],
  ["expansion: an unterminated ${ stays", ["${A"], ["${A"]],
  ["expansion: several ${} in one word", ["${A}-${A}"], ["one-one"]],
];

for (const [name, words, argv] of expansionRows) {
  test(name, () => {
    assert.deepEqual(expandExecWords(words, env).argv, argv);
  });
}

test("expansion: unset and invalid names are reported", () => {
  const expanded = expandExecWords(["$NOPE", "${ALSO_NOPE}", "$A.b", "${1x}"], env);
  assert.deepEqual(expanded.unsetVariables, ["ALSO_NOPE", "NOPE"]);
  assert.deepEqual(expanded.invalidVariables, ["1x", "A.b"]);
  assert.deepEqual(expanded.argv, ["", ""]);
});

test("expansion: a plain object works as the environment", () => {
  assert.deepEqual(expandExecWords(["$A", "${toString}"], { A: "1 2" }).argv, ["1", "2", ""]);
});

test("expansion: the ':' prefix keeps the words as written", () => {
  assert.deepEqual(execArgv(only(":/bin/echo $A"), env).argv, ["/bin/echo", "$A"]);
  assert.deepEqual(execArgv(only("/bin/echo $A"), env).argv, ["/bin/echo", "one"]);
});

test("exec line: never throws on arbitrary input", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (value) => {
      const parsed = parseExecLine(value);
      for (const command of parsed.commands) {
        assert.ok(command.argv.length > 0);
        assert.equal(command.expandsEnvironment.length, command.argv.length);
        assert.ok(command.path.startsWith("/") || !command.path.includes("/"));
      }
    }),
    { numRuns: 2000 },
  );
});

test("exec line: shell-like input with quotes, escapes and prefixes never throws", () => {
  const piece = fc.constantFrom("/bin/x", "-", "@", ":", "+", "!", '"', "'", "\\", "\\x4", "\\u00e9", ";", " ", "$A", "${A}", "a", "%i");
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const parsed = parseExecLine(pieces.join(""));
      assert.ok(parsed.error === null || parsed.error.length > 0);
      for (const command of parsed.commands) expandExecWords(command.argv, env);
    }),
    { numRuns: 2000 },
  );
});

test("expansion: never throws and ${}-free words without $ pass unchanged", () => {
  fc.assert(
    fc.property(fc.array(fc.string()), (words) => {
      const expanded = expandExecWords(words, env);
      const plain = words.filter((word) => !word.includes("$"));
      for (const word of plain) assert.ok(expanded.argv.includes(word));
    }),
  );
});
