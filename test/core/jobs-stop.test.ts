// The job engine stopping, restarting, reloading, and merging or replacing queued jobs.
// Rows as in jobs-start.test.ts.
import type { Scenario } from "./jobs-scenarios.js";
import { runScenarios } from "./jobs-scenarios.js";
import { activating, active, deactivating, failed, full, inactive, reload, reloading, restart, start, stop, tryRestart } from "./jobs-harness.js";

const conflicts: Scenario[] = [
  {
    name: "conflicts: starting a unit stops the unit it conflicts with",
    units: { a: {}, b: { conflicts: ["a"] } },
    states: { a: "active" },
    steps: [
      [start("b"), ["start b", "stop a"]],
      [inactive("a"), ["a/stop done"]],
      [active("b"), ["b/start done", "#1 done"]],
    ],
  },
  {
    name: "conflicts: with After= the stop ends before the start begins",
    units: { a: {}, b: { conflicts: ["a"], after: ["a"] } },
    states: { a: "active" },
    steps: [
      [start("b"), ["stop a"]],
      [deactivating("a"), []],
      [inactive("a"), ["a/stop done", "start b"]],
    ],
  },
  {
    name: "conflicts: starting the other side stops the unit that declared it",
    units: { a: { conflicts: ["b"] }, b: {} },
    states: { a: "active" },
    steps: [[start("b"), ["start b", "stop a"]]],
  },
  {
    name: "conflicts: asking for two conflicting units at once is refused",
    units: { a: { conflicts: ["b"] }, b: {} },
    steps: [[start("a", "b"), ["#1 refused"]]],
  },
  {
    name: "conflicts: a stop that fails fails the start of the unit that conflicts with it",
    units: { a: {}, b: { conflicts: ["a"], after: ["a"] } },
    states: { a: "active" },
    steps: [
      [start("b"), ["stop a"]],
      [{ kind: "action-refused", unit: full("a"), result: "failed", reason: "RefuseManualStop=yes" }, ["a/stop failed", "b/start dependency", "#1 dependency"]],
    ],
  },
];

