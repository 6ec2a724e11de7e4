import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { barrier, pingWatchdog, startWatchdog, triggerWatchdog, watchdogInterval, watchdogPingPeriodMs } from "../../src/client/index.js";
import { Receiver, withEnv } from "./receiver.js";

const own = String(process.pid);

const intervals: [string, Record<string, string | undefined>, number | null][] = [
  ["unset: no watchdog", { WATCHDOG_USEC: undefined, WATCHDOG_PID: undefined }, null],
  ["WATCHDOG_USEC alone is for us", { WATCHDOG_USEC: "30000000", WATCHDOG_PID: undefined }, 30_000_000],
  ["WATCHDOG_PID of ours", { WATCHDOG_USEC: "500000", WATCHDOG_PID: own }, 500_000],
  ["WATCHDOG_PID of another process (we inherited it)", { WATCHDOG_USEC: "500000", WATCHDOG_PID: String(process.pid + 1) }, null],
  ["WATCHDOG_PID without WATCHDOG_USEC", { WATCHDOG_USEC: undefined, WATCHDOG_PID: own }, null],
  ["beyond 2^53 µs is infinity", { WATCHDOG_USEC: "18446744073709551615", WATCHDOG_PID: undefined }, Infinity],
];

for (const [name, vars, expected] of intervals) {
  test(`watchdogInterval: ${name}`, async () => {
    await withEnv(vars, () => assert.equal(watchdogInterval(), expected));
  });
}

test("watchdogInterval: malformed values are errors, as sd_watchdog_enabled's -EINVAL", async () => {
  for (const vars of [{ WATCHDOG_USEC: "0" }, { WATCHDOG_USEC: "1s" }, { WATCHDOG_USEC: "-5" }, { WATCHDOG_USEC: "1000", WATCHDOG_PID: "self" }]) {
    await withEnv({ WATCHDOG_PID: undefined, ...vars }, () => assert.throws(() => watchdogInterval(), RangeError, JSON.stringify(vars)));
  }
});

test("watchdogInterval: unsetEnvironment drops both variables, whatever they said", async () => {
  await withEnv({ WATCHDOG_USEC: "1000", WATCHDOG_PID: String(process.pid + 1) }, () => {
    assert.equal(watchdogInterval({ unsetEnvironment: true }), null);
    assert.equal(process.env.WATCHDOG_USEC, undefined);
    assert.equal(process.env.WATCHDOG_PID, undefined);
  });
  await withEnv({ WATCHDOG_USEC: "bad", WATCHDOG_PID: undefined }, () => {
    assert.throws(() => watchdogInterval({ unsetEnvironment: true }));
    assert.equal(process.env.WATCHDOG_USEC, undefined);
  });
});

test("watchdogPingPeriodMs: half the interval, at least 1 ms, none beyond a timer's reach", () => {
  assert.equal(watchdogPingPeriodMs(30_000_000), 15_000);
  assert.equal(watchdogPingPeriodMs(3_000), 1);
  assert.equal(watchdogPingPeriodMs(1_000), 1);
  assert.equal(watchdogPingPeriodMs(Infinity), null);
  assert.equal(watchdogPingPeriodMs(2 ** 33 * 1000), null);
});

test("pingWatchdog and triggerWatchdog send WATCHDOG=1 and WATCHDOG=trigger", async () => {
  const receiver = new Receiver();
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address }, async () => {
      pingWatchdog();
      triggerWatchdog();
      await barrier();
    });
    assert.deepEqual(receiver.messages().map((d) => d.text), ["WATCHDOG=1\n", "WATCHDOG=trigger\n"]);
  } finally {
    receiver.close();
  }
});

test("startWatchdog: pings at once, then every half interval, until stopped", async () => {
  const receiver = new Receiver();
  mock.timers.enable({ apis: ["setInterval"] });
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address, WATCHDOG_USEC: "2000000", WATCHDOG_PID: own }, async () => {
      const pings = async () => {
        await barrier(); // everything sent so far has been read
        return receiver.messages().filter((d) => d.text === "WATCHDOG=1\n").length;
      };
      const stop = startWatchdog();
      assert.equal(await pings(), 1, "the first ping goes at once");
      mock.timers.tick(999);
      assert.equal(await pings(), 1);
      mock.timers.tick(1);
      assert.equal(await pings(), 2, "one second: half of the 2 s interval");
      mock.timers.tick(3000);
      assert.equal(await pings(), 5);
      stop();
      mock.timers.tick(10_000);
      assert.equal(await pings(), 5, "nothing after stop()");
    });
  } finally {
    mock.timers.reset();
    receiver.close();
  }
});

test("startWatchdog: the timer never keeps the process alive", async () => {
  const receiver = new Receiver();
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address, WATCHDOG_USEC: "60000000", WATCHDOG_PID: undefined }, () => {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      const before = timers();
      const stop = startWatchdog();
      try {
        assert.equal(timers(), before, "an unref'd timer is not an active resource");
      } finally {
        stop();
      }
    });
  } finally {
    receiver.close();
  }
});

test("startWatchdog: without a watchdog for us it sends nothing and stop() is harmless", async () => {
  const receiver = new Receiver();
  try {
    await withEnv({ NOTIFY_SOCKET: receiver.address, WATCHDOG_USEC: "1000", WATCHDOG_PID: String(process.pid + 1) }, async () => {
      const stop = startWatchdog();
      stop();
      await barrier();
    });
    assert.deepEqual(receiver.messages(), []);
  } finally {
    receiver.close();
  }
});

test("startWatchdog: a failed ping goes to onError, not to an uncaught exception", async () => {
  const errors: Error[] = [];
  await withEnv({ NOTIFY_SOCKET: "@steward-client-test-nobody-listens", WATCHDOG_USEC: "60000000", WATCHDOG_PID: undefined }, () => {
    const stop = startWatchdog({ onError: (error) => errors.push(error) });
    stop();
  });
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? "", /ECONNREFUSED/);
});
