import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import fc from "fast-check";
import { restartDelayUsec } from "../../src/core/restart-backoff.js";
import { restartPolicyAllows, shallRestart } from "../../src/core/restart-policy.js";
import { apiResult, exitEnvironment, isCleanExit, resultOfEnd, spawnFailureEnd } from "../../src/core/service-result.js";
import { activeState, subState } from "../../src/core/service-state.js";
import type { ServiceResult, ServiceState } from "../../src/core/service-state.js";
import { checkStartLimit } from "../../src/core/start-limit.js";
import { exited, killed } from "./service-harness.js";

const { SIGTERM, SIGHUP, SIGINT, SIGPIPE, SIGKILL, SIGSEGV, SIGUSR1 } = constants.signals;
const none = { codes: [], signals: [] };

test("restart back-off: without RestartSteps= every delay is RestartSec=", () => {
  for (const n of [0, 1, 5, 100]) assert.equal(restartDelayUsec({ restartUsec: 100_000, restartSteps: 0, restartMaxDelayUsec: Infinity }, n), 100_000);
});

test("restart back-off: RestartSteps=3 from 1s to 8s doubles each step, then stays at the maximum", () => {
  const backoff = { restartUsec: 1_000_000, restartSteps: 3, restartMaxDelayUsec: 8_000_000 };
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => restartDelayUsec(backoff, n)), [1_000_000, 2_000_000, 4_000_000, 8_000_000, 8_000_000, 8_000_000]);
});

test("restart back-off: the delay never falls below RestartSec= nor exceeds RestartMaxDelaySec=", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1000 }), fc.nat(50), (base, steps, factor, n) => {
      const backoff = { restartUsec: base, restartSteps: steps, restartMaxDelayUsec: base * factor };
      const delay = restartDelayUsec(backoff, n);
      assert.ok(delay >= base - 1 && delay <= base * factor, `${delay} outside [${base}, ${base * factor}]`);
      assert.ok(restartDelayUsec(backoff, n + 1) >= delay, "the delay does not shrink");
    }),
  );
});

test("start limit: 5 starts in 10s pass, the 6th is refused, a start after the window passes", () => {
  let window = { begin: null as number | null, starts: 0 };
  const allowed: boolean[] = [];
  for (const at of [0, 1, 2, 3, 4, 5, 10_000_001]) {
    const check = checkStartLimit(window, at, 10_000_000, 5);
    allowed.push(check.allowed);
    window = check.window;
  }
  assert.deepEqual(allowed, [true, true, true, true, true, false, true]);
});

test("start limit: a burst of 0 or an interval of 0 never refuses", () => {
  const full = { begin: 0, starts: 100 };
  assert.equal(checkStartLimit(full, 1, 10_000_000, 0).allowed, true);
  assert.equal(checkStartLimit(full, 1, 0, 5).allowed, true);
});

test("start limit: an infinite interval limits the starts for good", () => {
  let window = { begin: null as number | null, starts: 0 };
  for (let i = 0; i < 3; i++) window = checkStartLimit(window, i * 1e12, Infinity, 3).window;
  assert.equal(checkStartLimit(window, 1e15, Infinity, 3).allowed, false);
});

const cleanRows: { behaviour: string; end: ReturnType<typeof exited>; daemon: boolean; command: boolean }[] = [
  { behaviour: "exit 0 is clean for everyone", end: exited(0), daemon: true, command: true },
  { behaviour: "exit 1 is clean for nobody", end: exited(1), daemon: false, command: false },
  { behaviour: "SIGTERM is clean only for a daemon", end: killed(SIGTERM), daemon: true, command: false },
  { behaviour: "SIGHUP is clean only for a daemon", end: killed(SIGHUP), daemon: true, command: false },
  { behaviour: "SIGINT is clean only for a daemon", end: killed(SIGINT), daemon: true, command: false },
  { behaviour: "SIGPIPE is clean only for a daemon", end: killed(SIGPIPE), daemon: true, command: false },
  { behaviour: "SIGKILL is never clean", end: killed(SIGKILL), daemon: false, command: false },
  { behaviour: "SIGTERM with a core dump is never clean", end: killed(SIGTERM, true), daemon: false, command: false },
];
for (const row of cleanRows) {
  test(`clean exit: ${row.behaviour}`, () => {
    assert.equal(isCleanExit(row.end, "daemon", none), row.daemon);
    assert.equal(isCleanExit(row.end, "command", none), row.command);
  });
}

