import assert from "node:assert/strict";
import { test } from "node:test";
import { DaemonControlStatus, describeDaemonControlStatus, isDaemonControlStatus } from "../../src/protocol/ucw-status.js";

const statuses: [string, number, number, RegExp][] = [
  ["ok is success", DaemonControlStatus.ok, 0, /^success$/],
  ["usage is invalid arguments", DaemonControlStatus.usage, 1, /invalid arguments/],
  ["already is the requested state", DaemonControlStatus.already, 100, /already in the requested state/],
  ["notRunning is no running daemon", DaemonControlStatus.notRunning, 101, /not running/],
  ["error is a failed action", DaemonControlStatus.error, 102, /failed/],
  ["stale is an undefined state", DaemonControlStatus.stale, 103, /stale PID file/],
];

for (const [behaviour, status, code, description] of statuses) {
  test(`ucw status: ${behaviour} (${code})`, () => {
    assert.equal(status, code);
    assert.equal(isDaemonControlStatus(code), true);
    assert.match(describeDaemonControlStatus(code), description);
  });
}

test("ucw status: other codes are unknown", () => {
  for (const code of [2, 99, 104, -1, 255]) {
    assert.equal(isDaemonControlStatus(code), false);
    assert.equal(describeDaemonControlStatus(code), `unknown status ${code}`);
  }
});
