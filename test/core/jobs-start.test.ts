// The job engine starting units: ordering gated on readiness, parallel release, Wants=,
// Requires=/BindsTo=, Requisite=. Each row: units, events fed one by one, and the effects each
// step must produce ("start a", "a/start done", "#1 done" for request-finished of request 1).
import type { Scenario } from "./jobs-scenarios.js";
import { runScenarios } from "./jobs-scenarios.js";
import { activating, active, failed, inactive, restart, start } from "./jobs-harness.js";

const ordering: Scenario[] = [
  {
    name: "ordering: B After=/Requires= A starts only once A is active",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [activating("a"), []],
      [active("a"), ["a/start done", "start b"]],
      [activating("b"), []],
      [active("b"), ["b/start done", "#1 done"]],
    ],
  },
  {
    name: "ordering: activating (forked, not ready) does not release the units after it",
    units: { a: {}, b: { requires: ["a"], after: ["a"] }, c: { requires: ["b"], after: ["b"] } },
    steps: [
      [start("c"), ["start a"]],
      [activating("a"), []],
      [active("a"), ["a/start done", "start b"]],
      [activating("b"), []],
      [active("b"), ["b/start done", "start c"]],
      [active("c"), ["c/start done", "#1 done"]],
    ],
  },
  {
    name: "ordering: After= alone orders but does not pull in",
    units: { a: {}, b: { after: ["a"] } },
    steps: [[start("b"), ["start b"]]],
  },
  {
    name: "ordering: After= orders two units requested together",
    units: { a: {}, b: { after: ["a"] } },
    steps: [
      [start("b", "a"), ["start a"]],
      [active("a"), ["a/start done", "start b"]],
      [active("b"), ["b/start done", "#1 done"]],
    ],
  },
  {
    name: "ordering: Before= on A orders like After= on B",
    units: { a: { before: ["b"] }, b: { requires: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [active("a"), ["a/start done", "start b"]],
    ],
  },
  {
    name: "ordering: a unit After= a unit that is restarting by itself waits until it is ready",
    units: { a: {}, b: { after: ["a"] } },
    states: { a: "activating" },
    steps: [
      [start("b"), []],
      [active("a"), ["start b"]],
      [active("b"), ["b/start done", "#1 done"]],
    ],
  },
  {
    name: "ordering: a unit After= a unit that failed by itself starts anyway (no Requires=)",
    units: { a: {}, b: { after: ["a"] } },
    states: { a: "activating" },
    steps: [
      [start("b"), []],
      [failed("a"), ["start b"]],
    ],
  },
  {
    name: "ordering: a unit started late sees its dependency already active and starts at once",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    states: { a: "active" },
    steps: [
      [start("b"), ["start b"]],
      [active("b"), ["b/start done", "#1 done"]],
    ],
  },
  {
    name: "ordering: a dependency restarted by a request is waited for again",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [
      [restart("a"), ["restart b"]],
      [inactive("b"), ["restart a"]],
      [inactive("a"), ["start a"]],
      [activating("a"), []],
      [active("a"), ["a/restart done", "start b"]],
      [active("b"), ["b/restart done", "#1 done"]],
    ],
  },
];

const parallel: Scenario[] = [
  {
    name: "parallel: independent units start in the same step",
    units: { a: {}, b: {}, c: {} },
    steps: [
      [start("a", "b", "c"), ["start a", "start b", "start c"]],
      [active("b"), ["b/start done"]],
      [active("a"), ["a/start done"]],
      [active("c"), ["c/start done", "#1 done"]],
    ],
  },
  {
    name: "parallel: units ordered after the same unit are released together",
    units: { a: {}, b: { requires: ["a"], after: ["a"] }, c: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b", "c"), ["start a"]],
      [active("a"), ["a/start done", "start b", "start c"]],
    ],
  },
  {
    name: "parallel: Requires= without After= starts both at once",
    units: { a: {}, b: { requires: ["a"] } },
    steps: [[start("b"), ["start b", "start a"]]],
  },
];