test("clean exit: SuccessExitStatus= adds codes and signals", () => {
  const success = { codes: [75], signals: [SIGUSR1] };
  assert.equal(isCleanExit(exited(75), "command", success), true);
  assert.equal(isCleanExit(killed(SIGUSR1), "command", success), true);
  assert.equal(resultOfEnd(killed(SIGSEGV, true), "daemon", success), "core-dump");
  assert.equal(resultOfEnd(killed(SIGKILL), "daemon", success), "signal");
  assert.equal(resultOfEnd(exited(3), "daemon", success), "exit-code");
});

test("spawn failures: a failed execve is exit 203, a failed fork has no exit", () => {
  assert.deepEqual(spawnFailureEnd("execve"), exited(203));
  assert.deepEqual(spawnFailureEnd("setuid"), exited(217));
  assert.equal(spawnFailureEnd("fork"), null);
  assert.equal(spawnFailureEnd("prepare"), null);
});

test("ExecStop= variables: EXIT_CODE/EXIT_STATUS as systemd writes them", () => {
  assert.deepEqual(exitEnvironment(exited(3)), { EXIT_CODE: "exited", EXIT_STATUS: "3" });
  assert.deepEqual(exitEnvironment(killed(SIGTERM)), { EXIT_CODE: "killed", EXIT_STATUS: "TERM" });
  assert.deepEqual(exitEnvironment(killed(SIGSEGV, true)), { EXIT_CODE: "dumped", EXIT_STATUS: "SEGV" });
});

test("status results: core-dump shows as signal, exec-condition as success", () => {
  assert.equal(apiResult("core-dump"), "signal");
  assert.equal(apiResult("exec-condition"), "success");
  assert.equal(apiResult("oom-kill"), "resources");
  assert.equal(apiResult("start-limit-hit"), "start-limit-hit");
});

// Results the reducer cannot reach yet (watchdog, oom-kill) are covered at the policy level.
const policyRows: { result: ServiceResult; restartsUnder: string[] }[] = [
  { result: "watchdog", restartsUnder: ["always", "on-failure", "on-abnormal", "on-watchdog"] },
  { result: "oom-kill", restartsUnder: ["always", "on-failure", "on-abnormal"] },
  { result: "start-limit-hit", restartsUnder: ["always", "on-failure", "on-abnormal"] },
  { result: "protocol", restartsUnder: ["always", "on-failure", "on-abnormal"] },
];
for (const row of policyRows) {
  test(`restart policy: ${row.result} restarts under ${row.restartsUnder.join(", ")}`, () => {
    for (const policy of ["no", "always", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort"] as const) {
      assert.equal(restartPolicyAllows(policy, row.result), row.restartsUnder.includes(policy), policy);
    }
  });
}

test("restart policy: RestartPreventExitStatus= wins over RestartForceExitStatus=", () => {
  const settings = {
    type: "simple" as const,
    restart: "always" as const,
    restartPreventExitStatus: { codes: [3], signals: [] },
    restartForceExitStatus: { codes: [3], signals: [] },
  };
  assert.equal(shallRestart(settings, "exit-code", { pid: 1, end: exited(3), at: 0 }).restart, false);
});

test("states: ActiveState and SubState as systemd maps them", () => {
  const cases: [ServiceState, string][] = [
    [{ kind: "dead" }, "inactive"],
    [{ kind: "failed" }, "failed"],
    [{ kind: "auto-restart", deadline: 0, result: "exit-code" }, "activating"],
    [{ kind: "exited" }, "active"],
    [{ kind: "reload-notify", mainPid: 1, deadline: null }, "reloading"],
    [{ kind: "final-sigkill", mainPid: null, control: null, deadline: null }, "deactivating"],
  ];
  for (const [state, active] of cases) {
    assert.equal(activeState(state), active, state.kind);
    assert.equal(subState(state), state.kind);
  }
});
