// Real programs written for systemd, under steward: redis-server --supervised systemd,
// systemd-notify, and a C program linked against libsystemd. Each is skipped with the
// reason where the machine lacks it; .ci/run installs them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findProgram, fixture } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

const redis = findProgram("redis-server");
const systemdNotify = findProgram("systemd-notify");
const steward = new Steward({});

/** Builds the libsystemd client, or says why not. */
function buildCClient(): string | { reason: string } {
  const cc = findProgram("cc");
  if (!cc) return { reason: "no C compiler" };
  const out = join(steward.dir, "sd-notify-client");
  try {
    execFileSync(cc, ["-o", out, fixture("sd-notify-client.c"), "-lsystemd"], { stdio: "pipe" });
  } catch (error) {
    return { reason: `cannot build against libsystemd (install libsystemd-dev): ${String((error as { stderr?: Buffer }).stderr ?? error).split("\n")[0]}` };
  }
  return out;
}
const cClient = buildCClient();

if (redis) {
  steward.writeUnit("redis.service", `[Service]
Type=notify
ExecStart=${redis} --supervised systemd --port 0 --unixsocket ${join(steward.dir, "redis.sock")} --save "" --appendonly no --dir ${steward.dir}
TimeoutStartSec=20s
`);
}
if (systemdNotify) {
  steward.writeUnit("sd-notify.service", `[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c '${systemdNotify} --ready --status="from systemd-notify"; exec sleep 300'
`);
}
if (typeof cClient === "string") {
  steward.writeUnit("c-client.service", `[Service]
Type=notify
WatchdogSec=2s
FileDescriptorStoreMax=4
ExecStart=${cClient}
`);
}

steward.writeUnit("silent.service", `[Service]
Type=notify
WatchdogSec=300ms
Restart=on-watchdog
RestartSec=10s
ExecStart=${process.execPath} ${fixture("notify-service.mjs")}
`);

before(() => steward.up([]));
after(() => steward.cleanup());

test("interop: redis-server --supervised systemd is active only after its READY=1", { skip: !redis && "redis-server is not installed" }, async () => {
  const result = await steward.run("start", "redis");
  assert.equal(result.code, 0, result.stderr + JSON.stringify((await steward.status("redis.service")).recentLogs));
  const status = await steward.status("redis.service");
  assert.equal(status.active, "active");
  assert.match(status.statusText ?? "", /ready to accept connections/i);
  assert.ok(existsSync(join(steward.dir, "redis.sock")), "redis listens by the time it is ready");
});

test("interop: systemd-notify --ready (with its BARRIER=1) readies a shell service", { skip: !systemdNotify && "systemd-notify is not installed" }, async () => {
  const result = await steward.run("start", "sd-notify");
  assert.equal(result.code, 0, result.stderr);
  const status = await steward.status("sd-notify.service");
  assert.equal(status.statusText, "from systemd-notify");
});

test("interop: a libsystemd client sees WATCHDOG_USEC/WATCHDOG_PID, notifies and pings the watchdog", { skip: typeof cClient !== "string" && cClient.reason }, async () => {
  const result = await steward.run("start", "c-client");
  assert.equal(result.code, 0, result.stderr);
  const status = await steward.status("c-client.service");
  assert.match(status.statusText ?? "", /^C client ready \(fdstore 1\)$/);
  assert.ok(status.recentLogs.some((l) => l.text === "watchdog enabled=1 usec=2000000"), JSON.stringify(status.recentLogs));
  // Still alive past the watchdog interval: its pings count.
  const pid = status.mainPid;
  await new Promise((resolve) => setTimeout(resolve, 2500)); // the watchdog interval must pass for this to mean anything
  const later = await steward.status("c-client.service");
  assert.equal(later.active, "active");
  assert.equal(later.mainPid, pid);
});

test("watchdog: a service that never pings is stopped with SIGABRT, result watchdog, and Restart=on-watchdog applies", async () => {
  assert.equal((await steward.run("start", "silent")).code, 0);
  await steward.waitFor("silent.service", (e) => e.sub === "auto-restart", "waiting to restart after its watchdog expired");
  const status = await steward.status("silent.service");
  assert.equal(status.result, "watchdog");
  assert.match(status.mainExit ?? "", /^killed by SIGABRT/); // "(core dumped)" where core dumps are on
});
