// Property test of the socket reducer against the fake manager of socket-harness.ts: for random
// units and random event sequences it never throws, the listener fds open are exactly those the
// state holds, they are watched exactly while listening (never closed while watched), and every
// accepted connection fd is either handed to one instance or closed, exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { listenerFdsOf } from "../../src/core/socket-state.js";
import type { ConnectionPeer } from "../../src/core/socket-state.js";
import type { JobType, UnitActiveState } from "../../src/core/jobs-model.js";
import { SocketDriver, SECOND, socketUnit } from "./socket-harness.js";
import type { EventInput } from "./socket-harness.js";

const unitArbitrary = fc
  .record({
    accept: fc.boolean(),
    listeners: fc.integer({ min: 1, max: 3 }),
    burst: fc.constantFrom(null, 1, 3),
    maxConnections: fc.constantFrom(1, 2, 64),
    perSource: fc.constantFrom(0, 1),
    flush: fc.boolean(),
    removeOnStop: fc.boolean(),
    startLimitBurst: fc.constantFrom(2, 5),
  })
  .map((u) =>
    [
      "[Unit]",
      `StartLimitBurst=${u.startLimitBurst}`,
      "[Socket]",
      ...Array.from({ length: u.listeners }, (_, i) => (i === 1 ? "ListenStream=/run/web.sock" : `ListenStream=${8000 + i}`)),
      `Accept=${u.accept ? "yes" : "no"}`,
      u.burst === null ? "" : `TriggerLimitBurst=${u.burst}`,
      `MaxConnections=${u.maxConnections}`,
      `MaxConnectionsPerSource=${u.perSource}`,
      `FlushPending=${u.flush ? "yes" : "no"}`,
      `RemoveOnStop=${u.removeOnStop ? "yes" : "no"}`,
    ].join("\n"),
  );

const peerArbitrary: fc.Arbitrary<ConnectionPeer> = fc.oneof(
  fc.record({
    family: fc.constant("inet" as const),
    local: fc.constant({ address: "127.0.0.1", port: 8000 }),
    remote: fc.record({ address: fc.constantFrom("10.0.0.1", "10.0.0.2"), port: fc.integer({ min: 1024, max: 65535 }) }),
  }),
  fc.record({
    family: fc.constant("unix" as const),
    credentials: fc.option(fc.record({ pid: fc.integer({ min: 2, max: 99999 }), uid: fc.constantFrom(0, 1000) }), { nil: null }),
    remoteAddress: fc.constant(null),
  }),
);

type Action =
  | { kind: "event"; event: EventInput }
  | { kind: "accept"; peer: ConnectionPeer }
  | { kind: "advance"; usec: number }
  | { kind: "fail-open" }
  | { kind: "instance-stopped"; index: number };

const activeArbitrary = fc.constantFrom<UnitActiveState>("inactive", "activating", "active", "reloading", "deactivating", "failed");

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  fc.constantFrom<Action>(
    { kind: "event", event: { kind: "start-requested" } },
    { kind: "event", event: { kind: "stop-requested" } },
    { kind: "event", event: { kind: "reset-failed-requested" } },
    { kind: "fail-open" },
  ),
  fc.integer({ min: 0, max: 3 }).map((listenerIndex): Action => ({ kind: "event", event: { kind: "incoming", listenerIndex } })),
  fc.record({ listenerIndex: fc.integer({ min: 0, max: 2 }), hangUp: fc.boolean() }).map((e): Action => ({ kind: "event", event: { kind: "listener-error", ...e } })),
  fc
    .record({
      active: activeArbitrary,
      sub: fc.constantFrom(null, "dead", "failed", "start", "running", "auto-restart", "stop-sigterm", "final-sigterm", "exited"),
      job: fc.constantFrom<JobType | null>(null, null, "start", "stop", "restart"),
      startLimitHit: fc.constantFrom(false, false, false, false, true),
    })
    .map((e): Action => ({ kind: "event", event: { kind: "service-changed", ...e } })),
  peerArbitrary.map((peer): Action => ({ kind: "accept", peer })),
  fc.constantFrom("EAGAIN", "ECONNABORTED", "EMFILE").map((code): Action => ({ kind: "event", event: { kind: "accept-failed", listenerIndex: 0, code, message: code } })),
  fc.integer({ min: 0, max: 5 }).map((index): Action => ({ kind: "instance-stopped", index })),
  fc.constantFrom(1, SECOND / 2, 3 * SECOND, 20 * SECOND).map((usec): Action => ({ kind: "advance", usec })),
);

test("socket property: listeners open and watched as the state says; every connection fd handed on or closed exactly once", () => {
  fc.assert(
    fc.property(unitArbitrary, fc.array(actionArbitrary, { maxLength: 60 }), (unit, actions) => {
      const d = new SocketDriver(socketUnit(unit));
      const accepted: number[] = [];
      for (const action of actions) {
        switch (action.kind) {
          case "event":
            d.send(action.event);
            break;
          case "accept": {
            const fd = d.nextConnectionFd++;
            accepted.push(fd);
            d.send({ kind: "accepted", listenerIndex: 0, fd, peer: action.peer });
            break;
          }
          case "advance":
            d.advance(action.usec);
            break;
          case "fail-open":
            d.failOpen = { listener: 0, code: "EADDRINUSE", message: "Address already in use" };
            break;
          case "instance-stopped": {
            const instance = d.instances[action.index];
            if (instance !== undefined) d.send({ kind: "instance-stopped", unit: instance.unit });
            break;
          }
        }
        const fds = [...listenerFdsOf(d.state)].sort((a, b) => a - b);
        const seen = d.describe();
        assert.deepEqual([...d.open].sort((a, b) => a - b), fds, `open listeners differ from the state's; ${seen}`);
        assert.deepEqual([...d.watched].sort((a, b) => a - b), d.state.kind === "listening" ? fds : [], `watched: ${[...d.watched].join(",")}; ${seen}`);
        assert.ok(d.state.kind !== "running" || !d.model.socket.accept, `Accept=yes never runs; ${seen}`);
        assert.ok(d.runtime.connections.length <= d.model.socket.maxConnections, seen);
      }
      const handedOn = [...d.closedConnections, ...d.instances.map((i) => i.connectionFd)].sort((a, b) => a - b);
      assert.deepEqual(handedOn, accepted, "a connection fd was lost or used twice");
      assert.equal(d.instances.length, d.runtime.accepted);
    }),
    { numRuns: 400 },
  );
});
