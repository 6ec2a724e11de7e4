import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { advance, exit, gone, killed, reload, runRow, start, stop } from "./service-harness.js";
import type { Row } from "./service-harness.js";

const { SIGTERM } = constants.signals;

const twoSteps = "Type=oneshot\nExecStart=/bin/one\nExecStart=/bin/two";

const rows: Row[] = [
  {
    behaviour: "oneshot: activating while the first ExecStart= runs",
    unit: twoSteps,
    story: [start],
    expect: { sub: "start", active: "activating", mainPid: 100, spawned: ["ExecStart[0]"] },
  },
  {
    behaviour: "oneshot: no start timeout by default",
    unit: twoSteps,
    story: [start],
    expect: { check: (d) => assert.equal(d.timer, null) },
  },
  {
    behaviour: "oneshot: the next ExecStart= runs when one exits 0",
    unit: twoSteps,
    story: [start, exit("main", 0)],
    expect: { sub: "start", mainPid: 101, spawned: ["ExecStart[1]"] },
  },
  {
    behaviour: "oneshot: without RemainAfterExit= it stops after the last command (ExecStop= runs)",
    unit: `${twoSteps}\nExecStop=/bin/clean`,
    story: [start, exit("main", 0), exit("main", 0)],
    expect: { sub: "stop", spawned: ["ExecStop[0]"], check: (d) => assert.equal(d.runtime.readySince, null) },
  },
  {
    behaviour: "oneshot: without RemainAfterExit= it ends dead, never active",
    unit: twoSteps,
    story: [start, exit("main", 0), exit("main", 0), gone, gone],
    expect: { sub: "dead", result: "success", check: (d) => assert.equal(d.runtime.readySince, null) },
  },
  {
    behaviour: "oneshot: RemainAfterExit=yes stays active as exited",
    unit: `${twoSteps}\nRemainAfterExit=yes`,
    story: [start, exit("main", 0), exit("main", 0)],
    expect: { sub: "exited", active: "active", mainPid: null, check: (d) => assert.equal(d.runtime.readySince, d.now) },
  },
  {
    behaviour: "oneshot: exited stops through ExecStop=",
    unit: `${twoSteps}\nRemainAfterExit=yes\nExecStop=/bin/undo`,
    story: [start, exit("main", 0), exit("main", 0), stop],
    expect: { sub: "stop", spawned: ["ExecStop[0]"] },
  },
  {
    behaviour: "oneshot: exited reloads through ExecReload= and stays exited",
    unit: `${twoSteps}\nRemainAfterExit=yes\nExecReload=/bin/again`,
    story: [start, exit("main", 0), exit("main", 0), reload, exit("control", 0)],
    expect: { sub: "exited", check: (d) => assert.equal(d.runtime.reloadResult, "success") },
  },
  {
    behaviour: "oneshot: a failing command ends the sequence with exit-code",
    unit: twoSteps,
    story: [start, exit("main", 2)],
    expect: { sub: "stop-sigterm", result: "exit-code", spawned: [] },
  },
  {
    behaviour: "oneshot: a '-' command's failure is ignored",
    unit: "Type=oneshot\nExecStart=-/bin/one\nExecStart=/bin/two",
    story: [start, exit("main", 2)],
    expect: { sub: "start", result: "success", spawned: ["ExecStart[1]"] },
  },
  {
    behaviour: "oneshot: dying of SIGTERM is a failure for a command",
    unit: twoSteps,
    story: [start, exit("main", killed(SIGTERM)), gone, gone],
    expect: { sub: "failed", result: "signal" },
  },
  {
    behaviour: "oneshot: TimeoutStartSec= applies to each ExecStart= anew",
    unit: `${twoSteps}\nTimeoutStartSec=10`,
    story: [start, advance(8_000_000), exit("main", 0)],
    expect: { check: (d) => assert.equal(d.timer, d.now + 10_000_000) },
  },
  {
    behaviour: "oneshot: RuntimeMaxSec= has no effect",
    unit: `${twoSteps}\nRemainAfterExit=yes\nRuntimeMaxSec=5`,
    story: [start, exit("main", 0), exit("main", 0)],
    expect: { sub: "exited", check: (d) => assert.equal(d.timer, null) },
  },
  {
    behaviour: "oneshot: without ExecStart= and with RemainAfterExit=yes it is exited at once",
    unit: "Type=oneshot\nExecStop=/bin/undo\nRemainAfterExit=yes",
    story: [start],
    expect: { sub: "exited", spawned: [] },
  },
];

for (const row of rows) test(row.behaviour, () => runRow(row));
