// Shutdown: stop everything in reverse dependency order, in parallel where order allows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildShutdownTransaction, unitsToStop } from "../../src/core/jobs.js";
import type { Scenario } from "./jobs-scenarios.js";
import { runScenarios } from "./jobs-scenarios.js";
import { activating, failed, inactive, JobBench, start, stop } from "./jobs-harness.js";

const shutdown = { kind: "shutdown" } as const;

const scenarios: Scenario[] = [
  {
    name: "shutdown: stops everything in reverse order, independent units in parallel",
    units: { a: {}, b: { requires: ["a"], after: ["a"] }, c: { after: ["b"] }, d: {} },
    states: { a: "active", b: "active", c: "active", d: "active" },
    steps: [
      [shutdown, ["stop c", "stop d"]],
      [inactive("d"), ["d/stop done"]],
      [inactive("c"), ["c/stop done", "stop b"]],
      [inactive("b"), ["b/stop done", "stop a"]],
      [inactive("a"), ["a/stop done", "#1 done"]],
    ],
  },
  {
    name: "shutdown: queued start jobs are canceled",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [activating("a"), []],
      [shutdown, ["a/start canceled", "b/start canceled", "b/stop done", "stop a", "#1 canceled"]],
      [inactive("a"), ["a/stop done", "#2 done"]],
    ],
  },
  {
    name: "shutdown: with nothing running it is done at once",
    units: { a: {} },
    steps: [[shutdown, ["#1 done"]]],
  },
  {
    name: "shutdown: starts are refused from then on, stops still accepted",
    units: { a: {} },
    steps: [
      [shutdown, ["#1 done"]],
      [start("a"), ["#2 refused"]],
      [stop("a"), ["a/stop done", "#3 done"]],
    ],
  },
  {
    name: "shutdown: OnFailure= is not acted on",
    units: { a: { onFailure: ["n"] }, n: {} },
    states: { a: "active" },
    steps: [
      [shutdown, ["stop a"]],
      [failed("a"), ["a/stop done", "#1 done"]],
    ],
  },
  {
    name: "shutdown: an ordering cycle does not block it",
    units: { a: { after: ["b"] }, b: { after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [[shutdown, ["stop a", "stop b"]]],
  },
  {
    name: "shutdown: a unit whose file is gone is stopped too",
    units: {},
    states: { gone: "active" },
    steps: [
      [shutdown, ["stop gone"]],
      [inactive("gone"), ["gone/stop done", "#1 done"]],
    ],
  },
];

runScenarios(scenarios);

test("shutdown: unitsToStop lists units that are up, on their way, or have a job", () => {
  const bench = new JobBench({ a: {}, b: {}, c: {}, d: {} }, { a: "active", b: "failed", c: "deactivating" });
  bench.send(start("d"));
  assert.deepEqual(unitsToStop(bench.state), ["a.service", "c.service", "d.service"]);
});

test("shutdown: buildShutdownTransaction is null when nothing runs, else one stop per unit", () => {
  assert.equal(buildShutdownTransaction(new JobBench({ a: {} }).state), null);
  const plan = buildShutdownTransaction(new JobBench({ a: {}, b: { requires: ["a"] } }, { a: "active", b: "active" }).state);
  assert.ok(plan?.ok);
  assert.deepEqual(
    plan.jobs.map((job) => `${job.type} ${job.unit}`),
    ["stop a.service", "stop b.service"],
  );
});
