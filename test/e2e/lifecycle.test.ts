// Every Type= with real processes, under a real `steward up`, driven by the CLI.
import assert from "node:assert/strict";
import { spawn as spawnChild } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixture } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

const node = process.execPath;
const notifyService = fixture("notify-service.mjs");
const daemonize = fixture("daemonize.sh");

// An unrelated process whose PID a malicious PID file names.
const outsider = spawnChild("/bin/sh", ["-c", "exec sleep 300"], { stdio: "ignore" });

const steward = new Steward({
  "simple.service": `[Service]
    ExecStart=/bin/sleep 300`,
  "exec.service": `[Service]
    Type=exec
    ExecStart=/bin/sleep 300`,
  "oneshot.service": `[Service]
    Type=oneshot
    RemainAfterExit=yes
    ExecStart=/bin/true
    ExecStart=/bin/sh -c 'echo second step'`,
  "notify.service": `[Service]
    Type=notify
    ExecStart=${node} ${notifyService} --delay-ms 100 --status "warmed up"`,
  "reloading.service": `[Service]
    Type=notify-reload
    ExecStart=${node} ${notifyService} --reload`,
  "stop.service": `[Service]
    Type=stop
    ExecStart=/bin/sh -c 'kill -STOP $$$$; exec sleep 300'`,
  "forking.service": `[Service]
    Type=forking
    PIDFile=%t/PLACEHOLDER
    ExecStart=/bin/sh ${daemonize} PIDFILE`,
  "guessed.service": `[Service]
    Type=forking
    ExecStart=/bin/sh ${daemonize} -`,
  "outside.service": `[Service]
    Type=forking
    PIDFile=OUTSIDE_PIDFILE
    ExecStart=/bin/true`,
  "broken.service": `[Unit]
    Description=has a bad value

    [Service]
    ExecStart=/bin/sleep 300
    Restart=sometimes`,
});
const pidFile = join(steward.dir, "forking.pid");
const latePidFile = join(steward.dir, "late.pid");
steward.writeUnit("late.service", `[Service]\nType=forking\nPIDFile=${latePidFile}\nExecStart=/bin/sh ${daemonize} ${latePidFile} 0.3\n`);
const nrOpen = Number(readFileSync("/proc/sys/fs/nr_open", "utf8"));
steward.writeUnit("limits.service", `[Service]\nExecStart=/bin/sleep 300\nLimitNOFILE=${nrOpen}:${nrOpen + 1}\n`);
steward.writeUnit("envfile.service", `[Service]\nExecStart=/bin/sleep 300\nEnvironmentFile=/nonexistent/env\n`);
const outsidePidFile = join(steward.dir, "outside.pid");
steward.writeUnit("forking.service", `[Service]\nType=forking\nPIDFile=${pidFile}\nExecStart=/bin/sh ${daemonize} ${pidFile}\n`);
const signals = join(steward.dir, "signals.log");
// Says which polite signal stopped it; waits in the shell so that the trap runs at once.
steward.writeUnit("signalled.service", `[Service]\nRestartKillSignal=SIGUSR2\nExecStart=/bin/sh -c 'trap "echo USR2 >> ${signals}; exit 0" USR2; trap "echo TERM >> ${signals}; exit 0" TERM; sleep 300 & wait'\n`);
steward.writeUnit("outside.service", `[Service]\nType=forking\nPIDFile=${outsidePidFile}\nExecStart=/bin/true\n`);

before(async () => {
  writeFileSync(outsidePidFile, `${outsider.pid}\n`);
  await steward.up(["simple", "exec", "oneshot", "notify", "reloading", "stop", "forking", "guessed"].map((u) => `${u}.service`));
});
after(async () => {
  outsider.kill("SIGKILL");
  await steward.cleanup();
});

function comm(pid: number | null): string {
  assert.ok(pid !== null, "no main PID");
  return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
}

test("simple: active once spawned, the main PID is the program", async () => {
  await steward.waitActive("simple.service", "running");
  assert.equal(comm((await steward.status("simple.service")).mainPid), "sleep");
});

test("tracking: with a writable cgroup v2 each service runs in a cgroup of its own; else the tree", async () => {
  const status = await steward.status("simple.service");
  const managerPid = Number(readFileSync(join(steward.runtimeDir, "manager.pid"), "utf8"));
  if (status.tracking === "cgroup") {
    const cgroup = readFileSync(`/proc/${status.mainPid}/cgroup`, "utf8");
    assert.match(cgroup, new RegExp(`^0::.*/steward-${managerPid}-ns\\d+-[0-9a-f]+/simple\\.service$`, "m"));
  } else {
    assert.match(steward.stderr, /tracking by process tree \(.+\)/);
  }
});

test("exec: active once execve succeeded", async () => {
  await steward.waitActive("exec.service", "running");
  assert.equal(comm((await steward.status("exec.service")).mainPid), "sleep");
});

test("oneshot: every ExecStart= runs in order, then RemainAfterExit keeps it active (exited)", async () => {
  await steward.waitActive("oneshot.service", "exited");
  const status = await steward.status("oneshot.service");
  assert.equal(status.mainPid, null);
  assert.ok(status.recentLogs.some((l) => l.text === "second step"), JSON.stringify(status.recentLogs));
});

