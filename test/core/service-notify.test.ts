import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { advance, exit, gone, notify, reload, runRow, send, start, stop, stopped, timer } from "./service-harness.js";
import type { Action, Row, ServiceDriver } from "./service-harness.js";

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

/** Log lines of the whole story that mention `text`. */
const logsAbout = (d: ServiceDriver, text: string): string[] =>
  d.history.flatMap((e) => (e.kind === "log" && e.message.includes(text) ? [`${e.level}: ${e.message}`] : []));

const refusalRows: Row[] = [
  {
    behaviour: "notify: a refused notification is logged with the sender's PID and the reason",
    unit: notifyUnit,
    story: [start, notify(555, "READY=1", { member: true })],
    expect: {
      sub: "start",
      check: (d) =>
        assert.deepEqual(logsAbout(d, "PID 555"), ["notice: Ignoring notification from PID 555: only the main process (PID 100) may send (NotifyAccess=main)."]),
    },
  },
  {
    behaviour: "notify: a refused sender is logged once per start, however often it sends",
    unit: notifyUnit,
    story: [start, notify(555, "READY=1"), notify(555, "STATUS=x"), notify(555, "READY=1")],
    expect: { check: (d) => (assert.equal(logsAbout(d, "PID 555").length, 1), assert.deepEqual(d.runtime.refusedNotifySenders, [555])) },
  },
  {
    behaviour: "notify: each refused sender is logged once",
    unit: notifyUnit,
    story: [start, notify(555, "READY=1"), notify(556, "READY=1"), notify(555, "READY=1")],
    expect: { check: (d) => assert.deepEqual([logsAbout(d, "PID 555").length, logsAbout(d, "PID 556").length], [1, 1]) },
  },
  {
    behaviour: "notify: under NotifyAccess=none a refusal is a warning",
    unit: "ExecStart=/bin/web",
    story: [start, notify("main", "READY=1"), notify("main", "READY=1")],
    expect: { check: (d) => assert.deepEqual(logsAbout(d, "PID 100"), ["warning: Ignoring notification from PID 100: reception is disabled (NotifyAccess=none)."]) },
  },
  {
    behaviour: "notify: NotifyAccess=exec names the processes that may send",
    unit: `${notifyUnit}\nNotifyAccess=exec\nExecStartPost=/bin/post`,
    story: [start, ready, notify(555, "STATUS=x")],
    expect: { check: (d) => assert.match(logsAbout(d, "PID 555")[0] ?? "", /only the main and control processes \(PID 100, 200\) may send \(NotifyAccess=exec\)/) },
  },
  {
    behaviour: "notify: refused senders are forgotten at the next start",
    unit: `${notifyUnit}\nRestart=always\nKillMode=process`,
    story: [start, notify(555, "READY=1"), ready, exit("main", 1), timer, notify(555, "READY=1")],
    expect: { sub: "start", restarts: 1, check: (d) => (assert.equal(logsAbout(d, "PID 555").length, 2), assert.deepEqual(d.runtime.refusedNotifySenders, [555])) },
  },
  {
    behaviour: "notify: a refused message never changes state, whatever it says",
    unit: `${notifyUnit}\nWatchdogSec=10`,
    story: [
      start,
      ready,
      notify(555, "STOPPING=1\nSTATUS=bye\nERRNO=5\nNOTIFYACCESS=all\nWATCHDOG=trigger\nWATCHDOG_USEC=0\nEXTEND_TIMEOUT_USEC=99000000\nMAINPID=555\nRESTART_RESET=1", {
        member: true,
        mainPidCheck: { kind: "ok" },
      }),
    ],
    expect: {
      sub: "running",
      mainPid: 100,
      result: "success",
      effects: { "arm-timer": false, "disarm-timer": false, signal: false, "watch-main-pid": false, log: true },
      check: (d) => {
        assert.deepEqual([d.runtime.statusText, d.runtime.errno, d.runtime.notifyAccessOverride, d.runtime.watchdogUsec], [null, null, null, 10_000_000]);
        assert.equal(d.timer, d.now + 10_000_000);
      },
    },
  },
];

