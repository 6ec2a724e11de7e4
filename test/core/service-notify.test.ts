import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { advance, exit, gone, notify, reload, runRow, send, start, stopped, timer } from "./service-harness.js";
import type { Action, Row } from "./service-harness.js";

const { SIGTERM, SIGCONT, SIGHUP, SIGUSR1, SIGSTOP, SIGTSTP } = constants.signals;

const notifyUnit = "Type=notify\nExecStart=/bin/daemon";
const ready = notify("main", "READY=1");
const ok = { mainPidCheck: { kind: "ok" } } as const;

const notifyRows: Row[] = [
  {
    behaviour: "notify: activating until READY=1, with the start timeout armed",
    unit: notifyUnit,
    story: [start],
    expect: { sub: "start", mainPid: 100, check: (d) => assert.equal(d.timer, d.now + 90_000_000) },
  },
  {
    behaviour: "notify: READY=1 from the main process makes it running",
    unit: notifyUnit,
    story: [start, ready],
    expect: { sub: "running", effects: { "disarm-timer": true }, check: (d) => assert.equal(d.runtime.readySince, d.now) },
  },
  {
    behaviour: "notify: READY=1 from a non-main pid is ignored under NotifyAccess=main",
    unit: notifyUnit,
    story: [start, notify(555, "READY=1", { member: true })],
    expect: { sub: "start" },
  },
  {
    behaviour: "notify: NotifyAccess=all accepts READY=1 from another process of the service",
    unit: `${notifyUnit}\nNotifyAccess=all`,
    story: [start, notify(555, "READY=1", { member: true })],
    expect: { sub: "running" },
  },
  {
    behaviour: "notify: NotifyAccess=all refuses a process outside the service",
    unit: `${notifyUnit}\nNotifyAccess=all`,
    story: [start, notify(555, "READY=1", { member: false })],
    expect: { sub: "start" },
  },
  {
    behaviour: "notify: NotifyAccess=exec accepts STATUS= from a control process",
    unit: `${notifyUnit}\nNotifyAccess=exec\nExecStartPost=/bin/post`,
    story: [start, ready, notify("control", "STATUS=warming up")],
    expect: { sub: "start-post", check: (d) => assert.equal(d.runtime.statusText, "warming up") },
  },
  {
    behaviour: "notify: NotifyAccess=main ignores STATUS= from a control process",
    unit: `${notifyUnit}\nExecStartPost=/bin/post`,
    story: [start, ready, notify("control", "STATUS=warming up")],
    expect: { check: (d) => assert.equal(d.runtime.statusText, null) },
  },
  {
    behaviour: "notify: NOTIFYACCESS=all from the main process widens access for this run",
    unit: notifyUnit,
    story: [start, notify("main", "NOTIFYACCESS=all"), notify(555, "READY=1", { member: true })],
    expect: { sub: "running", check: (d) => assert.equal(d.runtime.notifyAccessOverride, "all") },
  },
  {
    behaviour: "notify: STATUS= and ERRNO= are recorded, an empty STATUS= clears",
    unit: notifyUnit,
    story: [start, notify("main", "STATUS=loading\nERRNO=2"), notify("main", "STATUS=")],
    expect: { check: (d) => assert.deepEqual([d.runtime.statusText, d.runtime.errno], [null, 2]) },
  },
  {
    behaviour: "notify: MAINPID= that the manager checked moves the main PID",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPID=300", ok)],
    expect: { sub: "running", mainPid: 300, effects: { "watch-main-pid": true } },
  },
  {
    behaviour: "notify: MAINPID= the manager refused is ignored",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPID=1", { mainPidCheck: { kind: "refused", reason: "PID 1 cannot be a main process" } })],
    expect: { mainPid: 100, effects: { "watch-main-pid": false } },
  },
  {
    behaviour: "notify: MAINPID= naming the control process is refused",
    unit: `${notifyUnit}\nNotifyAccess=all\nExecStartPost=/bin/post`,
    story: [start, ready, notify("main", "MAINPID=200", ok)],
    expect: { mainPid: 100 },
  },
  {
    behaviour: "notify: the old main exiting after MAINPID= changed nothing",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPID=300", ok), send({ kind: "child-exited", pid: 100, end: { kind: "exited", code: 0 } })],
    expect: { sub: "running", mainPid: 300 },
  },
  {
    behaviour: "notify: exiting 0 before READY=1 fails with protocol",
    unit: notifyUnit,
    story: [start, exit("main", 0), gone, gone],
    expect: { sub: "failed", result: "protocol" },
  },
  {
    behaviour: "notify: exiting 1 before READY=1 fails with exit-code",
    unit: notifyUnit,
    story: [start, exit("main", 1), gone, gone],
    expect: { sub: "failed", result: "exit-code" },
  },
  {
    behaviour: "notify: no READY=1 within TimeoutStartSec= fails with timeout",
    unit: notifyUnit,
    story: [start, timer],
    expect: {
      sub: "stop-sigterm",
      result: "timeout",
      signalled: [`main:${SIGTERM}`, `main:${SIGCONT}`, `others:${SIGTERM}`, `others:${SIGCONT}`],
    },
  },
  {
    behaviour: "notify: with RemainAfterExit= and NotifyAccess=all another process may still send READY=1",
    unit: `${notifyUnit}\nRemainAfterExit=yes\nNotifyAccess=all`,
    story: [start, exit("main", 0), notify(555, "READY=1", { member: true })],
    expect: { sub: "exited", result: "success" },
  },
  {
    behaviour: "notify: ... but the service emptying first fails with protocol",
    unit: `${notifyUnit}\nRemainAfterExit=yes\nNotifyAccess=all`,
    story: [start, exit("main", 0), gone],
    expect: { result: "protocol" },
  },
  {
    behaviour: "notify: STOPPING=1 while running enters stop-sigterm without a signal",
    unit: notifyUnit,
    story: [start, ready, notify("main", "STOPPING=1")],
    expect: { sub: "stop-sigterm", signalled: [], check: (d) => assert.equal(d.timer, d.now + 90_000_000) },
  },
  {
    behaviour: "notify: STOPPING=1 wins over READY=1 in one message",
    unit: notifyUnit,
    story: [start, ready, notify("main", "READY=1\nSTOPPING=1")],
    expect: { sub: "stop-sigterm" },
  },
  {
    behaviour: "notify: READY=1 after STOPPING=1 does not bring the service back",
    unit: notifyUnit,
    story: [start, ready, notify("main", "STOPPING=1"), ready],
    expect: { sub: "stop-sigterm" },
  },
  {
    behaviour: "notify: the main process exiting after STOPPING=1 ends the service cleanly",
    unit: `${notifyUnit}\nKillMode=process\nRestart=on-failure`,
    story: [start, ready, notify("main", "STOPPING=1"), exit("main", 0)],
    expect: { sub: "dead", result: "success" },
  },
  {
    behaviour: "notify: RELOADING=1 while running enters reload-notify",
    unit: notifyUnit,
    story: [start, ready, notify("main", "RELOADING=1")],
    expect: { sub: "reload-notify", active: "reloading" },
  },
  {
    behaviour: "notify: READY=1 after RELOADING=1 returns to running",
    unit: notifyUnit,
    story: [start, ready, notify("main", "RELOADING=1"), ready],
    expect: { sub: "running", check: (d) => assert.equal(d.runtime.reloadResult, "success") },
  },
  {
    behaviour: "notify: RELOADING=1 during ExecStartPost= is acted on once it would be running",
    unit: `${notifyUnit}\nExecStartPost=/bin/post`,
    story: [start, ready, notify("main", "RELOADING=1"), exit("control", 0)],
    expect: { sub: "reload-notify" },
  },
  {
    behaviour: "notify: RESTART_RESET=1 while running resets the restart counter",
    unit: `${notifyUnit}\nRestart=always\nKillMode=process`,
    story: [start, ready, exit("main", 1), timer, ready, notify("main", "RESTART_RESET=1")],
    expect: { sub: "running", restarts: 0 },
  },
  {
    behaviour: "notify: notifications are refused under NotifyAccess=none (simple)",
    unit: "ExecStart=/bin/web",
    story: [start, notify("main", "STATUS=hello")],
    expect: { check: (d) => assert.equal(d.runtime.statusText, null) },
  },
];

