// steward under a supervisor of its own, and OnFailure= handlers.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { NotifySocket, type NotifyDatagram } from "../../src/sys/index.js";
import { EventLog, waitUntil } from "../helpers/events.js";
import { fixture, repoRoot } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

const steward = new Steward({});
const report = join(steward.dir, "monitor.env");
steward.writeUnit("failing.service", `[Unit]
OnFailure=handler.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'exit 7'
`);
steward.writeUnit("handler.service", `[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "$MONITOR_UNIT $MONITOR_SERVICE_RESULT $MONITOR_EXIT_CODE $MONITOR_EXIT_STATUS" > ${report}'
`);
steward.writeUnit("up.service", `[Service]
ExecStart=/bin/sleep 300

[Install]
WantedBy=multi-user.target
`);

const cli = join(repoRoot, "dist", "src", "cli", "main.js");
steward.writeUnit("shell-notify.service", `[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c '${process.execPath} ${cli} notify --ready --status="shell is ready" X_SHELL=1; exec sleep 300'
`);
steward.writeUnit("strict-notify.service", `[Service]
Type=notify
TimeoutStartSec=2s
ExecStart=/bin/sh -c '${process.execPath} ${fixture("notify-sender.mjs")} "$$NOTIFY_SOCKET" "STATUS=from a helper" 0 - barrier; sleep 300'
`);

const received = new EventLog<NotifyDatagram>();
const outer = new NotifySocket(`@steward-outer-${process.pid}`, (batch) => batch.forEach((d) => received.push(d)));
after(async () => {
  outer.close();
  await steward.cleanup();
});

test("up: tells the supervisor above it READY=1 once the initial start jobs are done", async () => {
  await steward.up([], { NOTIFY_SOCKET: outer.address });
  const ready = await received.next((d) => d.data.toString().includes("READY=1"), "READY=1 from steward up");
  const pid = Number(readFileSync(join(steward.runtimeDir, "manager.pid"), "utf8"));
  assert.equal(ready.pid, pid);
  assert.equal((await steward.status("up.service")).active, "active", "the [Install] unit was started first");
});

test("up: SIGUSR1 and SIGUSR2 neither end the manager nor open Node's inspector", async () => {
  const before = (await steward.status("up.service")).mainPid;
  for (const signal of ["SIGUSR1", "SIGUSR2"] as const) {
    process.kill(steward.managerPid, signal);
    await waitUntil(() => (steward.stderr.includes(`steward: ${signal} ignored`) ? true : undefined), `the manager to say ${signal} was ignored`);
  }
  assert.equal((await steward.status("up.service")).mainPid, before, "the manager and its service run on");
  assert.doesNotMatch(steward.stderr, /Debugger listening/);
});

test("OnFailure= starts the handler with the MONITOR_* variables of the failed unit", async () => {
  const result = await steward.run("start", "failing");
  assert.notEqual(result.code, 0);
  await waitUntil(() => (existsSync(report) ? true : undefined), "the handler to write its report");
  assert.equal(readFileSync(report, "utf8").trim(), "failing.service exit-code exited 7");
});

test("steward notify: a shell script's READY=1 and STATUS= reach the manager", async () => {
  const result = await steward.run("start", "shell-notify");
  assert.equal(result.code, 0, result.stderr);
  const status = await steward.status("shell-notify.service");
  assert.equal(status.statusText, "shell is ready");
  assert.deepEqual(status.notifyVariables, { X_SHELL: "1" }, "X_* variables are kept for status");
});

test("notify: a message from a process that is not the main one is refused under NotifyAccess=main, and said so", async () => {
  const result = await steward.run("start", "strict-notify");
  assert.notEqual(result.code, 0, "never ready: the helper's READY-less message came from another process");
  const status = await steward.status("strict-notify.service");
  assert.equal(status.statusText, null, "a refused message changes nothing");
  assert.ok(status.recentLogs.some((l) => l.stream === "steward" && /notification from PID \d+/i.test(l.text)), JSON.stringify(status.recentLogs));
});

test("a manager whose output went away still stops every unit on SIGINT", async () => {
  steward.closeOutput();
  assert.ok(steward.strays().length > 0);
  assert.equal(await steward.stopManager("SIGINT"), 0);
  assert.deepEqual(steward.strays(), []);
});
