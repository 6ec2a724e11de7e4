import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { exit, gone, guessed, pidFileRead, runRow, start, timer } from "./service-harness.js";
import type { Row } from "./service-harness.js";

const { SIGTERM, SIGCONT } = constants.signals;

const forking = "Type=forking\nExecStart=/usr/sbin/daemon";
const withPidFile = `${forking}\nPIDFile=/run/daemon.pid`;

const rows: Row[] = [
  {
    behaviour: "forking: the start process is a control process and start waits for it",
    unit: forking,
    story: [start],
    expect: { sub: "start", active: "activating", mainPid: null, spawned: ["ExecStart[0]"], check: (d) => assert.equal(d.controlPid, 200) },
  },
  {
    behaviour: "forking: the start timeout runs while the start process runs",
    unit: forking,
    story: [start],
    expect: { check: (d) => assert.equal(d.timer, d.now + 90_000_000) },
  },
  {
    behaviour: "forking: without PIDFile= the main PID is guessed after the start process exits 0",
    unit: forking,
    story: [start, exit("control", 0)],
    expect: { sub: "start", effects: { "guess-main-pid": true } },
  },
  {
    behaviour: "forking: a guessed main PID is watched and the service is running",
    unit: forking,
    story: [start, exit("control", 0), guessed(300)],
    expect: { sub: "running", mainPid: 300, effects: { "watch-main-pid": true } },
  },
  {
    behaviour: "forking: no guess leaves it running without a main PID until the service is empty",
    unit: forking,
    story: [start, exit("control", 0), guessed(null)],
    expect: { sub: "running", mainPid: null, effects: { "await-processes-gone": true } },
  },
  {
    behaviour: "forking: GuessMainPID=no does not guess",
    unit: `${forking}\nGuessMainPID=no`,
    story: [start, exit("control", 0)],
    expect: { sub: "running", mainPid: null, effects: { "guess-main-pid": false } },
  },
  {
    behaviour: "forking: running without a main PID stops cleanly once the service is empty",
    unit: `${forking}\nGuessMainPID=no`,
    story: [start, exit("control", 0), gone, gone, gone],
    expect: { sub: "dead", result: "success" },
  },
  {
    behaviour: "forking: PIDFile= is read after the start process exits 0",
    unit: withPidFile,
    story: [start, exit("control", 0)],
    expect: { sub: "start", effects: { "read-pid-file": true, "guess-main-pid": false } },
  },
  {
    behaviour: "forking: the PID from the PID file becomes the watched main PID",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "ok", pid: 300 })],
    expect: { sub: "running", mainPid: 300, effects: { "watch-main-pid": true } },
  },
  {
    behaviour: "forking: a refused PID file fails with protocol",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "refused", reason: "PID 1 is not in the service" })],
    expect: { sub: "stop-sigterm", result: "protocol", signalled: [`others:${SIGTERM}`, `others:${SIGCONT}`] },
  },
  {
    behaviour: "forking: a PID file not there yet is watched",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "missing" })],
    expect: { sub: "start", effects: { "watch-pid-file": true, "await-processes-gone": true } },
  },
  {
    behaviour: "forking: an unparsable PID file is waited on like a missing one",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "invalid", reason: "not a PID" })],
    expect: { sub: "start", effects: { "watch-pid-file": true } },
  },
  {
    behaviour: "forking: a PID file that appears late makes it running and ends the watch",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "missing" }), pidFileRead({ kind: "ok", pid: 300 })],
    expect: { sub: "running", mainPid: 300, effects: { "unwatch-pid-file": true } },
  },
  {
    behaviour: "forking: the service emptying before the PID file appears fails with protocol",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "missing" }), gone],
    expect: { result: "protocol", effects: { "unwatch-pid-file": true } },
  },
  {
    behaviour: "forking: the PID file never appearing runs into TimeoutStartSec= (result timeout)",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "missing" }), timer],
    expect: { sub: "stop-sigterm", result: "timeout", effects: { "unwatch-pid-file": true } },
  },
  {
    behaviour: "forking: with ExecStartPost= a missing PID file is looked for again after it",
    unit: `${withPidFile}\nExecStartPost=/bin/post`,
    story: [start, exit("control", 0), pidFileRead({ kind: "missing" })],
    expect: { sub: "start-post", spawned: ["ExecStartPost[0]"], effects: { "watch-pid-file": false } },
  },
  {
    behaviour: "forking: the PID file written by ExecStartPost= is read after it",
    unit: `${withPidFile}\nExecStartPost=/bin/post`,
    story: [start, exit("control", 0), pidFileRead({ kind: "missing" }), exit("control", 0), pidFileRead({ kind: "ok", pid: 300 })],
    expect: { sub: "running", mainPid: 300 },
  },
  {
    behaviour: "forking: a PID file still missing after ExecStartPost= is watched in start-post",
    unit: `${withPidFile}\nExecStartPost=/bin/post`,
    story: [start, exit("control", 0), pidFileRead({ kind: "missing" }), exit("control", 0), pidFileRead({ kind: "missing" })],
    expect: { sub: "start-post", effects: { "watch-pid-file": true } },
  },
  {
    behaviour: "forking: the start process failing fails with exit-code",
    unit: forking,
    story: [start, exit("control", 1), gone, gone],
    expect: { sub: "failed", result: "exit-code" },
  },
  {
    behaviour: "forking: a daemon that rewrote its PID file before exiting keeps running under the new PID",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "ok", pid: 300 }), exit("main", 0, { kind: "ok", pid: 301 })],
    expect: { sub: "running", mainPid: 301, effects: { "watch-main-pid": true } },
  },
  {
    behaviour: "forking: the daemon exiting with its PID file unchanged stops the service",
    unit: withPidFile,
    story: [start, exit("control", 0), pidFileRead({ kind: "ok", pid: 300 }), exit("main", 0, { kind: "ok", pid: 300 })],
    expect: { sub: "stop-sigterm", result: "success" },
  },
  {
    behaviour: "forking: a dead service removes its PID file",
    unit: `${withPidFile}\nKillMode=process`,
    story: [start, exit("control", 0), pidFileRead({ kind: "ok", pid: 300 }), exit("main", 0)],
    expect: { sub: "dead", effects: { "remove-pid-file": true } },
  },
  {
    behaviour: "forking: '-' on ExecStart= covers the daemon's exit status too",
    unit: "Type=forking\nExecStart=-/usr/sbin/daemon\nKillMode=process",
    story: [start, exit("control", 0), guessed(300), exit("main", 1)],
    expect: { sub: "dead", result: "success" },
  },
  {
    behaviour: "forking: start timing out kills the start process (result timeout)",
    unit: forking,
    story: [start, timer],
    expect: { sub: "stop-sigterm", result: "timeout", signalled: [`control:${SIGTERM}`, `control:${SIGCONT}`, `others:${SIGTERM}`, `others:${SIGCONT}`] },
  },
];

for (const row of rows) test(row.behaviour, () => runRow(row));
