// Requests as a caller sees them: ids, the jobs they got, a one-line reason when they fail,
// and the list of queued jobs with what each waits for.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobEffect } from "../../src/core/jobs.js";
import { isRequestPending, jobOfUnit, listJobs } from "../../src/core/jobs.js";
import { activating, active, failed, graphOf, JobBench, start, stop } from "./jobs-harness.js";

type Finished = Extract<JobEffect, { kind: "request-finished" }>;

function finishedOf(bench: JobBench): Finished[] {
  return bench.steps.flatMap((step) => step.effects.filter((effect): effect is Finished => effect.kind === "request-finished"));
}

const reasons: [string, ConstructorParameters<typeof JobBench>[0], (bench: JobBench) => void, Omit<Finished, "kind" | "requestId">][] = [
  [
    "a failed start names the unit in one line",
    { a: {} },
    (bench) => {
      bench.send(start("a"));
      bench.send(failed("a"));
    },
    { result: "failed", failedUnits: ["a.service"], reason: "a.service: start failed" },
  ],
  [
    "a dependency failure names the unit that failed",
    { a: {}, b: { requires: ["a"], after: ["a"] } },
    (bench) => {
      bench.send(start("b"));
      bench.send(failed("a"));
    },
    { result: "dependency", failedUnits: ["a.service"], reason: "b.service: start failed: dependency a.service failed" },
  ],
  [
    "an unmet Requisite= is the failed unit",
    { a: {}, b: { requisite: ["a"] } },
    (bench) => bench.send(start("b")),
    { result: "dependency", failedUnits: ["a.service"], reason: "b.service: start failed: dependency a.service failed" },
  ],
  [
    "a wanted unit's failure leaves the request done, but is listed",
    { a: {}, b: { wants: ["a"] } },
    (bench) => {
      bench.send(start("b"));
      bench.send(active("b"));
      bench.send(failed("a"));
    },
    { result: "done", failedUnits: ["a.service"], reason: "succeeded, but a.service (only wanted) failed" },
  ],
  [
    "a success has no reason",
    { a: {} },
    (bench) => {
      bench.send(start("a"));
      bench.send(active("a"));
    },
    { result: "done", failedUnits: [], reason: null },
  ],
  [
    "a refused request says why and blames the unit",
    {},
    (bench) => bench.send(start("nope")),
    { result: "refused", failedUnits: ["nope.service"], reason: "Unit nope.service not found." },
  ],
  [
    "a timed-out job says so",
    { a: {} },
    (bench) => {
      bench.send(start("a"));
      bench.send({ kind: "job-timed-out", id: 1 });
    },
    { result: "timeout", failedUnits: ["a.service"], reason: "a.service: start timed out" },
  ],
  [
    "a replaced job says it was canceled",
    { a: {} },
    (bench) => {
      bench.send(start("a"));
      bench.send(stop("a"));
    },
    { result: "canceled", failedUnits: [], reason: "a.service: start was canceled" },
  ],
];

for (const [behaviour, units, story, expected] of reasons) {
  test(`request: ${behaviour}`, () => {
    const bench = new JobBench(units);
    story(bench);
    const [first] = finishedOf(bench);
    assert.ok(first !== undefined, bench.story());
    assert.deepEqual({ result: first.result, failedUnits: first.failedUnits, reason: first.reason }, expected, bench.story());
  });
}

test("request: ids count up and request-accepted lists every job the request waits for", () => {
  const bench = new JobBench({ a: {}, b: { requires: ["a"], after: ["a"] } });
  bench.send(start("a"));
  bench.send(start("b"));
  const accepted = bench.lastEffects().find((effect) => effect.kind === "request-accepted");
  assert.deepEqual(accepted, {
    kind: "request-accepted",
    requestId: 2,
    jobs: [
      { id: 2, unit: "b.service", type: "start" },
      { id: 1, unit: "a.service", type: "start" },
    ],
  });
});

test("request: pending until request-finished, then gone", () => {
  const bench = new JobBench({ a: {} });
  bench.send(start("a"));
  assert.equal(isRequestPending(bench.state, 1), true);
  bench.send(active("a"));
  assert.equal(isRequestPending(bench.state, 1), false);
  assert.equal(finishedOf(bench).length, 1);
});

test("request: a request that merged into another's job finishes with that job", () => {
  const bench = new JobBench({ a: {}, b: { requires: ["a"], after: ["a"] } });
  bench.send(start("a"));
  bench.send(start("b"));
  bench.send(active("a"));
  assert.deepEqual(finishedOf(bench).map((f) => f.requestId), [1]);
  bench.send(active("b"));
  assert.deepEqual(finishedOf(bench).map((f) => f.requestId), [1, 2]);
});

test("list: jobs show their state and what they wait for", () => {
  const bench = new JobBench({ a: {}, b: { requires: ["a"], after: ["a"] }, c: { after: ["h"] }, h: {} }, { h: "activating" });
  bench.send(start("b", "c"));
  bench.send(activating("a"));
  assert.deepEqual(
    listJobs(bench.state).map((job) => [job.id, job.unit, job.type, job.state, job.waitingFor]),
    [
      [1, "b.service", "start", "waiting", ["a.service"]],
      [2, "a.service", "start", "running", []],
      [3, "c.service", "start", "waiting", ["h.service"]],
    ],
  );
  assert.deepEqual(jobOfUnit(bench.state, "a.service")?.requestIds, [1]);
  assert.equal(jobOfUnit(bench.state, "h.service"), null);
});

test("units-reloaded: queued jobs stay and follow the new graph's ordering", () => {
  const bench = new JobBench({ a: {}, b: { after: ["a"] } });
  bench.send(start("a", "b"));
  assert.deepEqual(listJobs(bench.state).map((job) => [job.unit, job.state]), [
    ["a.service", "running"],
    ["b.service", "waiting"],
  ]);
  assert.deepEqual(bench.send({ kind: "units-reloaded", graph: graphOf({ a: {}, b: {} }) }), ["start b"]);
});

test("events about jobs that do not exist are logged and change nothing", () => {
  const bench = new JobBench({ a: {} });
  const before = bench.state;
  assert.deepEqual(bench.send({ kind: "cancel-job", id: 42 }), []);
  assert.deepEqual(bench.send({ kind: "job-timed-out", id: 42 }), []);
  assert.deepEqual(bench.send({ kind: "action-refused", unit: "a.service", result: "failed", reason: "late" }), []);
  assert.deepEqual(bench.state.jobs, before.jobs);
  assert.equal(bench.logs().length, 3);
});

test("stepJobs leaves the state it was given untouched", () => {
  const bench = new JobBench({ a: {}, b: { requires: ["a"], after: ["a"] } });
  bench.send(start("b"));
  const before = bench.state;
  const snapshot = JSON.stringify(listJobs(before));
  bench.send(active("a"));
  assert.equal(JSON.stringify(listJobs(before)), snapshot);
  assert.notEqual(bench.state, before);
});
