// Dependencies gate on readiness, restarts follow Restart=, logs and daemon-reload work end to end.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { EventLog, waitUntil } from "../helpers/events.js";
import { fixture } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

const node = process.execPath;
const steward = new Steward({});
const aReady = join(steward.dir, "a.ready");
const bStarted = join(steward.dir, "b.started");
const crashes = join(steward.dir, "crashes");

steward.writeUnit("a.service", `[Service]
Type=notify
ExecStart=${node} ${fixture("notify-service.mjs")} --delay-ms 400 --ready-file ${aReady}
`);
steward.writeUnit("b.service", `[Unit]
Requires=a.service
After=a.service

[Service]
ExecStart=/bin/sh -c 'date +%%s%%N > ${bStarted}; exec sleep 300'
`);
steward.writeUnit("crashy.service", `[Service]
ExecStart=/bin/sh -c 'echo crash >> ${crashes}; echo "crashing on purpose" >&2; exit 3'
Restart=on-failure
RestartSec=50ms
StartLimitBurst=3
StartLimitIntervalSec=1min
`);
steward.writeUnit("chatty.service", `[Unit]
Description=prints lines

[Service]
ExecStart=/bin/sh -c 'echo one; echo two; echo three >&2; exec sleep 300'
`);

steward.writeUnit("echo@.service", `[Unit]
Description=instance %i

[Service]
ExecStart=/bin/sh -c 'echo "instance %i"; exec sleep 300'
`);

before(() => steward.up(["b.service", "chatty.service"]));
after(() => steward.cleanup());

test("ordering: B (After=/Requires= A) starts only after A's READY=1", async () => {
  await steward.waitActive("b.service", "running");
  // Type=simple is active once forked: wait for B's first line to have run.
  await waitUntil(() => (existsSync(bStarted) && readFileSync(bStarted, "utf8").endsWith("\n") ? true : undefined), "B to record its start");
  const readyAtMs = Number(readFileSync(aReady, "utf8"));
  const bStartedAtMs = Number(readFileSync(bStarted, "utf8").trim()) / 1e6;
  assert.ok(bStartedAtMs >= readyAtMs, `B started at ${bStartedAtMs}, A was ready at ${readyAtMs}`);
  assert.equal((await steward.status("a.service")).active, "active");
});

test("ordering: stopping A stops B, which requires it", async () => {
  assert.equal((await steward.run("stop", "a")).code, 0);
  assert.equal((await steward.status("b.service")).active, "inactive");
  assert.equal((await steward.run("start", "b")).code, 0, "starting B pulls A in again");
  assert.equal((await steward.status("a.service")).active, "active");
});

test("restart: on-failure restarts with back-off until the start limit", async () => {
  // As systemctl: a Type=simple start job is done once the process runs; the crashes come after.
  assert.equal((await steward.run("start", "crashy")).code, 0);
  const failed = await steward.waitFor("crashy.service", (e) => e.active === "failed", "failed after its restarts");
  assert.equal(failed.sub, "failed");
  const status = await steward.status("crashy.service");
  assert.equal(status.result, "exit-code");
  // As systemd's NRestarts: the third restart is counted, then refused by the start limit.
  assert.equal(status.restarts, 3);
  assert.equal(readFileSync(crashes, "utf8").trim().split("\n").length, 3, "StartLimitBurst=3 starts");
  assert.equal(status.mainExit, "exited with 3");
});

test("logs: a unit's output, stdout and stderr, in order, with -n", async () => {
  await steward.waitActive("chatty.service");
  const deadline = Date.now() + 5000;
  let lines: { text: string; stream: string; unit: string }[] = [];
  // The lines cross a pipe; ask again until the third has arrived (bounded).
  while (Date.now() < deadline) {
    const result = await steward.run("logs", "chatty", "--json", "-n", "100");
    lines = result.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as (typeof lines)[number]);
    if (lines.some((l) => l.text === "three")) break;
  }
  const output = lines.filter((l) => l.stream !== "steward").map((l) => [l.stream, l.text]);
  assert.deepEqual(output, [["stdout", "one"], ["stdout", "two"], ["stderr", "three"]]);
  const last = await steward.run("logs", "chatty", "-n", "1");
  assert.match(last.stdout, /chatty\.service .*three|chatty\.service/);
  assert.equal(last.stdout.trim().split("\n").length, 1);
});

test("templates: an instance is loaded when first started, with %i expanded", async () => {
  const result = await steward.run("start", "echo@alpha");
  assert.equal(result.code, 0, result.stderr);
  const status = await steward.status("echo@alpha.service");
  assert.equal(status.active, "active");
  assert.equal(status.description, "instance alpha");
  assert.equal((await steward.run("status", "echo@")).code, 4, "a template is never a unit by itself");
});

test("logs -f: a follower sees new lines as they come", async () => {
  const seen = new EventLog<string>();
  const stop = new AbortController();
  let lines = 0;
  const following = steward.client.followLogs(["chatty.service"], 1, (line) => {
    lines++;
    seen.push(lines === 1 ? "(backlog)" : line.text);
  }, stop.signal);
  // The one line of backlog arrives on the open stream: from then on new lines follow it.
  await seen.next((text) => text === "(backlog)", "the backlog line");
  assert.equal((await steward.run("restart", "chatty")).code, 0);
  assert.equal(await seen.next((text) => text === "three", "the restarted unit's third line"), "three");
  stop.abort();
  await following;
});

test("daemon-reload re-reads files, restarts nothing, and status says a restart is due", async () => {
  const pid = (await steward.status("chatty.service")).mainPid;
  steward.writeUnit("chatty.service", `[Unit]\nDescription=prints other lines\n\n[Service]\nExecStart=/bin/sleep 300\n`);
  assert.equal((await steward.run("daemon-reload")).code, 0);
  const status = await steward.status("chatty.service");
  assert.equal(status.mainPid, pid, "nothing was restarted");
  assert.equal(status.needsRestart, true);
  assert.equal((await steward.run("restart", "chatty")).code, 0);
  const restarted = await steward.status("chatty.service");
  assert.equal(restarted.needsRestart, false);
  assert.equal(restarted.description, "prints other lines");
});

test("shutdown stops everything in reverse order and the manager exits 0", async () => {
  const result = await steward.run("shutdown");
  assert.equal(result.code, 0);
  assert.equal(await steward.waitExit(), 0);
  assert.deepEqual(steward.strays(), []);
});
