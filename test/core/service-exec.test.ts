import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { exit, failSpawn, gone, killed, runRow, start, stop, timer } from "./service-harness.js";
import type { Row, ServiceDriver } from "./service-harness.js";

const { SIGTERM, SIGCONT, SIGKILL } = constants.signals;

const web = "ExecStart=/bin/web\nKillMode=process";

function envOfSpawn(d: ServiceDriver, command: string): Readonly<Record<string, string>> | undefined {
  const spawn = d.history.find((e) => e.kind === "spawn" && e.command === command);
  return spawn?.kind === "spawn" ? spawn.extraEnv : undefined;
}

const rows: Row[] = [
  {
    behaviour: "ExecCondition= runs first, as a control process",
    unit: `${web}\nExecCondition=/bin/check`,
    story: [start],
    expect: { sub: "condition", active: "activating", spawned: ["ExecCondition[0]"] },
  },
  {
    behaviour: "ExecCondition= exit 0 goes on to start",
    unit: `${web}\nExecCondition=/bin/check`,
    story: [start, exit("control", 0)],
    expect: { sub: "running", spawned: ["ExecStart[0]"] },
  },
  {
    behaviour: "ExecCondition= exit 1-254 skips the start: dead with exec-condition, not failed",
    unit: `${web}\nExecCondition=/bin/check\nRestart=always`,
    story: [start, exit("control", 254)],
    expect: { sub: "dead", active: "inactive", result: "exec-condition" },
  },
  {
    behaviour: "ExecCondition= exit 255 fails the start",
    unit: `${web}\nExecCondition=/bin/check`,
    story: [start, exit("control", 255)],
    expect: { sub: "failed", result: "exit-code" },
  },
  {
    behaviour: "ExecCondition= killed by a signal fails the start",
    unit: `${web}\nExecCondition=/bin/check`,
    story: [start, exit("control", killed(SIGKILL))],
    expect: { sub: "failed", result: "signal" },
  },
  {
    behaviour: "ExecCondition= that cannot be executed counts as exit 203: a skip, as in systemd",
    unit: `${web}\nExecCondition=/bin/check`,
    story: [failSpawn("ExecCondition[0]", "execve"), start],
    expect: { sub: "dead", result: "exec-condition" },
  },
  {
    behaviour: "ExecStartPre= commands run in order, each with the start timeout",
    unit: `${web}\nExecStartPre=/bin/one\nExecStartPre=/bin/two`,
    story: [start, exit("control", 0)],
    expect: { sub: "start-pre", spawned: ["ExecStartPre[1]"], check: (d) => assert.equal(d.timer, d.now + 90_000_000) },
  },
  {
    behaviour: "ExecStartPre= failing fails the start: ExecStop= is skipped, ExecStopPost= runs",
    unit: `${web}\nExecStartPre=/bin/one\nExecStop=/bin/stop\nExecStopPost=/bin/post`,
    story: [start, exit("control", 1)],
    expect: { sub: "stop-post", result: "exit-code", spawned: ["ExecStopPost[0]"] },
  },
  {
    behaviour: "ExecStopPost= gets SERVICE_RESULT= of a failed start, without exit variables when no main process ran",
    unit: `${web}\nExecStartPre=/bin/one\nExecStopPost=/bin/post`,
    story: [start, exit("control", 1)],
    expect: { check: (d) => assert.deepEqual(envOfSpawn(d, "ExecStopPost"), { SERVICE_RESULT: "exit-code" }) },
  },
  {
    behaviour: "'-' on ExecStartPre= ignores its failure",
    unit: `${web}\nExecStartPre=-/bin/one\nExecStartPre=/bin/two`,
    story: [start, exit("control", 1)],
    expect: { sub: "start-pre", result: "success", spawned: ["ExecStartPre[1]"] },
  },
  {
    behaviour: "ExecStartPre= that cannot be forked fails with resources and no kill stage",
    unit: `${web}\nExecStartPre=/bin/one`,
    story: [failSpawn("ExecStartPre[0]", "fork"), start],
    expect: { sub: "failed", result: "resources", signalled: [] },
  },
  {
    behaviour: "a control process timing out in start-pre is killed (result timeout)",
    unit: `${web}\nExecStartPre=/bin/slow\nTimeoutStartSec=2`,
    story: [start, timer],
    expect: { sub: "stop-sigterm", result: "timeout", signalled: [`control:${SIGTERM}`, `control:${SIGCONT}`] },
  },
  {
    behaviour: "a stop during start-pre kills the control process",
    unit: `${web}\nExecStartPre=/bin/slow`,
    story: [start, stop],
    expect: { sub: "stop-sigterm", signalled: [`control:${SIGTERM}`, `control:${SIGCONT}`] },
  },
  {
    behaviour: "a start-pre process killed by the stop fails the unit with signal, as in systemd",
    unit: `${web}\nExecStartPre=/bin/slow`,
    story: [start, stop, exit("control", killed(SIGTERM))],
    expect: { sub: "failed", result: "signal" },
  },
  {
    behaviour: "ExecStartPost= runs with MAINPID= once the main process is up",
    unit: `${web}\nExecStartPost=/bin/post`,
    story: [start],
    expect: { sub: "start-post", check: (d) => assert.deepEqual(envOfSpawn(d, "ExecStartPost"), { MAINPID: "100" }) },
  },
  {
    behaviour: "ExecStartPost= failing skips ExecStop=",
    unit: `${web}\nExecStartPost=/bin/post\nExecStop=/bin/stop`,
    story: [start, exit("control", 1)],
    expect: { sub: "stop-sigterm", result: "exit-code", spawned: [], signalled: [`main:${SIGTERM}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "the main process exiting during ExecStartPost= waits for it",
    unit: `${web}\nExecStartPost=/bin/post\nExecStop=/bin/stop`,
    story: [start, exit("main", 0)],
    expect: { sub: "start-post", mainPid: null },
  },
  {
    behaviour: "... then, having exited cleanly, the service stops through ExecStop=",
    unit: `${web}\nExecStartPost=/bin/post\nExecStop=/bin/stop`,
    story: [start, exit("main", 0), exit("control", 0)],
    expect: { sub: "stop", spawned: ["ExecStop[0]"] },
  },
  {
    behaviour: "... or, having failed, goes to the kill stage",
    unit: `${web}\nExecStartPost=/bin/post\nExecStop=/bin/stop`,
    story: [start, exit("main", 1), exit("control", 0)],
    expect: { result: "exit-code", spawned: [] },
  },
  {
    behaviour: "ExecStop= commands run in order, each with the stop timeout",
    unit: `${web}\nExecStop=/bin/one\nExecStop=/bin/two\nTimeoutStopSec=4`,
    story: [start, stop, exit("control", 0)],
    expect: { sub: "stop", spawned: ["ExecStop[1]"], check: (d) => assert.equal(d.timer, d.now + 4_000_000) },
  },
  {
    behaviour: "ExecStop= done, the remaining main process gets the kill signal",
    unit: `${web}\nExecStop=/bin/stop`,
    story: [start, stop, exit("control", 0)],
    expect: { sub: "stop-sigterm", signalled: [`main:${SIGTERM}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "ExecStop= timing out is killed along with the main process",
    unit: `${web}\nExecStop=/bin/stop`,
    story: [start, stop, timer],
    expect: { sub: "stop-sigterm", result: "timeout", signalled: [`main:${SIGTERM}`, `main:${SIGCONT}`, `control:${SIGTERM}`, `control:${SIGCONT}`] },
  },
  {
    behaviour: "ExecStop= after the main process exited gets its exit status and no MAINPID=",
    unit: `${web}\nExecStop=/bin/stop`,
    story: [start, exit("main", 0)],
    expect: { check: (d) => assert.deepEqual(envOfSpawn(d, "ExecStop"), { SERVICE_RESULT: "success", EXIT_CODE: "exited", EXIT_STATUS: "0" }) },
  },
  {
    behaviour: "ExecStopPost= gets the result and the signal that ended the main process",
    unit: `${web}\nExecStopPost=/bin/post`,
    story: [start, exit("main", killed(SIGKILL))],
    expect: {
      sub: "stop-post",
      check: (d) => assert.deepEqual(envOfSpawn(d, "ExecStopPost"), { SERVICE_RESULT: "signal", EXIT_CODE: "killed", EXIT_STATUS: "KILL" }),
    },
  },
  {
    behaviour: "ExecStopPost= failing turns a clean stop into a failure",
    unit: `${web}\nExecStopPost=/bin/post`,
    story: [start, stop, exit("main", killed(SIGTERM)), exit("control", 2)],
    expect: { sub: "failed", result: "exit-code" },
  },
  {
    behaviour: "'-' on ExecStopPost= ignores its failure",
    unit: `${web}\nExecStopPost=-/bin/post`,
    story: [start, stop, exit("main", killed(SIGTERM)), exit("control", 2)],
    expect: { sub: "dead", result: "success" },
  },
  {
    behaviour: "ExecStopPost= that cannot be forked still ends the service (resources)",
    unit: "ExecStart=/bin/web\nExecStopPost=/bin/post",
    story: [failSpawn("ExecStopPost[0]", "fork"), start, stop, exit("main", killed(SIGTERM)), gone],
    expect: { sub: "failed", result: "resources" },
  },
];

for (const row of rows) test(row.behaviour, () => runRow(row));
