// The job engine when things go wrong: OnFailure=, BindsTo= stops, skipped conditions,
// oneshots, timeouts and cancellations. Rows as in jobs-start.test.ts.
import type { Scenario } from "./jobs-scenarios.js";
import { jobId, runScenarios } from "./jobs-scenarios.js";
import { activating, active, changed, failed, full, inactive, restart, start, stop } from "./jobs-harness.js";

const failures: Scenario[] = [
  {
    name: "on-failure: a failed start starts the OnFailure= unit, naming the failed unit",
    units: { a: { onFailure: ["notify"] }, notify: {} },
    steps: [
      [start("a"), ["start a"]],
      [failed("a"), ["a/start failed", "start notify (on failure of a)", "#1 failed"]],
    ],
  },
  {
    name: "on-failure: a running unit that fails by itself starts its OnFailure= unit",
    units: { a: { onFailure: ["notify"] }, notify: {} },
    states: { a: "active" },
    steps: [
      [failed("a"), ["start notify (on failure of a)"]],
      [failed("a"), []],
    ],
  },
  {
    name: "on-failure: a dependency failure starts the dependent's OnFailure= unit",
    units: { a: {}, b: { requires: ["a"], after: ["a"], onFailure: ["notify"] }, notify: {} },
    steps: [
      [start("b"), ["start a"]],
      [failed("a"), ["a/start failed", "b/start dependency", "start notify (on failure of b)", "#1 dependency"]],
    ],
  },
  {
    name: "on-failure: units that are each other's OnFailure= do not loop within one step",
    units: { a: { requisite: ["r"], onFailure: ["b"] }, b: { requisite: ["r"], onFailure: ["a"] }, r: {} },
    steps: [
      [
        start("a"),
        ["r/verify-active failed", "a/start dependency", "r/verify-active failed", "b/start dependency", "r/verify-active failed", "a/start dependency", "#1 dependency"],
      ],
    ],
  },
  {
    name: "bindsTo: a bound-to unit that fails stops the units bound to it",
    units: { a: {}, b: { bindsTo: ["a"], after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [
      [failed("a"), ["stop b"]],
      [inactive("b"), ["b/stop done"]],
    ],
  },
  {
    name: "bindsTo: a bound-to unit that exits cleanly stops the units bound to it",
    units: { a: {}, b: { bindsTo: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [[inactive("a"), ["stop b"]]],
  },
  {
    name: "bindsTo: stopping the bound-to unit stops the bound unit first",
    units: { a: {}, b: { bindsTo: ["a"], after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [
      [stop("a"), ["stop b"]],
      [inactive("b"), ["b/stop done", "stop a"]],
      [inactive("a"), ["a/stop done", "#1 done"]],
    ],
  },
  {
    name: "bindsTo: a bound-to unit that is being restarted does not stop its bound units",
    units: { a: {}, b: { bindsTo: ["a"], after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [
      [restart("a"), ["restart b"]],
      [inactive("b"), ["restart a"]],
      [inactive("a"), ["start a"]],
      [active("a"), ["a/restart done", "start b"]],
    ],
  },
  {
    name: "requires: a required unit that fails while running does not stop the dependent",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [[failed("a"), []]],
  },
  {
    name: "condition: a start skipped by a failed condition still lets dependents start",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [{ kind: "action-refused", unit: full("a"), result: "skipped", reason: "ConditionPathExists=/etc/a failed" }, ["a/start skipped", "start b"]],
      [active("b"), ["b/start done", "#1 done"]],
    ],
  },
  {
    name: "oneshot: a start whose unit goes back to inactive is done, and dependents start",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [activating("a"), []],
      [inactive("a"), ["a/start done", "start b"]],
    ],
  },
  {
    name: "timeout: a job the manager times out ends timeout and fails its dependents",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [(bench) => ({ kind: "job-timed-out", id: jobId(bench, "a") }), ["a/start timeout", "b/start dependency", "#1 dependency"]],
    ],
  },
  {
    name: "cancel: canceling a waiting job fails the jobs that need it",
    units: { a: {}, b: { requires: ["a"], after: ["a"] }, c: { after: ["b"] } },
    steps: [
      [start("c", "b"), ["start a"]],
      [(bench) => ({ kind: "cancel-job", id: jobId(bench, "b") }), ["b/start canceled", "start c"]],
      [active("a"), ["a/start done"]],
      [active("c"), ["c/start done", "#1 canceled"]],
    ],
  },
  {
    name: "unit-changed: a unit the engine never heard of is just recorded",
    units: {},
    steps: [[changed("ghost", "active"), []]],
  },
];

runScenarios([...failures]);