const stopping: Scenario[] = [
  {
    name: "stop: units are stopped in reverse order of After=",
    units: { a: {}, b: { requires: ["a"], after: ["a"] }, c: { requires: ["b"], after: ["b"] } },
    states: { a: "active", b: "active", c: "active" },
    steps: [
      [stop("a"), ["stop c"]],
      [deactivating("c"), []],
      [inactive("c"), ["c/stop done", "stop b"]],
      [inactive("b"), ["b/stop done", "stop a"]],
      [inactive("a"), ["a/stop done", "#1 done"]],
    ],
  },
  {
    name: "stop: BindsTo= and Requisite= dependents stop with the unit",
    units: { a: {}, b: { bindsTo: ["a"] }, c: { requisite: ["a"] } },
    states: { a: "active", b: "active", c: "active" },
    steps: [[stop("a"), ["stop a", "stop b", "stop c"]]],
  },
  {
    name: "stop: PartOf= units stop with the unit they are part of",
    units: { a: {}, b: { partOf: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [[stop("a"), ["stop a", "stop b"]]],
  },
  {
    name: "stop: Wants= dependents keep running",
    units: { a: {}, b: { wants: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [[stop("a"), ["stop a"]]],
  },
  {
    name: "stop: stopping a unit that is not running is done at once",
    units: { a: {} },
    steps: [[stop("a"), ["a/stop done", "#1 done"]]],
  },
  {
    name: "stop: a stop waiting its turn is done when the unit stops by itself",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [
      [stop("a"), ["stop b"]],
      [failed("a"), ["a/stop done"]],
      [inactive("b"), ["b/stop done", "#1 done"]],
    ],
  },
];

const restarting: Scenario[] = [
  {
    name: "restart: PartOf= units restart with it, down in reverse order, up in order",
    units: { a: {}, b: { partOf: ["a"], after: ["a"] } },
    states: { a: "active", b: "active" },
    steps: [
      [restart("a"), ["restart b"]],
      [inactive("b"), ["restart a"]],
      [inactive("a"), ["start a"]],
      [active("a"), ["a/restart done", "start b"]],
      [active("b"), ["b/restart done", "#1 done"]],
    ],
  },
  {
    name: "restart: a dependent that is not running stays down",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    states: { a: "active" },
    steps: [
      [restart("a"), ["restart a"]],
      [inactive("a"), ["start a"]],
      [active("a"), ["a/restart done", "#1 done"]],
    ],
  },
  {
    name: "restart: restarting a unit that is not running starts it",
    units: { a: {} },
    steps: [
      [restart("a"), ["start a"]],
      [active("a"), ["a/restart done", "#1 done"]],
    ],
  },
  {
    name: "restart: a manager that restarts by itself (activating, never inactive) is followed",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [restart("a"), ["restart a"]],
      [activating("a"), []],
      [active("a"), ["a/restart done", "#1 done"]],
    ],
  },
  {
    name: "restart: a unit that fails while stopping for a restart is started again",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [restart("a"), ["restart a"]],
      [failed("a"), ["start a"]],
      [active("a"), ["a/restart done", "#1 done"]],
    ],
  },
  {
    name: "try-restart: a unit that is not running is left alone",
    units: { a: {} },
    steps: [[tryRestart("a"), ["#1 done"]]],
  },
  {
    name: "try-restart: a running unit is restarted",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [tryRestart("a"), ["restart a"]],
      [inactive("a"), ["start a"]],
    ],
  },
];

const reloads: Scenario[] = [
  {
    name: "reload: a running unit is reloaded and the job ends when it is active again",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [reload("a"), ["reload a"]],
      [reloading("a"), []],
      [active("a"), ["a/reload done", "#1 done"]],
    ],
  },
  {
    name: "reload: reloading a unit that is not running fails",
    units: { a: {} },
    steps: [[reload("a"), ["a/reload failed", "#1 failed"]]],
  },
  {
    name: "reload: a unit that cannot reload fails the job (action refused)",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [reload("a"), ["reload a"]],
      [{ kind: "action-refused", unit: full("a"), result: "failed", reason: "no ExecReload=" }, ["a/reload failed", "#1 failed"]],
    ],
  },
  {
    name: "reload: a second reload during a reload runs again once the first is over",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [reload("a"), ["reload a"]],
      [reloading("a"), []],
      [reload("a"), []],
      [active("a"), ["reload a"]],
      [reloading("a"), []],
      [active("a"), ["a/reload done", "#1 done", "#2 done"]],
    ],
  },
  {
    name: "reload: a reload of a unit being started folds into the start (systemd's reload-or-start)",
    units: { a: {} },
    steps: [
      [start("a"), ["start a"]],
      [activating("a"), []],
      [reload("a"), ["start a"]],
      [active("a"), ["a/start done", "#1 done", "#2 done"]],
    ],
  },
];

const merging: Scenario[] = [
  {
    name: "merge: a second start of a unit being started joins its job",
    units: { a: {} },
    steps: [
      [start("a"), ["start a"]],
      [start("a"), []],
      [active("a"), ["a/start done", "#1 done", "#2 done"]],
    ],
  },
  {
    name: "replace: a stop replaces a waiting start, which ends canceled",
    units: { a: {}, b: { requires: ["a"], after: ["a"] } },
    steps: [
      [start("b"), ["start a"]],
      [stop("b"), ["b/start canceled", "b/stop done", "#2 done"]],
      [active("a"), ["a/start done", "#1 canceled"]],
    ],
  },
  {
    name: "replace: a start replaces a running stop and waits for the unit to be down",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [stop("a"), ["stop a"]],
      [deactivating("a"), []],
      [start("a"), ["a/stop canceled", "#1 canceled"]],
      [inactive("a"), ["start a"]],
      [active("a"), ["a/start done", "#2 done"]],
    ],
  },
  {
    name: "merge: a restart on a running start restarts once more",
    units: { a: {} },
    steps: [
      [start("a"), ["start a"]],
      [activating("a"), []],
      [restart("a"), ["restart a"]],
      [inactive("a"), ["start a"]],
      [active("a"), ["a/restart done", "#1 done", "#2 done"]],
    ],
  },
  {
    name: "merge: a start on a running restart joins it",
    units: { a: {} },
    states: { a: "active" },
    steps: [
      [restart("a"), ["restart a"]],
      [start("a"), []],
      [inactive("a"), ["start a"]],
      [active("a"), ["a/restart done", "#1 done", "#2 done"]],
    ],
  },
];

runScenarios([...conflicts, ...stopping, ...restarting, ...reloads, ...merging]);
