// The socket reducer with Accept=yes (inetd style): one instance of the template per
// connection, named as systemd names it, with REMOTE_ADDR/REMOTE_PORT; the connection limits;
// the socket keeps listening whatever its instances do.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  acceptFailed,
  connect,
  incoming,
  instanceStopped,
  ipv4,
  repeat,
  runRow,
  serviceDead,
  serviceRunning,
  start,
  stop,
} from "./socket-harness.js";
import type { Row } from "./socket-harness.js";
import type { ConnectionPeer } from "../../src/core/socket-state.js";

const echo = "ListenStream=7\nAccept=yes";

const ipv6: ConnectionPeer = { family: "inet6", local: { address: "::1", port: 7 }, remote: { address: "::1", port: 5000 } };
const mapped: ConnectionPeer = {
  family: "inet6",
  local: { address: "::ffff:127.0.0.1", port: 7 },
  remote: { address: "::ffff:10.0.0.2", port: 5000 },
};
const mappedRemoteOnly: ConnectionPeer = {
  family: "inet6",
  local: { address: "fd00::1", port: 7 },
  remote: { address: "::ffff:10.0.0.2", port: 5000 },
};
const unixPeer: ConnectionPeer = { family: "unix", credentials: { pid: 4242, uid: 1000 }, remoteAddress: null };
const unixPeerElsewhere: ConnectionPeer = { family: "unix", credentials: null, remoteAddress: "@client" };

