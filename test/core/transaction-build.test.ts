// What a request expands into, before anything runs: pulled-in jobs, propagated stops and
// restarts, conflicts resolved, no-op jobs dropped, units that cannot be had refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RequestType } from "../../src/core/jobs-model.js";
import type { PlanCase } from "./transaction-harness.js";
import { plan, rendered } from "./transaction-harness.js";

interface Row extends PlanCase {
  readonly name: string;
  readonly request: readonly [RequestType, ...string[]];
  readonly expect: readonly string[] | RegExp;
}

const rows: Row[] = [
  {
    name: "expand: start pulls in Requires=, BindsTo= and Wants= recursively",
    units: { c: { requires: ["b"] }, b: { bindsTo: ["a"] }, a: { wants: ["w"] }, w: {} },
    request: ["start", "c"],
    expect: ["start c", "start b", "start a", "start w (wanted)"],
  },
  {
    name: "expand: a requirement of a wanted unit matters only as much as the wanted unit",
    units: { c: { wants: ["b"] }, b: { requires: ["a"] }, a: {} },
    request: ["start", "c"],
    expect: ["start c", "start b (wanted)", "start a (wanted)"],
  },
  {
    name: "expand: Requisite= becomes a verify-active job",
    units: { b: { requisite: ["a"] }, a: {} },
    request: ["start", "b"],
    expect: ["start b", "verify-active a"],
  },
  {
    name: "expand: Conflicts= adds a stop that matters, the other side's Conflicts= one that does not",
    units: { a: {}, b: { conflicts: ["a"] }, c: { conflicts: ["b"] } },
    states: { a: "active", c: "active" },
    request: ["start", "b"],
    expect: ["start b", "stop a", "stop c (wanted)"],
  },
  {
    name: "expand: stop reaches Requires=, BindsTo=, PartOf= and Requisite= dependents, not Wants=",
    units: { a: {}, b: { requires: ["a"] }, c: { bindsTo: ["a"] }, d: { partOf: ["a"] }, e: { requisite: ["a"] }, f: { wants: ["a"] } },
    states: { a: "active", b: "active", c: "active", d: "active", e: "active", f: "active" },
    request: ["stop", "a"],
    expect: ["stop a", "stop b", "stop c", "stop d", "stop e"],
  },
  {
    name: "expand: stop propagates down the whole chain of dependents",
    units: { a: {}, b: { requires: ["a"] }, c: { requires: ["b"] } },
    states: { a: "active", b: "active", c: "active" },
    request: ["stop", "a"],
    expect: ["stop a", "stop b", "stop c"],
  },
  {
    name: "expand: stop leaves dependents that are already down out",
    units: { a: {}, b: { requires: ["a"] } },
    states: { a: "active" },
    request: ["stop", "a"],
    expect: ["stop a"],
  },
  {
    name: "expand: restart reaches running dependents only",
    units: { a: {}, b: { requires: ["a"] }, c: { requires: ["a"] }, d: { partOf: ["a"] } },
    states: { a: "active", b: "active", d: "reloading" },
    request: ["restart", "a"],
    expect: ["restart a", "restart b", "restart d"],
  },
  {
    name: "expand: restart pulls in what a start would",
    units: { a: { requires: ["z"] }, z: {} },
    states: { a: "active" },
    request: ["restart", "a"],
    expect: ["restart a", "start z"],
  },
  {
    name: "redundant: starting an active dependency is dropped, with what only it pulled in",
    units: { b: { requires: ["a"] }, a: { requires: ["z"] }, z: {} },
    states: { a: "active" },
    request: ["start", "b"],
    expect: ["start b"],
  },
  {
    name: "redundant: a requested start of an active unit is kept (it ends done at once)",
    units: { a: {} },
    states: { a: "active" },
    request: ["start", "a"],
    expect: ["start a"],
  },
  {
    name: "redundant: a stop of an inactive unit is kept when it must replace a queued start",
    units: { a: {}, b: { conflicts: ["a"] } },
    queued: { a: "start" },
    request: ["start", "b"],
    expect: ["start b", "stop a"],
  },
  {
    name: "merge: start and verify-active on one unit become a start",
    units: { b: { requisite: ["a"] }, c: { requires: ["a"] }, a: {} },
    request: ["start", "b", "c"],
    expect: ["start b", "start a", "start c"],
  },
  {
    name: "conflict: a stop that is only wanted gives way to a required start",
    units: { b: { requires: ["a"], wants: ["c"] }, c: { conflicts: ["a"] }, a: {} },
    request: ["start", "b"],
    expect: ["start b", "start a"],
  },
  {
    name: "conflict: when neither job matters, the stop goes",
    units: { b: { wants: ["a", "c"] }, c: { conflicts: ["a"] }, a: {} },
    request: ["start", "b"],
    expect: ["start b", "start a (wanted)"],
  },
  {
    name: "conflict: when neither matters and the stop comes from the other unit's Conflicts=, the start goes",
    units: { b: { wants: ["a", "c"] }, a: { conflicts: ["c"] }, c: {} },
    request: ["start", "b"],
    expect: ["start b", "start c (wanted)"],
  },
  {
    name: "conflict: a start and a stop that both matter refuse the request",
    units: { b: { requires: ["a"], conflicts: ["a"] }, a: {} },
    request: ["start", "b"],
    // start b → stop a (Conflicts=) → stop b (it requires a): b gets both, both required.
    expect: /^refused conflicting-jobs: Conflicting jobs start and stop for b\.service, both required/,
  },
  {
    name: "load: a unit that does not exist cannot be started",
    units: {},
    request: ["start", "nope"],
    expect: ["refused not-found: Unit nope.service not found."],
  },
  {
    name: "load: a missing requirement names the unit that needs it",
    units: { a: { requires: ["b"] }, b: { requires: ["gone"] } },
    request: ["start", "a"],
    expect: ["refused not-found: Unit gone.service not found (needed by b.service)."],
  },
  {
    name: "load: a unit with a bad setting cannot be started",
    units: { a: { load: "bad-setting" } },
    request: ["start", "a"],
    expect: ["refused bad-setting: Unit a.service has a bad unit file setting."],
  },
  {
    name: "load: a unit that failed to load cannot be required",
    units: { a: { load: "error" }, b: { requires: ["a"] } },
    request: ["start", "b"],
    expect: ["refused load-error: Unit a.service failed to load properly (needed by b.service)."],
  },
  {
    name: "load: a unit with a bad setting can still be stopped",
    units: { a: { load: "bad-setting" } },
    states: { a: "active" },
    request: ["stop", "a"],
    expect: ["stop a"],
  },
  {
    name: "load: a unit whose file is gone can be stopped while it runs",
    units: {},
    states: { gone: "active" },
    request: ["stop", "gone"],
    expect: ["stop gone"],
  },
  {
    name: "load: stopping a unit that does not exist is refused",
    units: {},
    request: ["stop", "nope"],
    expect: ["refused not-found: Unit nope.service not loaded."],
  },
  {
    name: "load: a Requires=/Requisite=/BindsTo= on units steward does not run count as present",
    units: { a: { requires: ["network-online.target"], requisite: ["local-fs.target"], bindsTo: ["dev-sda.device"] } },
    request: ["start", "a"],
    expect: ["start a"],
  },
  {
    name: "load: a .target cannot be started itself",
    units: {},
    request: ["start", "multi-user.target"],
    expect: ["refused not-found: Unit multi-user.target not found."],
  },
  {
    name: "try-restart: a unit that is not running gets no job",
    units: { a: {}, b: {} },
    states: { b: "active" },
    request: ["try-restart", "a", "b"],
    expect: ["restart b"],
  },
  {
    name: "request: no unit at all is refused",
    units: {},
    request: ["start"],
    expect: ["refused no-units: No unit named."],
  },
  {
    name: "request: a unit named twice is one job",
    units: { a: {} },
    request: ["start", "a", "a"],
    expect: ["start a"],
  },
];