const notifyReload = "Type=notify-reload\nExecStart=/bin/daemon";
/** RELOADING=1 stamped `offset` µs after the reload request (the driver's clock is CLOCK_MONOTONIC). */
const reloading =
  (offset: number, alsoReady = false): Action =>
  (d) =>
    void d.notify("main", `RELOADING=1\nMONOTONIC_USEC=${(d.runtime.reloadBeganAt ?? 0) + offset}${alsoReady ? "\nREADY=1" : ""}`);

const notifyReloadRows: Row[] = [
  {
    behaviour: "notify-reload: reload sends ReloadSignal= then SIGCONT to the main process",
    unit: notifyReload,
    story: [start, ready, reload],
    expect: { sub: "reload-signal", active: "reloading", signalled: [`main:${SIGHUP}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "notify-reload: ReloadSignal= picks the signal",
    unit: `${notifyReload}\nReloadSignal=SIGUSR1`,
    story: [start, ready, reload],
    expect: { signalled: [`main:${SIGUSR1}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "notify-reload: RELOADING=1 stamped after the request moves to reload-notify",
    unit: notifyReload,
    story: [start, ready, reload, advance(10), reloading(5)],
    expect: { sub: "reload-notify" },
  },
  {
    behaviour: "notify-reload: READY=1 then completes the reload",
    unit: notifyReload,
    story: [start, ready, reload, reloading(5), ready],
    expect: { sub: "running", check: (d) => assert.equal(d.runtime.reloadResult, "success") },
  },
  {
    behaviour: "notify-reload: RELOADING=1 stamped before the request is not this reload",
    unit: notifyReload,
    story: [start, ready, reload, reloading(-1)],
    expect: { sub: "reload-signal" },
  },
  {
    behaviour: "notify-reload: RELOADING=1 without MONOTONIC_USEC= is not this reload",
    unit: notifyReload,
    story: [start, ready, reload, notify("main", "RELOADING=1")],
    expect: { sub: "reload-signal" },
  },
  {
    behaviour: "notify-reload: RELOADING=1 and READY=1 in one message complete the reload",
    unit: notifyReload,
    story: [start, ready, reload, reloading(1, true)],
    expect: { sub: "running" },
  },
  {
    behaviour: "notify-reload: no answer within TimeoutStartSec= fails the reload but it keeps running",
    unit: notifyReload,
    story: [start, ready, reload, timer],
    expect: { sub: "running", result: "success", check: (d) => assert.equal(d.runtime.reloadResult, "timeout") },
  },
  {
    behaviour: "notify-reload: STOPPING=1 while waiting for the reload stops the service",
    unit: notifyReload,
    story: [start, ready, reload, notify("main", "STOPPING=1")],
    expect: { sub: "stop-sigterm" },
  },
  {
    behaviour: "notify-reload: ExecReload= runs first, then the signal",
    unit: `${notifyReload}\nExecReload=/bin/prepare`,
    story: [start, ready, reload],
    expect: {
      sub: "reload",
      spawned: ["ExecReload[0]"],
      signalled: [],
      check: (d) => {
        const spawn = d.effects.find((e) => e.kind === "spawn");
        assert.deepEqual(spawn?.kind === "spawn" ? spawn.extraEnv : null, { MAINPID: "100" });
      },
    },
  },
  {
    behaviour: "notify-reload: after ExecReload= the signal is sent",
    unit: `${notifyReload}\nExecReload=/bin/prepare`,
    story: [start, ready, reload, exit("control", 0)],
    expect: { sub: "reload-signal", signalled: [`main:${SIGHUP}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "notify: without ExecReload= a reload request is refused and it stays running",
    unit: notifyUnit,
    story: [start, ready, reload],
    expect: { sub: "running", effects: { log: true } },
  },
  {
    behaviour: "notify: ExecReload= failing leaves it running with reloadResult exit-code",
    unit: `${notifyUnit}\nExecReload=/bin/reload`,
    story: [start, ready, reload, exit("control", 1)],
    expect: { sub: "running", result: "success", check: (d) => assert.equal(d.runtime.reloadResult, "exit-code") },
  },
  {
    behaviour: "notify: the main process exiting during ExecReload= stops after it",
    unit: `${notifyUnit}\nExecReload=/bin/reload\nExecStop=/bin/stop`,
    story: [start, ready, reload, exit("main", 0), exit("control", 0)],
    expect: { sub: "stop", spawned: ["ExecStop[0]"] },
  },
];

const stopUnit = "Type=stop\nExecStart=/bin/job";

const stopTypeRows: Row[] = [
  {
    behaviour: "stop: the main process is spawned to report SIGSTOP",
    unit: stopUnit,
    story: [start],
    expect: {
      sub: "start",
      check: (d) => {
        const spawn = d.effects.find((e) => e.kind === "spawn");
        assert.equal(spawn?.kind === "spawn" && spawn.expectReadinessBySigstop, true);
      },
    },
  },
  {
    behaviour: "stop: the main process stopping itself with SIGSTOP is ready, and is sent SIGCONT",
    unit: stopUnit,
    story: [start, stopped("main", SIGSTOP)],
    expect: { sub: "running", mainPid: 100, signalled: [`main:${SIGCONT}`] },
  },
  {
    behaviour: "stop: ExecStartPost= runs only after the SIGSTOP",
    unit: `${stopUnit}\nExecStartPost=/bin/post`,
    story: [start, stopped("main", SIGSTOP)],
    expect: { sub: "start-post", spawned: ["ExecStartPost[0]"] },
  },
  {
    behaviour: "stop: a terminal stop signal (SIGTSTP) is not readiness",
    unit: stopUnit,
    story: [start, stopped("main", SIGTSTP)],
    expect: { sub: "start", signalled: [] },
  },
  {
    behaviour: "stop: READY=1 is not readiness for Type=stop",
    unit: `${stopUnit}\nNotifyAccess=main`,
    story: [start, ready],
    expect: { sub: "start" },
  },
  {
    behaviour: "stop: exiting 0 before stopping itself fails with protocol",
    unit: `${stopUnit}\nKillMode=process`,
    story: [start, exit("main", 0)],
    expect: { sub: "failed", result: "protocol" },
  },
  {
    behaviour: "stop: no SIGSTOP within TimeoutStartSec= fails with timeout",
    unit: `${stopUnit}\nTimeoutStartSec=5`,
    story: [start, timer],
    expect: { sub: "stop-sigterm", result: "timeout" },
  },
  {
    behaviour: "simple: a stopped main process is not readiness for other types",
    unit: "ExecStart=/bin/web\nExecStartPost=/bin/post",
    story: [start, stopped("main", SIGSTOP)],
    expect: { sub: "start-post", signalled: [] },
  },
];

for (const row of [...notifyRows, ...notifyReloadRows, ...stopTypeRows]) test(row.behaviour, () => runRow(row));