test("notify: active on READY=1, with its STATUS= text", async () => {
  await steward.waitActive("notify.service", "running");
  const status = await steward.status("notify.service");
  assert.equal(status.statusText, "warmed up");
  assert.ok(status.readySince !== null);
});

test("notify-reload: reload sends SIGHUP and waits for RELOADING=1 then READY=1", async () => {
  await steward.waitActive("reloading.service", "running");
  const result = await steward.run("reload", "reloading");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await steward.status("reloading.service")).statusText, "reloaded");
});

test("stop: ready when the main process stops itself, then continued", async () => {
  await steward.waitActive("stop.service", "running");
  const pid = (await steward.status("stop.service")).mainPid;
  assert.ok(pid !== null);
  const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
  assert.equal(state, "S", "the process was continued after its SIGSTOP");
});

test("forking: the double-forked daemon is found through its PID file", async () => {
  await steward.waitActive("forking.service", "running");
  const status = await steward.status("forking.service");
  assert.equal(status.mainPid, Number(readFileSync(pidFile, "utf8").trim()));
  assert.equal(comm(status.mainPid), "sleep");
});

test("forking: without a PID file the one remaining process is guessed", async () => {
  await steward.waitActive("guessed.service", "running");
  assert.equal(comm((await steward.status("guessed.service")).mainPid), "sleep");
});

test("forking: a PID file naming a process outside the service is refused (result protocol)", async () => {
  const result = await steward.run("start", "outside");
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /outside\.service/);
  const status = await steward.status("outside.service");
  assert.equal(status.active, "failed");
  assert.equal(status.result, "protocol");
  assert.equal(outsider.exitCode, null, "the outsider was not touched");
  process.kill(outsider.pid ?? 0, 0);
});

test("forking: a PID file that appears after the start process exited is waited for", async () => {
  const result = await steward.run("start", "late");
  assert.equal(result.code, 0, result.stderr);
  const status = await steward.status("late.service");
  assert.equal(status.mainPid, Number(readFileSync(latePidFile, "utf8").trim()));
});

test("resources: a missing EnvironmentFile= fails the start with result resources, naming the file", async () => {
  assert.notEqual((await steward.run("start", "envfile")).code, 0);
  const status = await steward.status("envfile.service");
  assert.equal(status.result, "resources");
  assert.ok(status.recentLogs.some((l) => l.text.includes("/nonexistent/env")), JSON.stringify(status.recentLogs));
});

test("resources: a Limit*= that cannot be applied fails the start with result resources", async () => {
  assert.notEqual((await steward.run("start", "limits")).code, 0);
  assert.equal((await steward.status("limits.service")).result, "resources");
});

test("a broken unit names file, line, key and reason; the others still run", async () => {
  const result = await steward.run("status", "broken", "--json");
  const [status] = JSON.parse(result.stdout) as { load: string; loadError: { file: string; line: number; key: string; message: string } }[];
  assert.equal(status?.load, "bad-setting");
  assert.equal(status?.loadError.file, join(steward.unitDir, "broken.service"));
  assert.equal(status?.loadError.line, 6);
  assert.equal(status?.loadError.key, "Restart");
  assert.match(status?.loadError.message ?? "", /sometimes/);
  assert.equal(result.code, 3, "status of a unit that is not active exits 3");
  const start = await steward.run("start", "broken");
  assert.notEqual(start.code, 0);
  await steward.waitActive("simple.service");
});

test("status of a unit that does not exist exits 4", async () => {
  const result = await steward.run("status", "no-such-unit");
  assert.equal(result.code, 4);
  assert.match(result.stderr, /no-such-unit\.service could not be found/);
});

test("stop, start and restart behave as systemctl's do", async () => {
  const before = (await steward.status("simple.service")).mainPid;
  assert.equal((await steward.run("stop", "simple")).code, 0);
  assert.equal((await steward.status("simple.service")).active, "inactive");
  assert.equal((await steward.run("status", "simple")).code, 3);
  assert.equal((await steward.run("start", "simple")).code, 0);
  const started = (await steward.status("simple.service")).mainPid;
  assert.ok(started !== null && started !== before);
  assert.equal((await steward.run("restart", "simple")).code, 0);
  const restarted = await steward.status("simple.service");
  assert.equal(restarted.active, "active");
  assert.notEqual(restarted.mainPid, started);
});

test("a restart job stops with RestartKillSignal=, a stop with KillSignal=", async () => {
  assert.equal((await steward.run("start", "signalled")).code, 0);
  assert.equal((await steward.run("restart", "signalled")).code, 0);
  assert.equal((await steward.run("stop", "signalled")).code, 0);
  assert.equal(readFileSync(signals, "utf8"), "USR2\nTERM\n");
});

test("list --json is an array of {name, load, active, sub, description}", async () => {
  const result = await steward.run("list", "--json");
  const entries = JSON.parse(result.stdout) as Record<string, unknown>[];
  const broken = entries.find((e) => e.name === "broken.service");
  assert.deepEqual(broken, { name: "broken.service", load: "bad-setting", active: "inactive", sub: "dead", description: "has a bad value" });
});

test("SIGTERM stops every unit; the manager exits 0 and leaves no process behind", async () => {
  assert.ok(steward.strays().length >= 6, "the services are running");
  assert.equal(await steward.stopManager("SIGTERM"), 0);
  assert.deepEqual(steward.strays(), []);
});
