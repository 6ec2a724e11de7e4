// KillMode= under both tracking modes (cgroup where the machine allows it, tree forced
// with STEWARD_TRACKING=tree): which processes get SIGTERM on a stop, what survives it,
// and the warnings systemd gives for KillMode=process and none. Survivors are killed
// when each test ends.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { fixture } from "../helpers/repo.js";
import { isAlive, Steward } from "../helpers/steward.js";

interface Expectation {
  /** Who logs a SIGTERM. */
  termed: ("main" | "child")[];
  /** Who is still running after the stop. */
  survivors: ("main" | "child")[];
}

// systemd.kill(5): control-group: SIGTERM to every process; mixed: SIGTERM to the main
// process, then SIGKILL to what is left; process: only the main process; none: nobody.
const EXPECTED: Record<string, Expectation> = {
  "control-group": { termed: ["main", "child"], survivors: [] },
  mixed: { termed: ["main"], survivors: [] },
  process: { termed: ["main"], survivors: ["child"] },
  none: { termed: [], survivors: ["main", "child"] },
};

for (const tracking of ["auto", "tree"] as const) {
  for (const [killMode, expected] of Object.entries(EXPECTED)) {
    const steward = new Steward({});
    const log = join(steward.dir, "signals.log");
    steward.writeUnit("km.service", `[Service]\nKillMode=${killMode}\nTimeoutStopSec=10s\nExecStart=/bin/sh ${fixture("kill-mode.sh")} ${log}\n`);
    after(() => steward.cleanup());

    test(`KillMode=${killMode} (${tracking} tracking): SIGTERM reaches ${expected.termed.join(" and ") || "no one"}; ${expected.survivors.length > 0 ? `${expected.survivors.join(" and ")} outlive` : "nothing outlives"} the stop`, async () => {
      await steward.up([], tracking === "tree" ? { STEWARD_TRACKING: "tree" } : {});
      assert.equal((await steward.run("start", "km")).code, 0);
      const pids = await waitUntil(() => {
        const text = existsSync(log) ? readFileSync(log, "utf8") : "";
        const main = /^main (\d+)$/m.exec(text)?.[1];
        const child = /^child (\d+)$/m.exec(text)?.[1];
        return main && child ? { main: Number(main), child: Number(child) } : undefined;
      }, "both processes to start", 15_000);
      const result = await steward.run("stop", "km");
      assert.equal(result.code, 0, result.stderr);
      for (const who of ["main", "child"] as const) {
        if (expected.survivors.includes(who)) assert.ok(isAlive(pids[who]), `${who} (${pids[who]}) should survive KillMode=${killMode}`);
        else await waitUntil(() => (isAlive(pids[who]) ? undefined : true), `${who} (${pids[who]}) to be gone`, 5_000);
      }
      // The stop is over: a process that logged no SIGTERM by now never got one.
      const lines = readFileSync(log, "utf8");
      for (const who of ["main", "child"] as const) {
        if (expected.termed.includes(who)) assert.match(lines, new RegExp(`^${who}-TERM$`, "m"), `${who} should get SIGTERM:\n${lines}`);
        else assert.doesNotMatch(lines, new RegExp(`^${who}-TERM$`, "m"), `${who} should get no SIGTERM:\n${lines}`);
      }
      const { recentLogs } = await steward.status("km.service");
      const text = recentLogs.map((l) => l.text).join("\n");
      for (const who of ["main", "child"] as const) {
        const named = new RegExp(`Unit process ${pids[who]} \\(\\w+\\) remains running after unit stopped`);
        if (expected.survivors.includes(who)) assert.match(text, named, text);
        else assert.doesNotMatch(text, named, text);
      }
      if (killMode === "none") assert.match(text, /Unit configured to use KillMode=none/);
      assert.equal(await steward.stopManager(), 0);
    });
  }
}
