import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { RESTART_POLICIES } from "../../src/units/service-section.js";
import type { RestartPolicy } from "../../src/units/service-section.js";
import { advance, exit, killed, runRow, send, start, stop, timer } from "./service-harness.js";
import type { Action, Row } from "./service-harness.js";

const { SIGTERM, SIGKILL, SIGSEGV } = constants.signals;

interface Outcome {
  name: string;
  /** Lines added to the unit. */
  unit?: string;
  story: Action[];
  result: string;
  /** The Restart= values that restart after it (systemd.service(5)'s table). */
  restartsUnder: readonly RestartPolicy[];
}

const outcomes: Outcome[] = [
  { name: "a clean exit", story: [start, exit("main", 0)], result: "success", restartsUnder: ["always", "on-success"] },
  { name: "an unclean exit code", story: [start, exit("main", 1)], result: "exit-code", restartsUnder: ["always", "on-failure"] },
  {
    name: "an unclean signal",
    story: [start, exit("main", killed(SIGKILL))],
    result: "signal",
    restartsUnder: ["always", "on-failure", "on-abnormal", "on-abort"],
  },
  {
    name: "a core dump",
    story: [start, exit("main", killed(SIGSEGV, true))],
    result: "core-dump",
    restartsUnder: ["always", "on-failure", "on-abnormal", "on-abort"],
  },
  {
    name: "a timeout",
    unit: "RuntimeMaxSec=5",
    story: [start, timer, exit("main", killed(SIGTERM))],
    result: "timeout",
    restartsUnder: ["always", "on-failure", "on-abnormal"],
  },
  { name: "a skip by ExecCondition=", unit: "ExecCondition=/bin/check", story: [start, exit("control", 1)], result: "exec-condition", restartsUnder: [] },
  { name: "a manual stop", story: [start, stop, exit("main", killed(SIGTERM))], result: "success", restartsUnder: [] },
];

// One table per Restart= value.
for (const policy of RESTART_POLICIES) {
  const rows: Row[] = outcomes.map((outcome) => {
    const restarts = outcome.restartsUnder.includes(policy);
    const end = outcome.result === "success" || outcome.result === "exec-condition" ? "dead" : "failed";
    return {
      behaviour: `${policy}: ${outcome.name} ${restarts ? "restarts" : "does not restart"}`,
      unit: `ExecStart=/bin/web\nKillMode=process\nRestart=${policy}\n${outcome.unit ?? ""}`,
      story: outcome.story,
      expect: { sub: restarts ? "auto-restart" : end, result: outcome.result },
    };
  });
  for (const row of rows) test(row.behaviour, () => runRow(row));
}

const failing = "ExecStart=/bin/web\nKillMode=process\nRestart=on-failure";