const mainPidFdRows: Row[] = [
  {
    behaviour: "notify: MAINPIDFD=1 with one fd moves the main PID to the pidfd's process",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPIDFD=1", { fds: 1, mainPidFromFd: 300, ...ok })],
    expect: {
      sub: "running",
      mainPid: 300,
      check: (d) => assert.deepEqual(d.effects.filter((e) => e.kind === "watch-main-pid"), [{ kind: "watch-main-pid", pid: 300 }]),
    },
  },
  {
    behaviour: "notify: MAINPIDFD=1 wins over MAINPID=",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPIDFD=1\nMAINPID=400", { fds: 1, mainPidFromFd: 300, ...ok })],
    expect: { mainPid: 300 },
  },
  {
    behaviour: "notify: MAINPIDFD=1 before READY=1 names the main process that then reports ready",
    unit: notifyUnit,
    story: [start, notify("main", "MAINPIDFD=1", { fds: 1, mainPidFromFd: 300, ...ok }), notify(300, "READY=1")],
    expect: { sub: "running", mainPid: 300 },
  },
  {
    behaviour: "notify: MAINPIDFD=1 whose pidfd the manager could not read is refused",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPIDFD=1", { fds: 1, ...ok })],
    expect: { mainPid: 100, effects: { "watch-main-pid": false, log: true } },
  },
  {
    behaviour: "notify: MAINPIDFD=1 without exactly one fd is ignored, and MAINPID= with it",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPIDFD=1\nMAINPID=400", { fds: 2, mainPidFromFd: 300, ...ok })],
    expect: { mainPid: 100, effects: { "watch-main-pid": false } },
  },
  {
    behaviour: "notify: MAINPIDFD=1 the manager refused is ignored",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPIDFD=1", { fds: 1, mainPidFromFd: 300, mainPidCheck: { kind: "refused", reason: "PID 300 does not belong to the service" } })],
    expect: { mainPid: 100, check: (d) => assert.equal(logsAbout(d, "MAINPIDFD=1").length, 1) },
  },
  {
    behaviour: "notify: MAINPIDFD=1 naming the control process is refused",
    unit: `${notifyUnit}\nExecStartPost=/bin/post`,
    story: [start, ready, notify("main", "MAINPIDFD=1", { fds: 1, mainPidFromFd: 200, ...ok })],
    expect: { sub: "start-post", mainPid: 100 },
  },
  {
    behaviour: "notify: MAINPID= with a MAINPIDFDID= the manager verified moves the main PID",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPID=300\nMAINPIDFDID=4242", ok)],
    expect: { mainPid: 300 },
  },
  {
    behaviour: "notify: MAINPID= whose MAINPIDFDID= does not match is ignored",
    unit: notifyUnit,
    story: [start, ready, notify("main", "MAINPID=300\nMAINPIDFDID=4242", { mainPidCheck: { kind: "refused", reason: "its pidfd ID is 17, not MAINPIDFDID=4242" } })],
    expect: { mainPid: 100, effects: { "watch-main-pid": false } },
  },
  {
    behaviour: "notify: MAINPID= is accepted while stopping (stop-sigterm, v257)",
    unit: `${notifyUnit}\nKillMode=process`,
    story: [start, ready, stop, notify("main", "MAINPID=300", ok)],
    expect: { sub: "stop-sigterm", mainPid: 300 },
  },
  {
    behaviour: "notify: MAINPID= is not accepted once the kill stages escalate (stop-sigkill)",
    unit: `${notifyUnit}\nKillMode=process\nTimeoutStopSec=2`,
    story: [start, ready, stop, timer, notify("main", "MAINPID=300", ok)],
    expect: { sub: "stop-sigkill", mainPid: 100 },
  },
];

const accessRows: Row[] = [
  {
    behaviour: "notify: NOTIFYACCESS= is reset on the next start",
    unit: `${notifyUnit}\nRestart=always\nKillMode=process`,
    story: [start, ready, notify("main", "NOTIFYACCESS=all"), exit("main", 1), timer, notify(555, "READY=1", { member: true })],
    expect: { sub: "start", check: (d) => assert.equal(d.runtime.notifyAccessOverride, null) },
  },
  {
    behaviour: "notify: NOTIFYACCESS= is reset when the service goes dead",
    unit: `${notifyUnit}\nKillMode=process`,
    story: [start, ready, notify("main", "NOTIFYACCESS=all"), stop, exit("main", 0)],
    expect: { sub: "dead", check: (d) => assert.equal(d.runtime.notifyAccessOverride, null) },
  },
  {
    behaviour: "notify: NOTIFYACCESS=none from the main process shuts out even the main process",
    unit: notifyUnit,
    story: [start, notify("main", "NOTIFYACCESS=none"), ready],
    expect: { sub: "start", check: (d) => assert.equal(d.runtime.notifyAccessOverride, "none") },
  },
  {
    behaviour: "notify: NOTIFYACCESS= equal to NotifyAccess= sets no override",
    unit: notifyUnit,
    story: [start, notify("main", "NOTIFYACCESS=main")],
    expect: { check: (d) => assert.equal(d.runtime.notifyAccessOverride, null) },
  },
  {
    behaviour: "notify: NOTIFYACCESS= with READY=1 in one message: READY=1 is judged by the old access",
    unit: notifyUnit,
    story: [start, notify(555, "NOTIFYACCESS=all\nREADY=1", { member: true })],
    expect: { sub: "start", check: (d) => assert.equal(d.runtime.notifyAccessOverride, null) },
  },
];

