import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { exit, gone, killed, restart, runRow, send, start, stop, timer } from "./service-harness.js";
import type { Row } from "./service-harness.js";

const { SIGTERM, SIGCONT, SIGKILL, SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGUSR2 } = constants.signals;

const web = "ExecStart=/bin/web";
const term = (scope: string) => [`${scope}:${SIGTERM}`, `${scope}:${SIGCONT}`];

const rows: Row[] = [
  {
    behaviour: "KillMode=control-group: stop signals the main process and every other process",
    unit: web,
    story: [start, stop],
    expect: { sub: "stop-sigterm", signalled: [...term("main"), ...term("others")] },
  },
  {
    behaviour: "KillMode=process: only the main process is signalled",
    unit: `${web}\nKillMode=process`,
    story: [start, stop],
    expect: { signalled: term("main") },
  },
  {
    behaviour: "KillMode=mixed: SIGTERM goes to the main process only",
    unit: `${web}\nKillMode=mixed`,
    story: [start, stop],
    expect: { signalled: term("main") },
  },
  {
    behaviour: "KillMode=mixed: the final SIGKILL goes to everyone",
    unit: `${web}\nKillMode=mixed`,
    story: [start, stop, timer],
    expect: { sub: "stop-sigkill", result: "timeout", signalled: [`main:${SIGKILL}`, `others:${SIGKILL}`] },
  },
  {
    behaviour: "KillMode=none: nothing is signalled and the stop goes straight through",
    unit: `${web}\nKillMode=none`,
    story: [start, stop],
    expect: { sub: "dead", signalled: [], result: "success" },
  },
  {
    behaviour: "KillSignal= picks the first signal, still followed by SIGCONT",
    unit: `${web}\nKillSignal=SIGINT\nKillMode=process`,
    story: [start, stop],
    expect: { signalled: [`main:${SIGINT}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "SendSIGHUP=yes sends SIGHUP right after the kill signal",
    unit: `${web}\nSendSIGHUP=yes\nKillMode=process`,
    story: [start, stop],
    expect: { signalled: [`main:${SIGTERM}`, `main:${SIGCONT}`, `main:${SIGHUP}`] },
  },
  {
    behaviour: "TimeoutStopSec= escalates to FinalKillSignal= (SIGKILL, no SIGCONT)",
    unit: `${web}\nKillMode=process\nTimeoutStopSec=3`,
    story: [start, stop, timer],
    expect: { sub: "stop-sigkill", result: "timeout", signalled: [`main:${SIGKILL}`], check: (d) => assert.equal(d.timer, d.now + 3_000_000) },
  },
  {
    behaviour: "FinalKillSignal=SIGQUIT is used for the escalation",
    unit: `${web}\nKillMode=process\nFinalKillSignal=SIGQUIT`,
    story: [start, stop, timer],
    expect: { signalled: [`main:${SIGQUIT}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "SendSIGKILL=no skips the kill stage",
    unit: `${web}\nKillMode=process\nSendSIGKILL=no`,
    story: [start, stop, timer],
    expect: { sub: "final-sigterm", result: "timeout", signalled: term("main") },
  },
  {
    behaviour: "SendSIGKILL=no: final-sigterm timing out ends failed without restart",
    unit: `${web}\nKillMode=process\nSendSIGKILL=no\nRestart=always`,
    story: [start, stop, timer, timer],
    expect: { sub: "failed", result: "timeout" },
  },
  {
    behaviour: "stop-sigkill timing out goes on to stop-post (processes SIGKILL cannot end)",
    unit: `${web}\nKillMode=process\nExecStopPost=/bin/cleanup`,
    story: [start, stop, timer, timer],
    expect: { sub: "stop-post", spawned: ["ExecStopPost[0]"] },
  },
  {
    behaviour: "final-sigkill timing out ends failed with timeout",
    unit: `${web}\nKillMode=process`,
    story: [start, stop, timer, timer, timer, timer],
    expect: { sub: "failed", result: "timeout" },
  },
  {
    behaviour: "TimeoutStopFailureMode=abort sends WatchdogSignal= and waits TimeoutAbortSec=",
    unit: `${web}\nKillMode=process\nTimeoutStopFailureMode=abort\nTimeoutAbortSec=7`,
    story: [start, stop, timer],
    expect: {
      sub: "stop-watchdog",
      signalled: [`main:${SIGABRT}`, `main:${SIGCONT}`],
      check: (d) => assert.equal(d.timer, d.now + 7_000_000),
    },
  },
  {
    behaviour: "TimeoutStartFailureMode=kill kills at once when the start times out",
    unit: "Type=notify\nExecStart=/bin/daemon\nKillMode=process\nTimeoutStartFailureMode=kill",
    story: [start, timer],
    expect: { sub: "stop-sigkill", result: "timeout", signalled: [`main:${SIGKILL}`] },
  },
  {
    behaviour: "RestartKillSignal= is used when the stop is part of a restart",
    unit: `${web}\nKillMode=process\nRestartKillSignal=SIGUSR2`,
    story: [start, restart],
    expect: { sub: "stop-sigterm", signalled: [`main:${SIGUSR2}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "RestartKillSignal= is used for the stop half of a restart job",
    unit: `${web}\nKillMode=process\nRestartKillSignal=SIGUSR2`,
    story: [start, send({ kind: "stop-requested", forRestart: true })],
    expect: { sub: "stop-sigterm", signalled: [`main:${SIGUSR2}`, `main:${SIGCONT}`] },
  },
  {
    behaviour: "after a restart job, a plain stop uses KillSignal= again",
    unit: `${web}\nKillMode=process\nRestartKillSignal=SIGUSR2`,
    story: [start, send({ kind: "stop-requested", forRestart: true }), exit("main", killed(SIGUSR2)), start, stop],
    expect: { sub: "stop-sigterm", signalled: term("main") },
  },
  {
    behaviour: "restart: stop, then start again with the restart counter reset",
    unit: `${web}\nKillMode=process`,
    story: [start, restart, exit("main", killed(SIGUSR2))],
    expect: { sub: "running", mainPid: 101, restarts: 0, check: (d) => assert.equal(d.runtime.invocation, 2) },
  },
  {
    behaviour: "a start request while stopping is queued and runs once the service is dead",
    unit: `${web}\nKillMode=process`,
    story: [start, stop, start, exit("main", killed(SIGTERM))],
    expect: { sub: "running", mainPid: 101, check: (d) => assert.equal(d.runtime.lastEnd?.invocation, 1) },
  },
  {
    behaviour: "a start request while a failed service is going down hurries its automatic restart",
    unit: `${web}\nRestart=on-failure`,
    story: [start, exit("main", 1), start, gone, gone],
    expect: { sub: "running", restarts: 1, mainPid: 101 },
  },
  {
    behaviour: "a stop request after a queued start cancels it",
    unit: `${web}\nKillMode=process`,
    story: [start, stop, start, stop, exit("main", killed(SIGTERM))],
    expect: { sub: "dead" },
  },
  {
    behaviour: "KillMode=control-group: leftovers after the main process are killed in final-sigterm",
    unit: web,
    story: [start, stop, exit("main", killed(SIGTERM))],
    expect: { sub: "final-sigterm", signalled: term("others"), effects: { "await-processes-gone": true } },
  },
  {
    behaviour: "KillMode=control-group: the unit is dead only once the service is empty",
    unit: web,
    story: [start, stop, exit("main", killed(SIGTERM)), gone],
    expect: { sub: "dead", result: "success" },
  },
  {
    behaviour: "KillMode=control-group: leftovers surviving TimeoutStopSec= get SIGKILL",
    unit: web,
    story: [start, stop, exit("main", killed(SIGTERM)), timer],
    expect: { sub: "final-sigkill", result: "timeout", signalled: [`others:${SIGKILL}`] },
  },
  {
    behaviour: "processes-gone is ignored while the main process is known",
    unit: web,
    story: [start, stop, gone],
    expect: { sub: "stop-sigterm" },
  },
];

for (const row of rows) test(row.behaviour, () => runRow(row));
