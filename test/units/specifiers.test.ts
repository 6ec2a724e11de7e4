import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { expandSpecifiers } from "../../src/units/specifiers.js";
import type { SpecifierContext } from "../../src/units/specifiers.js";

const context: SpecifierContext = {
  unitName: "foo-bar@my\\x2dhost-path.service",
  fragmentPath: "/etc/steward/foo-bar@.service",
  runtimeRoot: "/run/user/1000",
  stateRoot: "/home/ann/.local/state",
  cacheRoot: "/home/ann/.cache",
  logsRoot: "/home/ann/.local/state/log",
  configRoot: "/home/ann/.config",
  home: "/home/ann",
  shell: "/bin/bash",
  userName: "ann",
  uid: 1000,
  groupName: "staff",
  gid: 50,
  hostname: "box.example.org",
  machineId: "0123456789abcdef0123456789abcdef",
  bootId: "fedcba9876543210fedcba9876543210",
  kernelRelease: "6.1.0",
  architecture: "x86-64",
  osRelease: { ID: "debian", VERSION_ID: "12" },
};

const rows: [name: string, text: string, value: string][] = [
  ["specifier: %n is the whole unit name", "%n", "foo-bar@my\\x2dhost-path.service"],
  ["specifier: %N is the name without the suffix", "%N", "foo-bar@my\\x2dhost-path"],
  ["specifier: %p is the prefix", "%p", "foo-bar"],
  ["specifier: %P is the unescaped prefix", "%P", "foo/bar"],
  ["specifier: %i is the instance as written", "%i", "my\\x2dhost-path"],
  ["specifier: %I unescapes the instance (\\x2d → -, - → /)", "%I", "my-host/path"],
  ["specifier: %f is the instance as a path", "%f", "/my-host/path"],
  ["specifier: %j is the last dash component of the prefix", "%j", "bar"],
  ["specifier: %t is the runtime root", "%t/app.sock", "/run/user/1000/app.sock"],
  ["specifier: %h %u %U are the manager's user", "%h %u %U", "/home/ann ann 1000"],
  ["specifier: %g %G are the manager's group", "%g %G", "staff 50"],
  ["specifier: %S %C %L %E are the directory roots", "%S %C %L %E", "/home/ann/.local/state /home/ann/.cache /home/ann/.local/state/log /home/ann/.config"],
  ["specifier: %H is the host name and %l its first label", "%H %l", "box.example.org box"],
  ["specifier: %m %b are the machine and boot IDs", "%m %b", "0123456789abcdef0123456789abcdef fedcba9876543210fedcba9876543210"],
  ["specifier: %v %a are kernel release and architecture", "%v %a", "6.1.0 x86-64"],
  ["specifier: %o %w come from os-release, a missing field is empty", "%o-%w-%B", "debian-12-"],
  ["specifier: %T %V default to /tmp and /var/tmp", "%T %V", "/tmp /var/tmp"],
  ["specifier: %d is the credentials directory", "%d", "/run/user/1000/credentials/foo-bar@my\\x2dhost-path.service"],
  ["specifier: %y and %Y are the fragment and its directory", "%y %Y", "/etc/steward/foo-bar@.service /etc/steward"],
  ["specifier: %% is a literal percent", "100%% %%n", "100% %n"],
  ["specifier: % before a non-alphanumeric stays", "50%-%/ %", "50%-%/ %"],
  ["specifier: text without % is untouched", "plain text", "plain text"],
];

for (const [name, text, value] of rows) {
  test(name, () => {
    assert.deepEqual(expandSpecifiers(text, context), { ok: true, value });
  });
}

test("specifier: %i is empty and %I too for a unit without instance", () => {
  assert.deepEqual(expandSpecifiers("[%i][%I]", { ...context, unitName: "web.service" }), { ok: true, value: "[][]" });
});

test("specifier: %f of a plain unit is its prefix as a path", () => {
  assert.deepEqual(expandSpecifiers("%f", { ...context, unitName: "dev-sda.service" }), { ok: true, value: "/dev/sda" });
});

const errorRows: [name: string, text: string, error: RegExp][] = [
  ["specifier: an unknown letter is an error with a reason", "%Z", /unknown specifier '%Z'/],
  ["specifier: an unknown digit is an error", "%5", /unknown specifier '%5'/],
  ["specifier: deprecated cgroup specifiers are refused", "%c", /control group/],
];

for (const [name, text, error] of errorRows) {
  test(name, () => {
    const expanded = expandSpecifiers(text, context);
    assert.equal(expanded.ok, false);
    if (!expanded.ok) assert.match(expanded.error, error);
  });
}

test("specifier: a fact the host did not give is an error that says which", () => {
  const expanded = expandSpecifiers("%m", { unitName: "a.service", runtimeRoot: "/run", home: "/", userName: "root", uid: 0 });
  assert.deepEqual(expanded, { ok: false, error: "cannot expand '%m': the machine ID is not known here" });
});

test("specifier: a badly escaped instance cannot be unescaped by %I", () => {
  const expanded = expandSpecifiers("%I", { ...context, unitName: "a@x\\y.service" });
  assert.equal(expanded.ok, false);
});

test("specifier: the unit-name table refuses specifiers unsafe in unit names", () => {
  assert.deepEqual(expandSpecifiers("%p-db.service", context, "unit-name"), { ok: true, value: "foo-bar-db.service" });
  assert.equal(expandSpecifiers("%t", context, "unit-name").ok, false);
  assert.equal(expandSpecifiers("%I", context, "unit-name").ok, false);
});

test("specifier: expansion never throws", () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const expanded = expandSpecifiers(text, context);
      if (expanded.ok && !text.includes("%")) assert.equal(expanded.value, text);
    }),
  );
});
