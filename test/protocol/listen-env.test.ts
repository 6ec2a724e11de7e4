import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isValidFdName, listenEnv, parseListenEnv, SD_LISTEN_FDS_START } from "../../src/protocol/listen-env.js";

const OWN_PID = 4242;

const validity: [string, string, boolean][] = [
  ["a socket unit name", "web.socket", true],
  ["the default store name", "stored", true],
  ["printable ASCII with blanks", "my fd #1", true],
  ["255 characters", "x".repeat(255), true],
  ["the empty name", "", false],
  ["256 characters", "x".repeat(256), false],
  ["a colon, the LISTEN_FDNAMES separator", "a:b", false],
  ["a newline", "a\nb", false],
  ["a tab", "a\tb", false],
  ["DEL", "a\x7fb", false],
  ["non-ASCII", "caf\u00e9", false],
];

for (const [behaviour, name, valid] of validity) {
  test(`fd name: ${behaviour} is ${valid ? "valid" : "invalid"}`, () => {
    assert.equal(isValidFdName(name), valid);
  });
}

test("listen env: fds are announced with their names in order", () => {
  assert.deepEqual(listenEnv(["web.socket", "stored", "conn"]), {
    LISTEN_FDS: "3",
    LISTEN_FDNAMES: "web.socket:stored:conn",
  });
});

test("listen env: nothing is set when no fds are passed", () => {
  assert.deepEqual(listenEnv([]), {});
});

test("listen env: an invalid or empty name is passed as unknown", () => {
  assert.deepEqual(listenEnv(["a:b", "", "ok"]), { LISTEN_FDS: "3", LISTEN_FDNAMES: "unknown:unknown:ok" });
});

test("listen env: LISTEN_PID is left to the spawner", () => {
  assert.equal("LISTEN_PID" in listenEnv(["x"]), false);
});

test("listen env: the fds start at 3", () => {
  assert.equal(SD_LISTEN_FDS_START, 3);
});

const parsed: [string, Record<string, string | undefined>, { fd: number; name: string }[]][] = [
  [
    "named fds meant for us",
    { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "web.socket:stored" },
    [{ fd: 3, name: "web.socket" }, { fd: 4, name: "stored" }],
  ],
  ["no names means unknown", { LISTEN_PID: "4242", LISTEN_FDS: "2" }, [{ fd: 3, name: "unknown" }, { fd: 4, name: "unknown" }]],
  ["empty names are kept, not merged", { LISTEN_PID: "4242", LISTEN_FDS: "3", LISTEN_FDNAMES: "a::b" }, [
    { fd: 3, name: "a" }, { fd: 4, name: "" }, { fd: 5, name: "b" },
  ]],
  ["variables meant for another process give no fds", { LISTEN_PID: "1", LISTEN_FDS: "2" }, []],
  ["no LISTEN_PID gives no fds", { LISTEN_FDS: "2" }, []],
  ["no LISTEN_FDS gives no fds", { LISTEN_PID: "4242" }, []],
  ["names alone give no fds", { LISTEN_FDNAMES: "a:b" }, []],
  ["a variable set to undefined counts as absent", { LISTEN_PID: undefined, LISTEN_FDS: "1" }, []],
];

for (const [behaviour, env, fds] of parsed) {
  test(`listen env: ${behaviour}`, () => {
    assert.deepEqual(parseListenEnv(env, OWN_PID), { fds });
  });
}

const errors: [string, Record<string, string>, RegExp][] = [
  ["a LISTEN_PID that is not a number", { LISTEN_PID: "abc", LISTEN_FDS: "1" }, /LISTEN_PID=abc is not a process ID/],
  ["LISTEN_PID=0", { LISTEN_PID: "0", LISTEN_FDS: "1" }, /LISTEN_PID=0/],
  ["LISTEN_FDS=0", { LISTEN_PID: "4242", LISTEN_FDS: "0" }, /LISTEN_FDS=0/],
  ["a LISTEN_FDS that is not a number", { LISTEN_PID: "4242", LISTEN_FDS: "two" }, /LISTEN_FDS=two/],
  ["a negative LISTEN_FDS", { LISTEN_PID: "4242", LISTEN_FDS: "-1" }, /LISTEN_FDS=-1/],
  ["fewer names than fds", { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "a" }, /1 names for LISTEN_FDS=2/],
  ["more names than fds", { LISTEN_PID: "4242", LISTEN_FDS: "1", LISTEN_FDNAMES: "a:b" }, /2 names/],
  ["an unparsable LISTEN_PIDFDID", { LISTEN_PID: "4242", LISTEN_PIDFDID: "x", LISTEN_FDS: "1" }, /LISTEN_PIDFDID=x/],
];

for (const [behaviour, env, message] of errors) {
  test(`listen env: refuses ${behaviour}`, () => {
    const result = parseListenEnv(env, OWN_PID);
    assert.ok("error" in result, JSON.stringify(result));
    assert.match(result.error, message);
  });
}

test("listen env: a LISTEN_PIDFDID that is not ours gives no fds (PID reuse)", () => {
  const env = { LISTEN_PID: "4242", LISTEN_PIDFDID: "77", LISTEN_FDS: "1" };
  assert.deepEqual(parseListenEnv(env, OWN_PID, 78n), { fds: [] });
  assert.deepEqual(parseListenEnv(env, OWN_PID, 77n), { fds: [{ fd: 3, name: "unknown" }] });
  assert.deepEqual(parseListenEnv(env, OWN_PID), { fds: [{ fd: 3, name: "unknown" }] });
});

test("listen env: what the manager writes, the service reads back", () => {
  const name = fc.string({ minLength: 1, maxLength: 40 }).filter(isValidFdName);
  fc.assert(
    fc.property(fc.array(name, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 2 ** 22 }), (names, pid) => {
      const env = { ...listenEnv(names), LISTEN_PID: String(pid) };
      assert.deepEqual(parseListenEnv(env, pid), { fds: names.map((n, i) => ({ fd: 3 + i, name: n })) });
    }),
  );
});

test("listen env: the reader never throws on arbitrary variables", () => {
  const value = fc.oneof(fc.string(), fc.nat().map(String), fc.constant("4242"), fc.constant(undefined));
  const env = fc.record({ LISTEN_PID: value, LISTEN_FDS: value, LISTEN_FDNAMES: value, LISTEN_PIDFDID: value });
  fc.assert(
    fc.property(env, (vars) => {
      const result = parseListenEnv(vars, OWN_PID);
      if ("fds" in result) result.fds.forEach((entry, i) => assert.equal(entry.fd, 3 + i));
    }),
  );
});
