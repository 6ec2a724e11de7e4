// steward under a supervisor of its own, and OnFailure= handlers.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { NotifySocket, type NotifyDatagram } from "../../src/sys/index.js";
import { EventLog, waitUntil } from "../helpers/events.js";
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

test("OnFailure= starts the handler with the MONITOR_* variables of the failed unit", async () => {
  const result = await steward.run("start", "failing");
  assert.notEqual(result.code, 0);
  await waitUntil(() => (existsSync(report) ? true : undefined), "the handler to write its report");
  assert.equal(readFileSync(report, "utf8").trim(), "failing.service exit-code exited 7");
});

test("a manager whose output went away still stops every unit on SIGINT", async () => {
  steward.closeOutput();
  assert.ok(steward.strays().length > 0);
  assert.equal(await steward.stopManager("SIGINT"), 0);
  assert.deepEqual(steward.strays(), []);
});
