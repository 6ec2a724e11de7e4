import assert from "node:assert/strict";
import { test } from "node:test";
import { lexUnitFile } from "../../src/units/unit-lexer.js";
import { buildUnitModel } from "../../src/units/unit-model.js";
import type { SocketUnitModel, UnitModelBuild } from "../../src/units/unit-model.js";
import type { SocketSection } from "../../src/units/socket-section.js";
import type { SpecifierHost } from "../../src/units/specifiers.js";

const host: SpecifierHost = { runtimeRoot: "/run/user/1000", home: "/home/ann", userName: "ann", uid: 1000 };

function build(name: string, body: string): UnitModelBuild {
  return buildUnitModel(name, [{ path: `/units/${name}`, syntax: lexUnitFile(`[Socket]\n${body}\n`) }], host);
}

function socket(body: string, name = "web.socket"): SocketSection {
  const built = build(name, body);
  assert.deepEqual(built.errors, []);
  return (built.model as SocketUnitModel).socket;
}

test("socket: defaults are systemd's", () => {
  const s = socket("ListenStream=8080");
  assert.deepEqual(s, {
    listen: [{ kind: "stream", address: { family: "inet", host: null, version: null, port: 8080, interface: null } }],
    accept: false,
    service: "web.service",
    fileDescriptorName: "web.socket",
    backlog: 4294967295,
    socketMode: 0o666,
    directoryMode: 0o755,
    socketUser: null,
    socketGroup: null,
    reusePort: false,
    bindIpv6Only: "default",
    removeOnStop: false,
    maxConnections: 64,
    maxConnectionsPerSource: 0,
    passCredentials: false,
    flushPending: false,
    triggerLimitIntervalUsec: 2_000_000,
    triggerLimitBurst: 20,
    timeoutUsec: 90_000_000,
  });
});

test("socket: listeners of every kind, in the order written", () => {
  const s = socket(
    "ListenStream=/run/web.sock\nListenDatagram=@web-dgram\nListenSequentialPacket=/run/seq.sock\nListenFIFO=/run/web.fifo\nListenStream=[::1]:8443",
  );
  assert.deepEqual(s.listen, [
    { kind: "stream", address: { family: "unix", path: "/run/web.sock" } },
    { kind: "datagram", address: { family: "abstract", name: "web-dgram" } },
    { kind: "sequential-packet", address: { family: "unix", path: "/run/seq.sock" } },
    { kind: "fifo", path: "/run/web.fifo" },
    { kind: "stream", address: { family: "inet", host: "::1", version: 6, port: 8443, interface: null } },
  ]);
});

test("socket: an empty Listen*= drops every listener written before it", () => {
  assert.deepEqual(socket("ListenStream=80\nListenFIFO=/run/f\nListenDatagram=\nListenStream=81").listen.length, 1);
});

test("socket: listen paths expand specifiers", () => {
  const s = socket("ListenStream=%t/%p-%i.sock", "web@blue.socket");
  assert.deepEqual(s.listen[0], { kind: "stream", address: { family: "unix", path: "/run/user/1000/web-blue.sock" } });
  assert.equal(s.service, "web@blue.service");
});

test("socket: a path below /var/run/ moves to /run/ with a warning", () => {
  const built = build("web.socket", "ListenStream=/var/run/web.sock");
  assert.deepEqual((built.model as SocketUnitModel).socket.listen[0], { kind: "stream", address: { family: "unix", path: "/run/web.sock" } });
  assert.match(built.warnings[0]?.message ?? "", /legacy directory/);
});

test("socket: Accept=yes activates the template and names the fd 'connection'", () => {
  const s = socket("ListenStream=2222\nAccept=yes");
  assert.equal(s.service, "web@.service");
  assert.equal(s.fileDescriptorName, "connection");
  assert.equal(s.triggerLimitBurst, 200);
});

test("socket: explicit Service=, FileDescriptorName= and options", () => {
  const s = socket(
    "ListenStream=80\nService=api.service\nFileDescriptorName=http\nBacklog=128\nSocketMode=0600\nDirectoryMode=0700\nSocketUser=www\nSocketGroup=www\nReusePort=yes\nBindIPv6Only=ipv6-only\nRemoveOnStop=yes\nMaxConnections=10\nMaxConnectionsPerSource=2\nPassCredentials=yes\nFlushPending=yes\nTriggerLimitIntervalSec=5\nTriggerLimitBurst=7\nTimeoutSec=0",
  );
  assert.equal(s.service, "api.service");
  assert.equal(s.fileDescriptorName, "http");
  assert.equal(s.backlog, 128);
  assert.equal(s.socketMode, 0o600);
  assert.equal(s.directoryMode, 0o700);
  assert.equal(s.socketUser, "www");
  assert.equal(s.socketGroup, "www");
  assert.equal(s.reusePort, true);
  assert.equal(s.bindIpv6Only, "ipv6-only");
  assert.equal(s.removeOnStop, true);
  assert.equal(s.maxConnections, 10);
  assert.equal(s.maxConnectionsPerSource, 2);
  assert.equal(s.passCredentials, true);
  assert.equal(s.flushPending, true);
  assert.equal(s.triggerLimitIntervalUsec, 5_000_000);
  assert.equal(s.triggerLimitBurst, 7);
  assert.equal(s.timeoutUsec, Infinity);
});

const refusedRows: [name: string, body: string, key: string | null, message: RegExp][] = [
  ["socket refused: no Listen*= at all", "Accept=no", null, /no Listen setting/],
  ["socket refused: Accept=yes with a datagram socket", "ListenDatagram=53\nAccept=yes", "Accept", /non-accepting/],
  ["socket refused: Accept=yes with an explicit Service=", "ListenStream=22\nAccept=yes\nService=ssh.service", "Service", /Explicit service/],
  ["socket refused: MaxConnections=0", "ListenStream=22\nMaxConnections=0", "MaxConnections", /too small/],
  ["socket invalid: sequential packets need AF_UNIX", "ListenSequentialPacket=8080", "ListenSequentialPacket", /AF_UNIX/],
  ["socket invalid: a bad address", "ListenStream=localhost:80", "ListenStream", /Failed to parse address/],
  ["socket invalid: Service= must be a service", "ListenStream=80\nService=web.socket", "Service", /service unit/],
  ["socket invalid: a file descriptor name with a colon", "ListenStream=80\nFileDescriptorName=a:b", "FileDescriptorName", /file descriptor name/],
  ["socket invalid: BindIPv6Only= takes default, both or ipv6-only", "ListenStream=80\nBindIPv6Only=maybe", "BindIPv6Only", /expected one of: default, both, ipv6-only/],
  ["socket invalid: a relative FIFO path", "ListenFIFO=web.fifo", "ListenFIFO", /not absolute/],
];

for (const [name, body, key, message] of refusedRows) {
  test(name, () => {
    const [first] = build("web.socket", body).errors;
    assert.ok(first !== undefined, "expected an error");
    assert.equal(first.key, key);
    assert.equal(first.file, "/units/web.socket");
    assert.match(first.message, message);
  });
}

test("socket: [Service] in a socket unit is an unknown section", () => {
  const built = buildUnitModel("web.socket", [{ path: "/u/web.socket", syntax: lexUnitFile("[Socket]\nListenStream=1\n[Service]\nExecStart=/x\n") }], host);
  assert.deepEqual(built.warnings, [{ file: "/u/web.socket", line: 3, message: "Unknown section 'Service', ignoring" }]);
});