for (const row of rows) {
  test(`transaction: ${row.name}`, () => {
    const [type, ...units] = row.request;
    const result = plan(row, type, units);
    const lines = rendered(result);
    if (row.expect instanceof RegExp) {
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0] ?? "", row.expect);
    } else assert.deepEqual(lines, row.expect, result.logs.map((l) => l.message).join("\n"));
  });
}

test("transaction: anchors are marked and pulledInBy names who pulled a job in", () => {
  const result = plan({ units: { b: { requires: ["a"] }, c: { wants: ["a"] }, a: {} } }, "start", ["b", "c"]);
  assert.ok(result.ok);
  const byUnit = new Map(result.jobs.map((job) => [job.unit, job]));
  assert.equal(byUnit.get("b.service")?.anchor, true);
  assert.equal(byUnit.get("a.service")?.anchor, false);
  assert.deepEqual(byUnit.get("a.service")?.pulledInBy, ["b.service", "c.service"]);
});

test("transaction: try-restart of a stopped unit lists it as skipped", () => {
  const result = plan({ units: { a: {} } }, "try-restart", ["a"]);
  assert.ok(result.ok);
  assert.deepEqual(result.jobs, []);
  assert.deepEqual(result.skipped, ["a.service"]);
});

test("transaction: a wanted unit left out says why in the logs", () => {
  const result = plan({ units: { b: { wants: ["missing"] } } }, "start", ["b"]);
  assert.ok(result.ok);
  assert.ok(result.logs.some((entry) => entry.level === "warning" && /missing\.service.*not found/.test(entry.message)), JSON.stringify(result.logs));
});
