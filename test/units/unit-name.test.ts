import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  changeUnitType,
  escapeUnitNamePart,
  escapeUnitNamePath,
  instanceOf,
  isValidUnitName,
  parseUnitName,
  templateOf,
  unescapeUnitNamePart,
  unescapeUnitNamePath,
  withSuffix,
} from "../../src/units/unit-name.js";

const parseRows: [name: string, input: string, expected: ReturnType<typeof parseUnitName>][] = [
  ["unit name: a plain service", "web.service", { name: "web.service", prefix: "web", instance: null, type: "service", form: "plain" }],
  ["unit name: a plain socket", "web.socket", { name: "web.socket", prefix: "web", instance: null, type: "socket", form: "plain" }],
  ["unit name: a template", "web@.service", { name: "web@.service", prefix: "web", instance: "", type: "service", form: "template" }],
  ["unit name: an instance", "web@8080.service", { name: "web@8080.service", prefix: "web", instance: "8080", type: "service", form: "instance" }],
  ["unit name: the instance runs to the last dot and may hold @", "a@b@c.d.socket", { name: "a@b@c.d.socket", prefix: "a", instance: "b@c.d", type: "socket", form: "instance" }],
  ["unit name: other unit types parse (for dependencies)", "network.target", { name: "network.target", prefix: "network", instance: null, type: "target", form: "plain" }],
  ["unit name: escapes are valid characters", "foo\\x2dbar.service", { name: "foo\\x2dbar.service", prefix: "foo\\x2dbar", instance: null, type: "service", form: "plain" }],
  ["unit name: no suffix is invalid", "web", null],
  ["unit name: an unknown suffix is invalid", "web.txt", null],
  ["unit name: nothing before the suffix is invalid", ".service", null],
  ["unit name: an empty prefix before @ is invalid", "@x.service", null],
  ["unit name: a slash is invalid", "a/b.service", null],
  ["unit name: a space is invalid", "a b.service", null],
  ["unit name: 256 characters is too long", `${"a".repeat(248)}.service`, null],
];

for (const [name, input, expected] of parseRows) {
  test(name, () => {
    assert.deepEqual(parseUnitName(input), expected);
  });
}

test("unit name: forms can be required", () => {
  assert.equal(isValidUnitName("web@.service", ["plain", "instance"]), false);
  assert.equal(isValidUnitName("web@x.service", ["instance"]), true);
  assert.equal(isValidUnitName("web.service"), true);
});

test("unit name: withSuffix adds .service only when no unit type is given", () => {
  assert.equal(withSuffix("web"), "web.service");
  assert.equal(withSuffix("web.socket"), "web.socket");
  assert.equal(withSuffix("web@8080"), "web@8080.service");
  assert.equal(withSuffix("my.app"), "my.app.service");
  assert.equal(withSuffix("web", "socket"), "web.socket");
});

test("unit name: template of an instance, and instance of a template", () => {
  assert.equal(templateOf("web@8080.service"), "web@.service");
  assert.equal(templateOf("web@.service"), "web@.service");
  assert.equal(templateOf("web.service"), null);
  assert.equal(instanceOf("web@.service", "8080"), "web@8080.service");
  assert.equal(instanceOf("web@.service", "a/b"), null);
  assert.equal(instanceOf("web.service", "x"), null);
});

test("unit name: changing the type keeps the instance", () => {
  assert.equal(changeUnitType("web.socket", "service"), "web.service");
  assert.equal(changeUnitType("web@x.socket", "service"), "web@x.service");
  assert.equal(changeUnitType("nope", "service"), null);
});

const escapeRows: [name: string, raw: string, escaped: string][] = [
  ["escape: / becomes -", "a/b", "a-b"],
  ["escape: - becomes \\x2d", "a-b", "a\\x2db"],
  ["escape: a leading dot is escaped, others are not", ".a.b", "\\x2ea.b"],
  ["escape: spaces and backslashes are escaped", "a b\\", "a\\x20b\\x5c"],
  ["escape: non-ASCII is escaped per UTF-8 byte", "é", "\\xc3\\xa9"],
  ["escape: letters, digits, : and _ stay", "Ab9:_", "Ab9:_"],
];

for (const [name, raw, escaped] of escapeRows) {
  test(name, () => {
    assert.equal(escapeUnitNamePart(raw), escaped);
    assert.equal(unescapeUnitNamePart(escaped), raw);
  });
}

test("unescape: a backslash not followed by xNN is invalid", () => {
  assert.equal(unescapeUnitNamePart("a\\b"), null);
  assert.equal(unescapeUnitNamePart("a\\x2"), null);
});

test("path escape: as systemd-escape --path", () => {
  assert.equal(escapeUnitNamePath("/"), "-");
  assert.equal(escapeUnitNamePath("/var/lib/my-app/"), "var-lib-my\\x2dapp");
  assert.equal(escapeUnitNamePath("//dev/./sda"), "dev-sda");
  assert.equal(escapeUnitNamePath("/a/../b"), null);
  assert.equal(unescapeUnitNamePath("-"), "/");
  assert.equal(unescapeUnitNamePath("var-lib-my\\x2dapp"), "/var/lib/my-app");
  assert.equal(unescapeUnitNamePath("-var"), null);
  assert.equal(unescapeUnitNamePath("a--b"), null);
  assert.equal(unescapeUnitNamePath(""), null);
});

test("escape: unescaping an escaped string gives it back, and the result is a valid prefix", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }), (raw) => {
      const escaped = escapeUnitNamePart(raw);
      assert.equal(unescapeUnitNamePart(escaped), raw);
      assert.ok(isValidUnitName(`${escaped}.service`) || `${escaped}.service`.length >= 256);
    }),
  );
});

test("unit name: parsing never throws", () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const parsed = parseUnitName(text);
      if (parsed !== null) assert.equal(parsed.name, text);
    }),
  );
});
