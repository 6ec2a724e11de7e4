// The socket reducer with Accept=no (one service gets every listener): opening, activation on
// the first readable event, no polling while the service runs, listening again when it stops,
// the trigger and start limits, stops and failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeListeners } from "../../src/core/socket-state.js";
import type { SocketEffect } from "../../src/core/socket-state.js";
import {
  advance,
  answerOpen,
  failOpen,
  hangUp,
  holdOpen,
  incoming,
  repeat,
  resetFailed,
  runRow,
  SECOND,
  service,
  serviceAutoRestart,
  serviceDead,
  serviceFailed,
  serviceRunning,
  serviceStarting,
  socketUnit,
  start,
  stop,
} from "./socket-harness.js";
import type { Row } from "./socket-harness.js";

const two = "ListenStream=8080\nListenStream=127.0.0.1:8081";

function lastOf<K extends SocketEffect["kind"]>(history: readonly SocketEffect[], kind: K): Extract<SocketEffect, { kind: K }> {
  const found = history.filter((effect): effect is Extract<SocketEffect, { kind: K }> => effect.kind === kind).at(-1);
  assert.ok(found !== undefined, `no ${kind} in ${JSON.stringify(history)}`);
  return found;
}

const rows: Row[] = [
  {
    behaviour: "socket: a start opens every listener, in configuration order, with the socket options",
    unit: `${two}\nBacklog=64\nSocketMode=0600\nReusePort=yes\nBindIPv6Only=ipv6-only`,
    story: [start],
    expect: {
      check: (d) => {
        const open = lastOf(d.history, "open-listeners");
        assert.deepEqual(
          open.listeners.map((l) => (l.kind === "fifo" ? l.path : `${l.kind} ${l.address.family === "inet" ? l.address.port : ""}`)),
          ["stream 8080", "stream 8081"],
        );
        assert.equal(open.options.backlog, 64);
        assert.equal(open.options.socketMode, 0o600);
        assert.equal(open.options.reusePort, true);
        assert.equal(open.options.bindIpv6Only, "ipv6-only");
      },
    },
  },
  {
    behaviour: "socket: listening and watched once the listeners are open; the service is not started",
    unit: two,
    story: [start],
    expect: { sub: "listening", active: "active", result: "success", watching: true, listenersOpen: 2, startedServices: [] },
  },
  {
    behaviour: "socket: activating until the manager reports the listeners open",
    unit: two,
    story: [holdOpen, start],
    expect: { sub: "start-open", active: "activating", watching: false, listenersOpen: 0 },
  },
  {
    behaviour: "socket: the service is started on the first connection",
    unit: two,
    story: [start, incoming(1)],
    expect: { sub: "running", active: "active", startedServices: ["web.service"], listenersOpen: 2 },
  },
  {
    behaviour: "socket: Service= names the service to start",
    unit: `${two}\nService=api.service`,
    story: [start, incoming()],
    expect: { startedServices: ["api.service"] },
  },
  {
    behaviour: "socket: no polling while the service runs",
    unit: two,
    story: [start, incoming(), serviceStarting, serviceRunning],
    expect: { sub: "running", watching: false, listenersOpen: 2, startedServices: ["web.service"] },
  },
  {
    behaviour: "socket: a readable event that was already queued when polling stopped starts nothing more",
    unit: two,
    story: [start, incoming(0), incoming(1), serviceStarting, incoming(0)],
    expect: { sub: "running", startedServices: ["web.service"] },
  },
  {
    behaviour: "socket: sockets stay open and keep queuing while the service restarts",
    unit: two,
    story: [start, incoming(), serviceStarting, serviceRunning, serviceAutoRestart, incoming(), serviceStarting, serviceRunning],
    expect: {
      sub: "running",
      watching: false,
      listenersOpen: 2,
      // The restart was already pending: the connection during it queued no second start.
      startedServices: ["web.service"],
      asked: { "close-listeners": false, "open-listeners": true },
      check: (d) => assert.deepEqual(d.state.kind === "running" ? d.state.fds : null, [10, 11]),
    },
  },
  {
    behaviour: "socket: polls again while the service waits to restart",
    unit: two,
    story: [start, incoming(), serviceRunning, serviceAutoRestart],
    expect: { sub: "listening", watching: true, listenersOpen: 2 },
  },
  {
    behaviour: "socket: when the service stops, the socket listens again",
    unit: two,
    story: [start, incoming(), serviceRunning, service("deactivating", "stop-sigterm"), serviceDead],
    expect: { sub: "listening", watching: true, listenersOpen: 2, asked: { "close-listeners": false } },
  },
  {
    behaviour: "socket: still not polling while the service is being stopped",
    unit: two,
    story: [start, incoming(), serviceRunning, service("deactivating", "stop-sigterm")],
    expect: { sub: "running", watching: false },
  },
  {
    behaviour: "socket: when the service crashes for good, the socket listens again and the next connection starts it again",
    unit: two,
    story: [start, incoming(), serviceRunning, serviceFailed, incoming()],
    expect: { sub: "running", startedServices: ["web.service", "web.service"], listenersOpen: 2 },
  },
  {
    behaviour: "socket: a service started by hand stops the polling once it runs",
    unit: two,
    story: [start, serviceStarting, service("activating", "start"), serviceRunning],
    expect: { sub: "running", watching: false, startedServices: [] },
  },
  {
    behaviour: "socket: a connection while the service is already activating queues no second start",
    unit: two,
    story: [start, serviceStarting, incoming()],
    expect: { sub: "running", watching: false, startedServices: [] },
  },
  {
    behaviour: "socket: a connection while the service is being stopped queues a start",
    unit: two,
    story: [start, service("deactivating", "stop-sigterm"), incoming()],
    expect: { sub: "running", startedServices: ["web.service"] },
  },
  {
    behaviour: "socket: a start job that ended without a state change puts the socket back to listening",
    unit: two,
    story: [start, incoming(), service("inactive", "dead", null)],
    expect: { sub: "listening", watching: true },
  },
  {
    behaviour: "socket: nothing moves while a job for the service is still queued",
    unit: two,
    story: [start, incoming(), service("inactive", "dead", "start")],
    expect: { sub: "running", watching: false },
  },
  {
    behaviour: "socket: the service hitting its start limit fails the socket with service-start-limit-hit",
    unit: two,
    story: [start, incoming(), service("failed", "failed", null, true)],
    expect: { sub: "failed", active: "failed", result: "service-start-limit-hit", listenersOpen: 0, logged: [/Failed with result 'service-start-limit-hit'/] },
  },
  {
    behaviour: "socket: TriggerLimitBurst= activations within TriggerLimitIntervalSec= are fine, one more fails the socket with trigger-limit-hit",
    unit: `${two}\nTriggerLimitBurst=3\nTriggerLimitIntervalSec=5s`,
    story: [start, ...repeat(3, incoming(), serviceDead), incoming()],
    expect: {
      sub: "failed",
      result: "trigger-limit-hit",
      listenersOpen: 0,
      startedServices: ["web.service", "web.service", "web.service"],
      logged: [/Trigger limit hit, refusing further activation\./, /Failed with result 'trigger-limit-hit'\./],
    },
  },
  {
    behaviour: "socket: the trigger limit is 20 activations in 2 s by default",
    unit: two,
    story: [start, ...repeat(20, incoming(), serviceDead)],
    expect: { sub: "listening", check: (d) => assert.equal(d.startedServices.length, 20) },
  },
  {
    behaviour: "socket: the 21st activation in 2 s hits the default trigger limit",
    unit: two,
    story: [start, ...repeat(21, incoming(), serviceDead)],
    expect: { sub: "failed", result: "trigger-limit-hit" },
  },
  {
    behaviour: "socket: activations spread wider than TriggerLimitIntervalSec= never hit the limit",
    unit: `${two}\nTriggerLimitBurst=2\nTriggerLimitIntervalSec=1s`,
    story: [start, ...repeat(6, incoming(), serviceDead, advance(SECOND / 2 + 1))],
    expect: { sub: "listening", check: (d) => assert.equal(d.startedServices.length, 6) },
  },
  {
    behaviour: "socket: TriggerLimitIntervalSec=0 turns the trigger limit off",
    unit: `${two}\nTriggerLimitBurst=1\nTriggerLimitIntervalSec=0`,
    story: [start, ...repeat(5, incoming(), serviceDead)],
    expect: { sub: "listening" },
  },
  {
    behaviour: "socket: a stop closes the listeners and stops watching them",
    unit: two,
    story: [start, stop],
    expect: { sub: "dead", active: "inactive", result: "success", watching: false, listenersOpen: 0, logged: [/Deactivated successfully/] },
  },
  {
    behaviour: "socket: a stop while the service runs closes the listeners and leaves the service alone",
    unit: two,
    story: [start, incoming(), serviceRunning, stop],
    expect: { sub: "dead", listenersOpen: 0, watching: false, startedServices: ["web.service"] },
  },
  {
    behaviour: "socket: a stopped socket ignores its service",
    unit: two,
    story: [start, stop, serviceRunning, serviceDead, incoming()],
    expect: { sub: "dead", listenersOpen: 0, asked: { "watch-listeners": true, "start-service": false } },
  },
  {
    behaviour: "socket: RemoveOnStop= removes the socket files and FIFOs on stop, not abstract names",
    unit: "ListenStream=/run/web.sock\nListenStream=@web\nListenFIFO=/run/web.fifo\nRemoveOnStop=yes",
    story: [start, stop],
    expect: {
      check: (d) => {
        const close = lastOf(d.history, "close-listeners");
        assert.equal(close.remove, true);
        assert.deepEqual(close.paths, ["/run/web.sock", "/run/web.fifo"]);
      },
    },
  },
  {
    behaviour: "socket: without RemoveOnStop= the socket files stay",
    unit: "ListenStream=/run/web.sock",
    story: [start, stop],
    expect: { check: (d) => assert.deepEqual(lastOf(d.history, "close-listeners").paths, []) },
  },
  {
    behaviour: "socket: a bind failure fails the socket with resources, naming the address",
    unit: two,
    story: [failOpen(1, "EADDRINUSE", "Address already in use"), start],
    expect: {
      sub: "failed",
      active: "failed",
      result: "resources",
      listenersOpen: 0,
      watching: false,
      logged: [/Failed to create listening socket \(127\.0\.0\.1:8081\): Address already in use/, /Failed with result 'resources'/],
    },
  },
  {
    behaviour: "socket: a failed socket starts again with a fresh result",
    unit: two,
    story: [failOpen(0, "EACCES", "Permission denied"), start, start],
    expect: { sub: "listening", result: "success", watching: true, listenersOpen: 2 },
  },
  {
    behaviour: "socket: refuses to start while its service is already active",
    unit: two,
    story: [serviceRunning, start],
    expect: {
      sub: "dead",
      asked: { "open-listeners": false, "start-refused": true },
      logged: [/Socket service web\.service already active, refusing\./],
    },
  },
  {
    behaviour: "socket: refuses to start while its service is still being stopped",
    unit: two,
    story: [service("deactivating", "stop-sigterm"), start],
    expect: { sub: "dead", asked: { "start-refused": true } },
  },
  {
    behaviour: "socket: starts while its service waits to restart",
    unit: two,
    story: [serviceAutoRestart, start],
    expect: { sub: "listening", watching: true },
  },
  {
    behaviour: "socket: the start limit refuses a start repeated too quickly",
    unit: `[Unit]\nStartLimitBurst=2\nStartLimitIntervalSec=10s\n[Socket]\n${two}`,
    story: [start, stop, start, stop, start],
    expect: { sub: "failed", result: "start-limit-hit", listenersOpen: 0, logged: [/Start request repeated too quickly\./] },
  },
  {
    behaviour: "socket: reset-failed turns failed into dead and forgets the start limit",
    unit: `[Unit]\nStartLimitBurst=1\n[Socket]\n${two}`,
    story: [start, stop, start, resetFailed, start],
    expect: { sub: "listening", result: "success" },
  },
  {
    behaviour: "socket: POLLHUP on a listener fails the socket with resources",
    unit: two,
    story: [start, hangUp],
    expect: { sub: "failed", result: "resources", listenersOpen: 0, logged: [/POLLHUP on a listening socket/] },
  },
  {
    behaviour: "socket: FlushPending=yes flushes the listeners before listening again",
    unit: `${two}\nFlushPending=yes`,
    story: [start, incoming(), serviceRunning, serviceDead],
    expect: { sub: "listening", asked: { "flush-listeners": true } },
  },
  {
    behaviour: "socket: by default queued connections survive the service (no flush)",
    unit: two,
    story: [start, incoming(), serviceRunning, serviceDead],
    expect: { asked: { "flush-listeners": false } },
  },
  {
    behaviour: "socket: listeners that arrive after the start was given up on are closed",
    unit: two,
    story: [holdOpen, start, stop, answerOpen],
    expect: { sub: "dead", listenersOpen: 0, watching: false },
  },
];

for (const row of rows) test(row.behaviour, () => void runRow(row));

test("socket: status lists the listeners as systemctl shows them", () => {
  const model = socketUnit("ListenStream=8080\nListenDatagram=127.0.0.1:53\nListenSequentialPacket=@seq\nListenFIFO=/run/f\nListenStream=[::1]:80");
  assert.deepEqual(describeListeners(model.socket), [
    { kind: "Stream", address: "[::]:8080" },
    { kind: "Datagram", address: "127.0.0.1:53" },
    { kind: "SequentialPacket", address: "@seq" },
    { kind: "FIFO", address: "/run/f" },
    { kind: "Stream", address: "[::1]:80" },
  ]);
});
