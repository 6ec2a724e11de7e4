import assert from "node:assert/strict";
import { test } from "node:test";
import { parseOsRelease, readSpecifierHost } from "../../src/units/host-facts.js";
import { expandSpecifiers } from "../../src/units/specifiers.js";

test("host facts: os-release values lose their quotes", () => {
  assert.deepEqual(parseOsRelease('ID=debian\nVERSION_ID="12"\nNAME=\'Debian GNU/Linux\'\n# comment\nbroken line\n'), {
    ID: "debian",
    VERSION_ID: "12",
    NAME: "Debian GNU/Linux",
  });
});

test("host facts: root gets the system directories, others the XDG ones", () => {
  const host = readSpecifierHost({ HOME: "/home/x", XDG_RUNTIME_DIR: "/run/user/77" });
  assert.equal(host.uid, process.getuid?.());
  if (host.uid === 0) {
    assert.equal(host.runtimeRoot, "/run");
    assert.equal(host.stateRoot, "/var/lib");
    assert.equal(host.configRoot, "/etc");
  } else {
    assert.equal(host.runtimeRoot, "/run/user/77");
    assert.equal(host.stateRoot, "/home/x/.local/state");
    assert.equal(host.configRoot, "/home/x/.config");
  }
  assert.equal(host.home, "/home/x");
});

test("host facts: what was read expands %u %U %H %v", () => {
  const host = readSpecifierHost();
  const expanded = expandSpecifiers("%u %U %H %v", { ...host, unitName: "a.service" });
  assert.equal(expanded.ok, true);
});
