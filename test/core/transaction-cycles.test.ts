// Ordering cycles inside a transaction: reported with every unit in order, broken by dropping a
// job that is only wanted, cut without ordering for shutdown.
import assert from "node:assert/strict";
import { test } from "node:test";
import { plan, rendered } from "./transaction-harness.js";
import { JobBench, start } from "./jobs-harness.js";

test("cycle: A After B After C After A is reported with all three units", () => {
  const result = plan({ units: { a: { after: ["b"] }, b: { after: ["c"] }, c: { after: ["a"] } } }, "start", ["a", "b", "c"]);
  assert.ok(!result.ok);
  assert.equal(result.error.code, "ordering-cycle");
  assert.deepEqual(result.error.units, ["a.service", "b.service", "c.service"]);
  assert.match(result.error.message, /a\.service\/start → b\.service\/start → c\.service\/start → a\.service\/start/);
});

test("cycle: the refused request reports the cycle's units as its failed units", () => {
  const bench = new JobBench({ a: { requires: ["b"], after: ["b"] }, b: { requires: ["c"], after: ["c"] }, c: { requires: ["a"], after: ["a"] } });
  assert.deepEqual(bench.send(start("a")), ["#1 refused"]);
  const finished = bench.lastEffects().find((effect) => effect.kind === "request-finished");
  assert.deepEqual(finished?.kind === "request-finished" ? finished.failedUnits : null, ["a.service", "b.service", "c.service"]);
  assert.deepEqual(bench.state.jobs.size, 0);
});

test("cycle: a Wants-only job in the cycle is dropped to break it", () => {
  const result = plan({ units: { a: { wants: ["b"], after: ["b"] }, b: { after: ["a"] } } }, "start", ["a"]);
  assert.deepEqual(rendered(result), ["start a"]);
  assert.ok(result.logs.some((entry) => entry.level === "warning" && entry.message.includes("dropping b.service/start")), JSON.stringify(result.logs));
});

test("cycle: dropping a wanted job also drops what required it", () => {
  const result = plan({ units: { a: { wants: ["b"], after: ["c"] }, b: { requires: ["c"] }, c: { after: ["a"] } } }, "start", ["a"]);
  assert.deepEqual(rendered(result), ["start a"]);
});

test("cycle: a cycle through Requires= only is refused", () => {
  const result = plan({ units: { a: { requires: ["b"], after: ["b"] }, b: { requires: ["a"], after: ["a"] } } }, "start", ["a"]);
  assert.match(rendered(result)[0] ?? "", /^refused ordering-cycle: Ordering cycle a\.service\/start → b\.service\/start → a\.service\/start/);
});

test("cycle: After= and Before= between the same two units is a cycle", () => {
  const result = plan({ units: { a: { after: ["b"], before: ["b"] }, b: {} } }, "start", ["a", "b"]);
  assert.match(rendered(result)[0] ?? "", /^refused ordering-cycle/);
});

test("cycle: a cycle through a job queued by an earlier request is found", () => {
  const result = plan({ units: { a: { after: ["q"] }, q: { after: ["a"] } }, queued: { q: "start" } }, "start", ["a"]);
  assert.ok(!result.ok);
  assert.deepEqual(result.error.units, ["a.service", "q.service"]);
});

test("cycle: After= both ways between a stop and a start is no cycle (the stop goes first)", () => {
  const result = plan({ units: { a: { after: ["b"] }, b: { after: ["a"] } }, states: { b: "active" }, queued: { b: "stop" } }, "start", ["a"]);
  assert.deepEqual(rendered(result), ["start a"]);
});

test("cycle: stop jobs in an After= cycle are a cycle too", () => {
  const result = plan({ units: { a: { after: ["b"] }, b: { after: ["a"] } }, states: { a: "active", b: "active" } }, "stop", ["a", "b"]);
  assert.match(rendered(result)[0] ?? "", /^refused ordering-cycle: Ordering cycle a\.service\/stop → b\.service\/stop/);
});

test("cycle: for shutdown a cycle that cannot be broken runs one job without ordering", () => {
  const result = plan({ units: { a: { after: ["b"] }, b: { after: ["a"] } }, states: { a: "active", b: "active" } }, "stop", ["a", "b"], {
    ignoreOrderToBreakCycles: true,
  });
  assert.ok(result.ok);
  assert.deepEqual(
    result.jobs.map((job) => [job.unit, job.ignoreOrder]),
    [
      ["a.service", true],
      ["b.service", false],
    ],
  );
});