const restartReset = "Type=notify\nExecStart=/bin/daemon\nRestart=always\nKillMode=process\nRestartSec=1\nRestartSteps=3\nRestartMaxDelaySec=8";
const crashAndRestart: Action[] = [exit("main", 1), timer, ready];

const stateRows: Row[] = [
  {
    behaviour: "notify: RestartSteps= grows the delay with the restart counter (4s before the third restart)",
    unit: restartReset,
    story: [start, ready, ...crashAndRestart, ...crashAndRestart, exit("main", 1)],
    expect: { sub: "auto-restart", restarts: 2, check: (d) => assert.equal(d.timer, d.now + 4_000_000) },
  },
  {
    behaviour: "notify: RESTART_RESET=1 restores RestartSec= when RestartSteps= is in use",
    unit: restartReset,
    story: [start, ready, ...crashAndRestart, ...crashAndRestart, notify("main", "RESTART_RESET=1"), exit("main", 1)],
    expect: { sub: "auto-restart", restarts: 0, check: (d) => assert.equal(d.timer, d.now + 1_000_000) },
  },
  {
    behaviour: "notify: RESTART_RESET=1 from a non-main pid is ignored under NotifyAccess=main",
    unit: restartReset,
    story: [start, ready, ...crashAndRestart, notify(555, "RESTART_RESET=1", { member: true })],
    expect: { restarts: 1 },
  },
  {
    behaviour: "notify: ERRNO= and STATUS= are forgotten at the next start",
    unit: `${notifyUnit}\nRestart=always\nKillMode=process`,
    story: [start, ready, notify("main", "STATUS=broken\nERRNO=5"), exit("main", 1), timer],
    expect: { sub: "start", check: (d) => assert.deepEqual([d.runtime.statusText, d.runtime.errno], [null, null]) },
  },
  {
    behaviour: "notify: ERRNO= of a failed service is kept after it ends",
    unit: `${notifyUnit}\nKillMode=process`,
    story: [start, ready, notify("main", "ERRNO=28\nSTATUS=disk full"), exit("main", 1)],
    expect: { sub: "failed", check: (d) => assert.deepEqual([d.runtime.statusText, d.runtime.errno], ["disk full", 28]) },
  },
  {
    behaviour: "notify: STOPPING=1 wins over RELOADING=1 in one message",
    unit: notifyUnit,
    story: [start, ready, notify("main", "RELOADING=1\nSTOPPING=1")],
    expect: { sub: "stop-sigterm", signalled: [] },
  },
  {
    behaviour: "notify: READY=1 wins over RELOADING=1 in one message while running: no reload",
    unit: notifyUnit,
    story: [start, ready, notify("main", "READY=1\nRELOADING=1")],
    expect: { sub: "running" },
  },
  {
    behaviour: "notify: STOPPING=1 before READY=1 is recorded; READY=1 then cannot make it ready",
    unit: notifyUnit,
    story: [start, notify("main", "STOPPING=1"), ready],
    expect: { sub: "start", check: (d) => assert.equal(d.runtime.notifyPhase, "stopping") },
  },
  {
    behaviour: "notify: STOPPING=1 during ExecStartPost= stops, without a signal, once it would be running",
    unit: `${notifyUnit}\nExecStartPost=/bin/post`,
    story: [start, ready, notify("main", "STOPPING=1"), exit("control", 0)],
    expect: { sub: "stop-sigterm", signalled: [] },
  },
  {
    behaviour: "notify: RELOADING=1 after STOPPING=1 does not start a reload",
    unit: `${notifyUnit}\nKillMode=process`,
    story: [start, ready, notify("main", "STOPPING=1"), notify("main", "RELOADING=1")],
    expect: { sub: "stop-sigterm", check: (d) => assert.equal(d.runtime.notifyPhase, "stopping") },
  },
  {
    behaviour: "notify: STOPPING=1 is forgotten at the next start",
    unit: `${notifyUnit}\nRestart=always\nKillMode=process`,
    story: [start, ready, notify("main", "STOPPING=1"), exit("main", 1), timer, ready],
    expect: { sub: "running" },
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

for (const row of [...notifyRows, ...refusalRows, ...mainPidFdRows, ...accessRows, ...stateRows, ...notifyReloadRows, ...stopTypeRows]) {
  test(row.behaviour, () => runRow(row));
}