const behaviourRows: Row[] = [
  {
    behaviour: "restart: RestartSec= (100ms by default) delays the restart",
    unit: failing,
    story: [start, exit("main", 1)],
    expect: { sub: "auto-restart", active: "activating", check: (d) => assert.equal(d.timer, d.now + 100_000) },
  },
  {
    behaviour: "restart: auto-restart carries the failed result",
    unit: failing,
    story: [start, exit("main", 1)],
    expect: { check: (d) => assert.deepEqual([d.state.kind === "auto-restart" && d.state.result, d.runtime.lastEnd?.result], ["exit-code", "exit-code"]) },
  },
  {
    behaviour: "restart: the restart counter counts automatic restarts",
    unit: failing,
    story: [start, exit("main", 1), timer, exit("main", 1), timer],
    expect: { sub: "running", restarts: 2, mainPid: 102, result: "success" },
  },
  {
    behaviour: "restart: a manual start resets the restart counter",
    unit: failing,
    story: [start, exit("main", 1), timer, stop, exit("main", killed(SIGTERM)), start],
    expect: { sub: "running", restarts: 0 },
  },
  {
    behaviour: "restart: a stop during auto-restart gives up the restart and leaves it dead",
    unit: failing,
    story: [start, exit("main", 1), stop],
    expect: { sub: "dead", effects: { "disarm-timer": true } },
  },
  {
    behaviour: "restart: a start during auto-restart restarts at once and counts",
    unit: failing,
    story: [start, exit("main", 1), start],
    expect: { sub: "running", restarts: 1 },
  },
  {
    behaviour: "restart: RestartPreventExitStatus= prevents a restart",
    unit: `${failing}\nRestartPreventExitStatus=3`,
    story: [start, exit("main", 3)],
    expect: { sub: "failed", result: "exit-code" },
  },
  {
    behaviour: "restart: RestartForceExitStatus= forces one even under Restart=no",
    unit: "ExecStart=/bin/web\nKillMode=process\nRestartForceExitStatus=SIGTERM",
    story: [start, exit("main", killed(SIGTERM))],
    expect: { sub: "auto-restart", result: "success" },
  },
  {
    behaviour: "restart: RestartForceExitStatus= does not restart a oneshot that succeeded",
    unit: "Type=oneshot\nExecStart=/bin/job\nKillMode=process\nRestartForceExitStatus=0",
    story: [start, exit("main", 0)],
    expect: { sub: "dead" },
  },
  {
    behaviour: "restart: RestartSteps= grows the delay towards RestartMaxDelaySec=",
    unit: `${failing}\nRestartSec=1\nRestartSteps=2\nRestartMaxDelaySec=4`,
    story: [start, exit("main", 1), timer, exit("main", 1)],
    expect: { check: (d) => assert.equal(d.timer, d.now + 2_000_000) },
  },
  {
    behaviour: "restart: after RestartSteps= restarts the delay is RestartMaxDelaySec=",
    unit: `${failing}\nRestartSec=1\nRestartSteps=2\nRestartMaxDelaySec=4`,
    story: [start, exit("main", 1), timer, exit("main", 1), timer, exit("main", 1)],
    expect: { check: (d) => assert.equal(d.timer, d.now + 4_000_000) },
  },
  {
    behaviour: "start limit: the 6th start within 10s fails with start-limit-hit",
    unit: "ExecStart=/bin/web\nKillMode=process\nRestart=always",
    story: [start, ...Array.from({ length: 5 }, () => [exit("main", 0), timer]).flat()],
    expect: { sub: "failed", result: "start-limit-hit", restarts: 5, spawned: [] },
  },
  {
    behaviour: "start limit: after failures the failure's own result sticks, as in systemd",
    unit: failing,
    story: [start, ...Array.from({ length: 5 }, () => [exit("main", 1), timer]).flat()],
    expect: { sub: "failed", result: "exit-code", check: (d) => assert.equal(d.runtime.startLimit.starts, 6) },
  },
  {
    behaviour: "start limit: no restart after it was hit",
    unit: "ExecStart=/bin/web\nKillMode=process\nRestart=always",
    story: [start, ...Array.from({ length: 5 }, () => [exit("main", 0), timer]).flat()],
    expect: { effects: { "arm-timer": false } },
  },
  {
    behaviour: "start limit: a manual start is refused too while the window lasts",
    unit: "ExecStart=/bin/web\nKillMode=process\nStartLimitBurst=2",
    story: [start, exit("main", 0), start, exit("main", 0), start],
    expect: { sub: "failed", result: "start-limit-hit" },
  },
  {
    behaviour: "start limit: a start after the interval is allowed again",
    unit: "ExecStart=/bin/web\nKillMode=process\nStartLimitBurst=2",
    story: [start, exit("main", 0), start, exit("main", 0), advance(11_000_000), start],
    expect: { sub: "running" },
  },
  {
    behaviour: "start limit: StartLimitIntervalSec=0 turns it off",
    unit: "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/web\nKillMode=process\nRestart=always",
    story: [start, ...Array.from({ length: 8 }, () => [exit("main", 0), timer]).flat()],
    expect: { sub: "running", restarts: 8 },
  },
  {
    behaviour: "reset-failed: clears a start-limit failure so the unit starts again",
    unit: "ExecStart=/bin/web\nKillMode=process\nStartLimitBurst=1",
    story: [start, exit("main", 0), start, send({ kind: "reset-failed-requested" }), start],
    expect: { sub: "running", result: "success" },
  },
  {
    behaviour: "reset-failed: a failed unit becomes dead",
    unit: "ExecStart=/bin/web\nKillMode=process",
    story: [start, exit("main", 1), send({ kind: "reset-failed-requested" })],
    expect: { sub: "dead", result: "success" },
  },
];

for (const row of behaviourRows) test(row.behaviour, () => runRow(row));