const rows: Row[] = [
  {
    behaviour: "accept: each connection is accepted and handed to its own instance of the template",
    unit: echo,
    story: [start, connect(ipv4(40000)), connect(ipv4(40001))],
    expect: {
      sub: "listening",
      instances: ["web@0-127.0.0.1:7-127.0.0.1:40000.service", "web@1-127.0.0.1:7-127.0.0.1:40001.service"],
      startedServices: [],
      check: (d) => {
        assert.deepEqual(d.instances.map((i) => [i.template, i.instanceName, i.connectionFd]), [
          ["web@.service", "0-127.0.0.1:7-127.0.0.1:40000", 100],
          ["web@.service", "1-127.0.0.1:7-127.0.0.1:40001", 101],
        ]);
        assert.equal(d.runtime.accepted, 2);
      },
    },
  },
  {
    behaviour: "accept: the socket keeps polling while its instances run",
    unit: echo,
    story: [start, connect(ipv4(40000))],
    expect: { sub: "listening", watching: true, listenersOpen: 1 },
  },
  {
    behaviour: "accept: a readable listener asks the manager to accept on that listener's fd",
    unit: "ListenStream=7\nListenStream=/run/echo.sock\nAccept=yes",
    story: [start, incoming(1)],
    expect: {
      check: (d) => assert.deepEqual(d.effects.filter((e) => e.kind === "accept-connection"), [{ kind: "accept-connection", listenerIndex: 1, fd: 11 }]),
    },
  },
  {
    behaviour: "accept: instance names carry IPv6 addresses without brackets",
    unit: echo,
    story: [start, connect(ipv6)],
    expect: { instances: ["web@0-::1:7-::1:5000.service"] },
  },
  {
    behaviour: "accept: IPv4-mapped addresses on both ends are written as IPv4",
    unit: echo,
    story: [start, connect(mapped)],
    expect: { instances: ["web@0-127.0.0.1:7-10.0.0.2:5000.service"] },
  },
  {
    behaviour: "accept: an IPv4-mapped address is kept as IPv6 in the name when the other end is not mapped",
    unit: echo,
    story: [start, connect(mappedRemoteOnly)],
    expect: {
      instances: ["web@0-fd00::1:7-::ffff:10.0.0.2:5000.service"],
      check: (d) => assert.deepEqual(d.instances[0]?.environment, { REMOTE_ADDR: "10.0.0.2", REMOTE_PORT: "5000" }),
    },
  },
  {
    behaviour: "accept: IP instances get REMOTE_ADDR and REMOTE_PORT",
    unit: echo,
    story: [start, connect(ipv4(40000, "192.168.1.9")), connect(ipv6)],
    expect: {
      check: (d) =>
        assert.deepEqual(
          d.instances.map((i) => i.environment),
          [
            { REMOTE_ADDR: "192.168.1.9", REMOTE_PORT: "40000" },
            { REMOTE_ADDR: "::1", REMOTE_PORT: "5000" },
          ],
        ),
    },
  },
  {
    behaviour: "accept: AF_UNIX instances are named after the peer's PID and UID",
    unit: "ListenStream=/run/echo.sock\nAccept=yes",
    story: [start, connect(unixPeer)],
    expect: { instances: ["web@0-4242-1000.service"], check: (d) => assert.deepEqual(d.instances[0]?.environment, {}) },
  },
  {
    behaviour: "accept: an AF_UNIX peer from another namespace is 'unknown'; a named peer is its REMOTE_ADDR",
    unit: "ListenStream=/run/echo.sock\nAccept=yes",
    story: [start, connect(unixPeerElsewhere)],
    expect: { instances: ["web@0-unknown.service"], check: (d) => assert.deepEqual(d.instances[0]?.environment, { REMOTE_ADDR: "@client" }) },
  },
  {
    behaviour: "accept: past MaxConnections= a connection is closed with a log line",
    unit: `${echo}\nMaxConnections=1`,
    story: [start, connect(ipv4(40000)), connect(ipv4(40001))],
    expect: {
      sub: "listening",
      instances: ["web@0-127.0.0.1:7-127.0.0.1:40000.service"],
      closedConnections: [101],
      logged: [/Too many incoming connections \(1\), dropping connection\./],
      check: (d) => assert.equal(d.runtime.refused, 1),
    },
  },
  {
    behaviour: "accept: a finished instance frees its connection slot, and numbering goes on",
    unit: `${echo}\nMaxConnections=1`,
    story: [start, connect(ipv4(40000)), connect(ipv4(40001)), instanceStopped(0), connect(ipv4(40002))],
    expect: {
      instances: ["web@0-127.0.0.1:7-127.0.0.1:40000.service", "web@1-127.0.0.1:7-127.0.0.1:40002.service"],
      closedConnections: [101],
      logged: [/One connection closed, 0 left\./],
    },
  },
  {
    behaviour: "accept: MaxConnectionsPerSource= counts connections per remote address",
    unit: `${echo}\nMaxConnectionsPerSource=2`,
    story: [start, ...repeat(3, connect(ipv4(40000, "10.0.0.1"))), connect(ipv4(40000, "10.0.0.2"))],
    expect: {
      check: (d) => assert.equal(d.instances.length, 3),
      closedConnections: [102],
      logged: [/Too many incoming connections \(3\) from source 10\.0\.0\.1, dropping connection\./],
    },
  },
  {
    behaviour: "accept: the trigger limit counts connections and fails the socket, closing the one too many",
    unit: `${echo}\nTriggerLimitBurst=2`,
    story: [start, ...repeat(3, connect(ipv4(40000)))],
    expect: { sub: "failed", result: "trigger-limit-hit", listenersOpen: 0, closedConnections: [102], check: (d) => assert.equal(d.instances.length, 2) },
  },
  {
    behaviour: "accept: the trigger limit is 200 connections in 2 s by default",
    unit: `${echo}\nMaxConnections=1000`,
    story: [start, ...repeat(200, connect(ipv4(40000)))],
    expect: { sub: "listening", check: (d) => assert.equal(d.instances.length, 200) },
  },
  {
    behaviour: "accept: a connection that went away before accept() is ignored",
    unit: echo,
    story: [start, incoming(), acceptFailed("ECONNABORTED", "Software caused connection abort")],
    expect: { sub: "listening", watching: true, instances: [] },
  },
  {
    behaviour: "accept: any other accept() error fails the socket with resources",
    unit: echo,
    story: [start, incoming(), acceptFailed("EMFILE", "Too many open files")],
    expect: { sub: "failed", result: "resources", listenersOpen: 0, logged: [/Failed to accept connection socket: Too many open files/] },
  },
  {
    behaviour: "accept: the socket pays no attention to service state changes",
    unit: echo,
    story: [start, serviceRunning, serviceDead, incoming()],
    expect: { sub: "listening", watching: true, startedServices: [], asked: { "accept-connection": true } },
  },
  {
    behaviour: "accept: a socket with Accept=yes starts whatever its instances do",
    unit: echo,
    story: [serviceRunning, start],
    expect: { sub: "listening", asked: { "start-refused": false } },
  },
  {
    behaviour: "accept: a connection accepted after the socket stopped is closed",
    unit: echo,
    story: [
      start,
      incoming(),
      stop,
      (d) => void d.send({ kind: "accepted", listenerIndex: 0, fd: 150, peer: ipv4(40000) }),
    ],
    expect: { sub: "dead", instances: [], closedConnections: [150] },
  },
];

for (const row of rows) test(row.behaviour, () => void runRow(row));
