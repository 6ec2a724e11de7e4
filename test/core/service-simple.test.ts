import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { advance, exit, failSpawn, gone, killed, runRow, start, stop, timer } from "./service-harness.js";
import type { Row } from "./service-harness.js";

const { SIGTERM, SIGCONT, SIGKILL, SIGSEGV } = constants.signals;

const simple = "ExecStart=/bin/web\nExecStop=/bin/web-stop";

const rows: Row[] = [
  {
    behaviour: "simple: running as soon as the main process is spawned",
    unit: "ExecStart=/bin/web",
    story: [start],
    expect: { sub: "running", active: "active", mainPid: 100, spawned: ["ExecStart[0]"] },
  },
  {
    behaviour: "simple: no start timeout and no runtime limit by default",
    unit: "ExecStart=/bin/web",
    story: [start],
    expect: { effects: { "arm-timer": false } },
  },
  {
    behaviour: "simple: a clean exit runs ExecStop=",
    unit: simple,
    story: [start, exit("main", 0)],
    expect: { sub: "stop", result: "success", spawned: ["ExecStop[0]"] },
  },
  {
    behaviour: "simple: after a clean exit the unit waits for the service to empty, twice (KillMode=control-group), then is dead",
    unit: simple,
    story: [start, exit("main", 0), exit("control", 0), gone, gone],
    expect: { sub: "dead", active: "inactive", result: "success" },
  },
  {
    behaviour: "simple: exit 1 skips ExecStop= and goes to the kill stage",
    unit: simple,
    story: [start, exit("main", 1)],
    expect: { sub: "stop-sigterm", result: "exit-code", spawned: [], signalled: [`others:${SIGTERM}`, `others:${SIGCONT}`] },
  },
  {
    behaviour: "simple: exit 1 ends failed with exit-code",
    unit: simple,
    story: [start, exit("main", 1), gone, gone],
    expect: { sub: "failed", active: "failed", result: "exit-code" },
  },
  {
    behaviour: "simple: dying of SIGTERM is a clean exit for a daemon",
    unit: simple,
    story: [start, exit("main", killed(SIGTERM))],
    expect: { sub: "stop", result: "success" },
  },
  {
    behaviour: "simple: dying of SIGKILL fails with signal",
    unit: simple,
    story: [start, exit("main", killed(SIGKILL)), gone, gone],
    expect: { sub: "failed", result: "signal" },
  },
  {
    behaviour: "simple: a core dump fails with core-dump",
    unit: simple,
    story: [start, exit("main", killed(SIGSEGV, true)), gone, gone],
    expect: { sub: "failed", result: "core-dump" },
  },
  {
    behaviour: "simple: SuccessExitStatus=42 makes exit 42 clean",
    unit: `${simple}\nSuccessExitStatus=42`,
    story: [start, exit("main", 42)],
    expect: { sub: "stop", result: "success" },
  },
  {
    behaviour: "simple: '-' on ExecStart= makes a failure count as success",
    unit: "ExecStart=-/bin/web",
    story: [start, exit("main", 3), gone, gone],
    expect: { sub: "dead", result: "success" },
  },
  {
    behaviour: "simple: an exec failure counts as exit 203 and fails with exit-code",
    unit: simple,
    story: [failSpawn("ExecStart[0]", "execve"), start, gone, gone],
    expect: {
      sub: "failed",
      result: "exit-code",
      check: (d) => assert.deepEqual(d.runtime.mainExit?.end, { kind: "exited", code: 203 }),
    },
  },
  {
    behaviour: "simple: a fork failure fails with resources",
    unit: simple,
    story: [failSpawn("ExecStart[0]", "fork"), start, gone, gone],
    expect: { sub: "failed", result: "resources", check: (d) => assert.equal(d.runtime.mainExit, null) },
  },
  {
    behaviour: "simple: RuntimeMaxSec= stops the service with result timeout",
    unit: `${simple}\nRuntimeMaxSec=5`,
    story: [start, advance(1), timer],
    expect: { sub: "stop", result: "timeout", spawned: ["ExecStop[0]"] },
  },
  {
    behaviour: "simple: RuntimeMaxSec= counts from when it became active",
    unit: `${simple}\nRuntimeMaxSec=5`,
    story: [start],
    expect: { check: (d) => assert.equal(d.timer, d.now + 5_000_000) },
  },
  {
    behaviour: "simple: stop runs ExecStop= with the main PID still alive",
    unit: simple,
    story: [start, stop],
    expect: {
      sub: "stop",
      spawned: ["ExecStop[0]"],
      check: (d) => {
        const spawn = d.effects.find((e) => e.kind === "spawn");
        assert.deepEqual(spawn?.kind === "spawn" ? spawn.extraEnv : null, { MAINPID: "100", SERVICE_RESULT: "success" });
      },
    },
  },
  {
    behaviour: "simple: stop without ExecStop= signals main and the rest with SIGTERM and SIGCONT",
    unit: "ExecStart=/bin/web",
    story: [start, stop],
    expect: {
      sub: "stop-sigterm",
      active: "deactivating",
      signalled: [`main:${SIGTERM}`, `main:${SIGCONT}`, `others:${SIGTERM}`, `others:${SIGCONT}`],
    },
  },
  {
    behaviour: "simple: the main process ending after stop leaves the leftovers to final-sigterm",
    unit: "ExecStart=/bin/web",
    story: [start, stop, exit("main", killed(SIGTERM))],
    expect: { sub: "final-sigterm", signalled: [`others:${SIGTERM}`, `others:${SIGCONT}`], effects: { "await-processes-gone": true } },
  },
  {
    behaviour: "simple: a stopped service is dead with result success even under Restart=always",
    unit: "ExecStart=/bin/web\nRestart=always",
    story: [start, stop, exit("main", killed(SIGTERM)), gone],
    expect: { sub: "dead", result: "success", restarts: 0 },
  },
  {
    behaviour: "exec: running once the exec succeeded (the manager's spawn returns after exec)",
    unit: "Type=exec\nExecStart=/bin/web",
    story: [start],
    expect: { sub: "running", mainPid: 100 },
  },
  {
    behaviour: "exec: an exec failure fails the start with exit-code",
    unit: "Type=exec\nExecStart=/bin/web\nKillMode=process",
    story: [failSpawn("ExecStart[0]", "execve"), start],
    expect: { sub: "failed", result: "exit-code" },
  },
];

for (const row of rows) test(row.behaviour, () => runRow(row));