const wants: Scenario[] = [
  {
    name: "wants: a failed wanted unit does not fail the dependent",
    units: { a: {}, b: { wants: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [failed("a"), ["a/start failed", "start b"]],
      [active("b"), ["b/start done", "#1 done"]],
    ],
  },
  {
    name: "wants: a wanted unit that does not exist is left out",
    units: { b: { wants: ["missing"] } },
    steps: [[start("b"), ["start b"]]],
  },
  {
    name: "wants: [Install] WantedBy= makes the named unit want this one",
    units: { a: { wantedBy: ["b"] }, b: {} },
    steps: [[start("b"), ["start b", "start a"]]],
  },
  {
    name: "wants: a wanted unit whose own requirement is missing is left out",
    units: { a: { requires: ["missing"] }, b: { wants: ["a"] } },
    steps: [[start("b"), ["start b"]]],
  },
];

const requires: Scenario[] = [
  {
    name: "requires: a failed required unit fails the dependent with result dependency",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [failed("a"), ["a/start failed", "b/start dependency", "#1 dependency"]],
    ],
  },
  {
    name: "requires: the dependency failure travels up the whole chain",
    units: { a: {}, b: { requires: ["a"], after: ["a"] }, c: { requires: ["b"], after: ["b"] } },
    steps: [
      [start("c"), ["start a"]],
      [failed("a"), ["a/start failed", "b/start dependency", "c/start dependency", "#1 dependency"]],
    ],
  },
  {
    name: "requires: without After= a failure still fails the dependent's pending job",
    units: { a: {}, b: { requires: ["a"] } },
    steps: [
      [start("b"), ["start b", "start a"]],
      [failed("a"), ["a/start failed", "b/start dependency", "#1 dependency"]],
    ],
  },
  {
    name: "requires: a required unit that does not exist refuses the request",
    units: { b: { requires: ["missing"] } },
    steps: [[start("b"), ["#1 refused"]]],
  },
  {
    name: "requires: [Install] RequiredBy= makes the named unit require this one",
    units: { a: { requiredBy: ["b"], before: ["b"] }, b: {} },
    steps: [
      [start("b"), ["start a"]],
      [failed("a"), ["a/start failed", "b/start dependency", "#1 dependency"]],
    ],
  },
  {
    name: "requires: a Requires= on a .target steward does not run counts as present",
    units: { a: { requires: ["network-online.target"], after: ["network-online.target"] } },
    steps: [[start("a"), ["start a"]]],
  },
  {
    name: "bindsTo: a failed bound-to unit fails the start like Requires=",
    units: { a: {}, b: { bindsTo: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [failed("a"), ["a/start failed", "b/start dependency", "#1 dependency"]],
    ],
  },
];

const requisite: Scenario[] = [
  {
    name: "requisite: an inactive requisite fails the dependent at once",
    units: { a: {}, b: { requisite: ["a"], after: ["a"] } },
    steps: [[start("b"), ["a/verify-active failed", "b/start dependency", "#1 dependency"]]],
  },
  {
    name: "requisite: without After= the check still comes before the start",
    units: { a: {}, b: { requisite: ["a"] } },
    steps: [[start("b"), ["a/verify-active failed", "b/start dependency", "#1 dependency"]]],
  },
  {
    name: "requisite: an active requisite lets the dependent start",
    units: { a: {}, b: { requisite: ["a"], after: ["a"] } },
    states: { a: "active" },
    steps: [[start("b"), ["start b"]]],
  },
  {
    name: "requisite: a requisite being started is waited for",
    units: { a: {}, b: { requisite: ["a"], after: ["a"] } },
    steps: [
      [start("a"), ["start a"]],
      [start("b"), []],
      [active("a"), ["a/start done", "start b", "#1 done"]],
    ],
  },
];

runScenarios([...ordering, ...parallel, ...wants, ...requires, ...requisite]);
