import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { RESTART_POLICIES } from "../../src/units/service-section.js";
import { advance, exit, killed, notify, reload, runRow, SECOND, start, stop, timer } from "./service-harness.js";
import type { Action, Row, ServiceDriver } from "./service-harness.js";

const { SIGABRT, SIGCONT, SIGKILL, SIGQUIT } = constants.signals;

const daemon = "Type=notify\nExecStart=/bin/daemon";
const watched = `${daemon}\nWatchdogSec=10`;
const ready = notify("main", "READY=1");
const ping = notify("main", "WATCHDOG=1");
const abort = (scope: string) => [`${scope}:${SIGABRT}`, `${scope}:${SIGCONT}`];

/** The armed timer is `usec` from now. */
const timerIn = (usec: number) => (d: ServiceDriver) => assert.equal(d.timer, d.now + usec);
const noWatchdog = (d: ServiceDriver) => assert.equal(d.runtime.watchdog, null);
/** The timer fires `usec` from now, not at the armed time (a stale or early timer event). */
const timerEventIn = (usec: number): Action => (d) => void d.advance(usec).send({ kind: "timer" });

const watchdogRows: Row[] = [
  {
    behaviour: "watchdog: not armed before READY=1 (notify)",
    unit: watched,
    story: [start],
    expect: { sub: "start", check: (d) => (timerIn(90 * SECOND)(d), noWatchdog(d)) },
  },
  {
    behaviour: "watchdog: armed at READY=1, the timer at now + WatchdogSec=",
    unit: watched,
    story: [start, advance(3 * SECOND), ready],
    expect: {
      sub: "running",
      effects: { "arm-timer": true },
      check: (d) => {
        timerIn(10 * SECOND)(d);
        assert.deepEqual(d.runtime.watchdog, { resetAt: d.now, deadline: d.now + 10 * SECOND });
      },
    },
  },
  {
    behaviour: "watchdog: armed as soon as a simple service is spawned",
    unit: "ExecStart=/bin/web\nWatchdogSec=10",
    story: [start],
    expect: { sub: "running", check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "watchdog: no WATCHDOG=1 within WatchdogSec= stops with result watchdog",
    unit: watched,
    story: [start, ready, timer],
    expect: {
      sub: "stop-watchdog",
      active: "deactivating",
      result: "watchdog",
      signalled: [...abort("main"), ...abort("others")],
      // TimeoutAbortSec= unset: TimeoutStopSec= (90s).
      check: (d) => (timerIn(90 * SECOND)(d), noWatchdog(d)),
    },
  },
  {
    behaviour: "watchdog: WATCHDOG=1 resets the deadline to now + WatchdogSec=",
    unit: watched,
    story: [start, ready, advance(8 * SECOND), ping],
    expect: { sub: "running", effects: { "arm-timer": true }, check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "watchdog: pinged in time, the timer of the old deadline changes nothing",
    unit: watched,
    story: [start, ready, advance(8 * SECOND), ping, timerEventIn(4 * SECOND)],
    expect: { sub: "running", result: "success", check: timerIn(6 * SECOND) },
  },
  {
    behaviour: "watchdog: expires WatchdogSec= after the last WATCHDOG=1",
    unit: watched,
    story: [start, ready, advance(8 * SECOND), ping, advance(8 * SECOND), ping, timerEventIn(9 * SECOND), timerEventIn(1 * SECOND)],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "watchdog: WATCHDOG=1 from a non-main pid is ignored under NotifyAccess=main",
    unit: watched,
    story: [start, ready, advance(8 * SECOND), notify(555, "WATCHDOG=1", { member: true })],
    expect: { sub: "running", effects: { "arm-timer": false }, check: timerIn(2 * SECOND) },
  },
  {
    behaviour: "watchdog: ... and the watchdog then expires",
    unit: watched,
    story: [start, ready, advance(8 * SECOND), notify(555, "WATCHDOG=1", { member: true }), timer],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "watchdog: NotifyAccess=all accepts WATCHDOG=1 from another process of the service",
    unit: `${watched}\nNotifyAccess=all`,
    story: [start, ready, advance(8 * SECOND), notify(555, "WATCHDOG=1", { member: true })],
    expect: { sub: "running", check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "watchdog: NotifyAccess=exec accepts WATCHDOG=1 from ExecStartPost=",
    unit: `${watched}\nNotifyAccess=exec\nExecStartPost=/bin/post`,
    story: [start, ready, advance(8 * SECOND), notify("control", "WATCHDOG=1")],
    expect: { sub: "start-post", check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "watchdog: WatchdogSignal= picks the signal",
    unit: `${watched}\nWatchdogSignal=SIGQUIT\nKillMode=process`,
    story: [start, ready, timer],
    expect: { sub: "stop-watchdog", signalled: [`main:${SIGQUIT}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "watchdog: TimeoutAbortSec= is the wait after WatchdogSignal=",
    unit: `${watched}\nTimeoutAbortSec=3\nTimeoutStopSec=30`,
    story: [start, ready, timer],
    expect: { sub: "stop-watchdog", check: timerIn(3 * SECOND) },
  },
  {
    behaviour: "watchdog: after TimeoutAbortSec= comes FinalKillSignal=, the result stays watchdog",
    unit: `${watched}\nTimeoutAbortSec=3\nKillMode=process`,
    story: [start, ready, timer, timer],
    expect: { sub: "stop-sigkill", result: "watchdog", signalled: [`main:${SIGKILL}`] },
  },
  {
    behaviour: "watchdog: with SendSIGKILL=no the abort timeout goes on to ExecStopPost=",
    unit: `${watched}\nTimeoutAbortSec=3\nKillMode=process\nSendSIGKILL=no\nExecStopPost=/bin/cleanup`,
    story: [start, ready, timer, timer],
    expect: { sub: "stop-post", result: "watchdog", spawned: ["ExecStopPost[0]"], check: (d) => assert.equal(d.effects.some((e) => e.kind === "spawn" && e.extraEnv.SERVICE_RESULT === "watchdog"), true) },
  },
  {
    behaviour: "watchdog: the main process dumping core on SIGABRT ends failed with result watchdog",
    unit: `${watched}\nKillMode=process`,
    story: [start, ready, timer, exit("main", killed(SIGABRT, true))],
    expect: { sub: "failed", result: "watchdog", check: noWatchdog },
  },
  {
    behaviour: "watchdog: runs during ExecStartPost=, which gets WatchdogSignal= too",
    unit: `${watched}\nExecStartPost=/bin/post\nKillMode=process`,
    story: [start, ready, timer],
    expect: { sub: "stop-watchdog", result: "watchdog", signalled: [...abort("main"), ...abort("control")] },
  },
  {
    behaviour: "watchdog: the timer is the earlier of the start timeout and the watchdog",
    unit: `${watched}\nExecStartPost=/bin/post\nTimeoutStartSec=5`,
    story: [start, ready],
    expect: { sub: "start-post", check: timerIn(5 * SECOND) },
  },
  {
    behaviour: "watchdog: RuntimeMaxSec= earlier than the watchdog still ends in a timeout",
    unit: `${watched}\nRuntimeMaxSec=5`,
    story: [start, ready, timer],
    expect: { sub: "stop-sigterm", result: "timeout" },
  },
  {
    behaviour: "watchdog: does not count while the service stops",
    unit: watched,
    story: [start, ready, advance(8 * SECOND), stop, ping],
    expect: { sub: "stop-sigterm", result: "success", check: (d) => (timerIn(90 * SECOND)(d), noWatchdog(d)) },
  },
  {
    behaviour: "watchdog: WATCHDOG=1 before READY=1 does not arm it",
    unit: watched,
    story: [start, advance(SECOND), ping],
    expect: { sub: "start", effects: { "arm-timer": false }, check: (d) => (noWatchdog(d), timerIn(89 * SECOND)(d)) },
  },
  {
    behaviour: "watchdog: keeps counting through a reload, not reset by it",
    unit: `${watched}\nExecReload=/bin/reload`,
    story: [start, ready, advance(4 * SECOND), reload],
    expect: { sub: "reload", check: timerIn(6 * SECOND) },
  },
  {
    behaviour: "watchdog: expiring during ExecReload= stops the service; the reload process gets WatchdogSignal= too",
    unit: `${watched}\nExecReload=/bin/reload\nKillMode=process`,
    story: [start, ready, reload, timer],
    expect: { sub: "stop-watchdog", result: "watchdog", signalled: [...abort("main"), ...abort("control")] },
  },
  {
    behaviour: "watchdog: a reload timeout due with the watchdog is handled first, the watchdog right after",
    unit: `${daemon}\nWatchdogSec=5\nTimeoutStartSec=5\nExecReload=/bin/reload\nKillMode=process`,
    story: [start, ready, reload, timer],
    expect: {
      sub: "running",
      check: (d) => {
        assert.equal(d.runtime.reloadResult, "timeout");
        // Re-armed at the watchdog's deadline, which has passed: it fires at once.
        assert.equal(d.timer, d.now);
      },
    },
  },
  {
    behaviour: "watchdog: ... and then expires",
    unit: `${daemon}\nWatchdogSec=5\nTimeoutStartSec=5\nExecReload=/bin/reload\nKillMode=process`,
    story: [start, ready, reload, timer, timer],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "watchdog: counts in reload-notify after RELOADING=1",
    unit: watched,
    story: [start, ready, advance(2 * SECOND), notify("main", "RELOADING=1"), timer],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "watchdog: stops counting when the service is exited (RemainAfterExit=)",
    unit: "Type=oneshot\nExecStart=/bin/job\nRemainAfterExit=yes\nWatchdogSec=10",
    story: [start, exit("main", 0)],
    expect: { sub: "exited", check: (d) => (noWatchdog(d), assert.equal(d.timer, null)) },
  },
];

const overrideRows: Row[] = [
  {
    behaviour: "watchdog: WATCHDOG_USEC= overrides the interval and resets the timer",
    unit: watched,
    story: [start, ready, advance(3 * SECOND), notify("main", "WATCHDOG_USEC=30000000")],
    expect: { sub: "running", check: (d) => (timerIn(30 * SECOND)(d), assert.equal(d.runtime.watchdogUsec, 30 * SECOND)) },
  },
  {
    behaviour: "watchdog: WATCHDOG_USEC=0 turns the watchdog off",
    unit: watched,
    story: [start, ready, notify("main", "WATCHDOG_USEC=0")],
    expect: { sub: "running", effects: { "disarm-timer": true }, check: (d) => (noWatchdog(d), assert.equal(d.timer, null)) },
  },
  {
    behaviour: "watchdog: WATCHDOG=1 after WATCHDOG_USEC=0 does not turn it on again",
    unit: watched,
    story: [start, ready, notify("main", "WATCHDOG_USEC=0"), ping],
    expect: { sub: "running", check: (d) => (noWatchdog(d), assert.equal(d.timer, null)) },
  },
  {
    behaviour: "watchdog: WATCHDOG_USEC= sent before READY=1 applies from READY=1 on",
    unit: watched,
    story: [start, notify("main", "WATCHDOG_USEC=5000000"), ready],
    expect: { sub: "running", check: timerIn(5 * SECOND) },
  },
  {
    behaviour: "watchdog: WATCHDOG_USEC= turns on a watchdog the unit does not configure",
    unit: daemon,
    story: [start, ready, notify("main", "WATCHDOG_USEC=5000000"), advance(5 * SECOND), timer],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "watchdog: WATCHDOG=1 without any interval does nothing",
    unit: daemon,
    story: [start, ready, ping],
    expect: { sub: "running", effects: { "arm-timer": false }, check: (d) => (noWatchdog(d), assert.equal(d.timer, null)) },
  },
  {
    behaviour: "watchdog: WATCHDOG_USEC= is forgotten at the next start",
    unit: `${watched}\nRestart=on-watchdog\nKillMode=process`,
    story: [start, ready, notify("main", "WATCHDOG_USEC=2000000"), timer, exit("main", killed(SIGABRT, true)), timer, ready],
    expect: { sub: "running", restarts: 1, check: (d) => (timerIn(10 * SECOND)(d), assert.equal(d.runtime.watchdogUsec, 10 * SECOND)) },
  },
];

const triggerRows: Row[] = [
  {
    behaviour: "watchdog: WATCHDOG=trigger stops at once with result watchdog",
    unit: watched,
    story: [start, ready, notify("main", "WATCHDOG=trigger")],
    expect: { sub: "stop-watchdog", result: "watchdog", signalled: [...abort("main"), ...abort("others")] },
  },
  {
    behaviour: "watchdog: WATCHDOG=trigger works without WatchdogSec=",
    unit: daemon,
    story: [start, ready, notify("main", "WATCHDOG=trigger")],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "watchdog: WATCHDOG=trigger before READY=1 stops the start",
    unit: daemon,
    story: [start, notify("main", "WATCHDOG=trigger")],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "watchdog: WATCHDOG=trigger after STOPPING=1 sends WatchdogSignal= at once",
    unit: `${daemon}\nKillMode=process`,
    story: [start, ready, notify("main", "STOPPING=1"), notify("main", "WATCHDOG=trigger")],
    expect: { sub: "stop-watchdog", result: "watchdog", signalled: abort("main") },
  },
  {
    behaviour: "watchdog: WATCHDOG=trigger during the final SIGKILL changes nothing",
    unit: `${daemon}\nKillMode=process\nTimeoutStopSec=2`,
    story: [start, ready, stop, timer, notify("main", "WATCHDOG=trigger")],
    expect: { sub: "stop-sigkill", result: "timeout", signalled: [] },
  },
  {
    behaviour: "watchdog: WATCHDOG=trigger from a process left by an exited service (NotifyAccess=all) stops it",
    unit: "Type=oneshot\nExecStart=/bin/job\nRemainAfterExit=yes\nNotifyAccess=all",
    story: [start, exit("main", 0), notify(555, "WATCHDOG=trigger", { member: true })],
    expect: { sub: "stop-watchdog", result: "watchdog", signalled: abort("others"), effects: { "await-processes-gone": true } },
  },
  {
    behaviour: "watchdog: WATCHDOG=trigger from a non-main pid is ignored under NotifyAccess=main",
    unit: daemon,
    story: [start, ready, notify(555, "WATCHDOG=trigger", { member: true })],
    expect: { sub: "running", result: "success" },
  },
  {
    behaviour: "watchdog: STATUS= and WATCHDOG=trigger in one message: the status is recorded first",
    unit: daemon,
    story: [start, ready, notify("main", "STATUS=wedged\nWATCHDOG=trigger")],
    expect: {
      sub: "stop-watchdog",
      check: (d) => assert.ok(d.effects.some((e) => e.kind === "log" && e.level === "error" && e.message.includes("wedged")), JSON.stringify(d.effects)),
    },
  },
];

const restartsAfterWatchdog = ["always", "on-failure", "on-abnormal", "on-watchdog"];
const restartRows: Row[] = RESTART_POLICIES.map((policy) => {
  const restarts = restartsAfterWatchdog.includes(policy);
  return {
    behaviour: `watchdog: ${policy} ${restarts ? "restarts" : "does not restart"} after a watchdog stop`,
    unit: `${watched}\nKillMode=process\nRestart=${policy}`,
    story: [start, ready, timer, exit("main", killed(SIGABRT, true))],
    expect: { sub: restarts ? "auto-restart" : "failed", result: "watchdog" },
  };
});
restartRows.push({
  behaviour: "watchdog: on-watchdog restarts after a watchdog stop, and the new run is watched again",
  unit: `${watched}\nKillMode=process\nRestart=on-watchdog`,
  story: [start, ready, timer, exit("main", killed(SIGABRT, true)), timer, ready],
  expect: { sub: "running", restarts: 1, result: "success", mainPid: 101, check: timerIn(10 * SECOND) },
});
restartRows.push({
  behaviour: "watchdog: on-watchdog does not restart after a manual stop",
  unit: `${watched}\nKillMode=process\nRestart=on-watchdog`,
  story: [start, ready, stop, exit("main", 0)],
  expect: { sub: "dead", result: "success" },
});

const extendRows: Row[] = [
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= pushes the start timeout to now + value",
    unit: `${daemon}\nTimeoutStartSec=10`,
    story: [start, advance(5 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=20000000")],
    expect: { sub: "start", effects: { "arm-timer": true }, check: timerIn(20 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= never shortens the start timeout",
    unit: `${daemon}\nTimeoutStartSec=10`,
    story: [start, advance(5 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=1000000")],
    expect: { sub: "start", effects: { "arm-timer": false }, check: timerIn(5 * SECOND) },
  },
  {
    behaviour: "extend: the extended start timeout expires like the original",
    unit: `${daemon}\nTimeoutStartSec=10`,
    story: [start, advance(5 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=20000000"), timer],
    expect: { sub: "stop-sigterm", result: "timeout" },
  },
  {
    behaviour: "extend: each extension is counted from the message, repeated within the window",
    unit: `${daemon}\nTimeoutStartSec=10`,
    story: [
      start,
      advance(8 * SECOND),
      notify("main", "EXTEND_TIMEOUT_USEC=10000000"),
      advance(8 * SECOND),
      notify("main", "EXTEND_TIMEOUT_USEC=10000000"),
      advance(8 * SECOND),
      ready,
    ],
    expect: { sub: "running", result: "success" },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC=0 changes nothing",
    unit: `${daemon}\nTimeoutStartSec=10`,
    story: [start, notify("main", "EXTEND_TIMEOUT_USEC=0")],
    expect: { effects: { "arm-timer": false }, check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= from a non-main pid is ignored under NotifyAccess=main",
    unit: `${daemon}\nTimeoutStartSec=10`,
    story: [start, notify(555, "EXTEND_TIMEOUT_USEC=60000000", { member: true })],
    expect: { effects: { "arm-timer": false }, check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= extends the stop timeout",
    unit: `${daemon}\nKillMode=process\nTimeoutStopSec=10`,
    story: [start, ready, stop, advance(5 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=60000000")],
    expect: { sub: "stop-sigterm", check: timerIn(60 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= with STOPPING=1 extends the stop by notification",
    unit: `${daemon}\nTimeoutStopSec=10`,
    story: [start, ready, notify("main", "STOPPING=1\nEXTEND_TIMEOUT_USEC=60000000")],
    expect: { sub: "stop-sigterm", signalled: [], check: timerIn(60 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= extends the abort timeout after WatchdogSignal=",
    unit: `${watched}\nKillMode=process\nTimeoutAbortSec=3`,
    story: [start, ready, timer, notify("main", "EXTEND_TIMEOUT_USEC=60000000")],
    expect: { sub: "stop-watchdog", check: timerIn(60 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= extends RuntimeMaxSec=",
    unit: `${daemon}\nRuntimeMaxSec=5`,
    story: [start, ready, advance(4 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=10000000")],
    expect: { sub: "running", check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= extends the reload timeout",
    unit: `${daemon}\nTimeoutStartSec=10`,
    story: [start, ready, notify("main", "RELOADING=1"), advance(5 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=30000000"), advance(20 * SECOND), ready],
    expect: { sub: "running", check: (d) => assert.equal(d.runtime.reloadResult, "success") },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= also pushes the watchdog",
    unit: watched,
    story: [start, ready, advance(5 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=30000000")],
    expect: { sub: "running", check: (d) => (timerIn(30 * SECOND)(d), assert.equal(d.runtime.watchdog?.deadline, d.now + 30 * SECOND)) },
  },
  {
    behaviour: "extend: ... and the watchdog then expires at the extended deadline",
    unit: watched,
    story: [start, ready, advance(5 * SECOND), notify("main", "EXTEND_TIMEOUT_USEC=30000000"), timerEventIn(10 * SECOND), timer],
    expect: { sub: "stop-watchdog", result: "watchdog" },
  },
  {
    behaviour: "extend: a WATCHDOG=1 after an extension starts the interval afresh",
    unit: watched,
    story: [start, ready, notify("main", "EXTEND_TIMEOUT_USEC=30000000"), advance(SECOND), ping],
    expect: { sub: "running", check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "extend: EXTEND_TIMEOUT_USEC= never shortens the watchdog",
    unit: watched,
    story: [start, ready, notify("main", "EXTEND_TIMEOUT_USEC=1000000")],
    expect: { sub: "running", effects: { "arm-timer": false }, check: timerIn(10 * SECOND) },
  },
  {
    behaviour: "extend: ignored where the state has no timeout (running without RuntimeMaxSec=)",
    unit: daemon,
    story: [start, ready, notify("main", "EXTEND_TIMEOUT_USEC=30000000")],
    expect: { sub: "running", effects: { "arm-timer": false }, check: (d) => assert.equal(d.timer, null) },
  },
  {
    behaviour: "extend: ignored where the state has no timeout (TimeoutStartSec=infinity)",
    unit: `${daemon}\nTimeoutStartSec=infinity`,
    story: [start, notify("main", "EXTEND_TIMEOUT_USEC=30000000")],
    expect: { sub: "start", effects: { "arm-timer": false }, check: (d) => assert.equal(d.timer, null) },
  },
  {
    behaviour: "extend: RestartSec= is not a timeout and is not extended",
    unit: "ExecStart=/bin/web\nKillMode=none\nRestart=always\nRestartSec=5\nNotifyAccess=all",
    story: [start, exit("main", 1), notify(555, "EXTEND_TIMEOUT_USEC=60000000", { member: true })],
    expect: { sub: "auto-restart", check: timerIn(5 * SECOND) },
  },
];

for (const row of [...watchdogRows, ...overrideRows, ...triggerRows, ...restartRows, ...extendRows]) test(row.behaviour, () => runRow(row));
