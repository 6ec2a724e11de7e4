// A service whose processes fork, setsid() and double-fork: `steward stop` leaves none
// of them alive, under cgroup tracking (where the machine allows it) and under
// process-tree tracking (forced with STEWARD_TRACKING=tree).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { fixture } from "../helpers/repo.js";
import { isAlive, Steward } from "../helpers/steward.js";

for (const mode of ["auto", "tree"] as const) {
  const steward = new Steward({});
  const list = join(steward.dir, "pids");
  steward.writeUnit("tree.service", `[Service]\nExecStart=/bin/sh ${fixture("fork-tree.sh")} ${list}\n`);
  after(() => steward.cleanup());

  test(`escape (${mode} tracking): stop leaves none of 51 forked, setsid'd and double-forked processes alive`, async () => {
    await steward.up([], mode === "tree" ? { STEWARD_TRACKING: "tree" } : {});
    if (mode === "tree") assert.match(steward.stderr, /tracking by process tree/);
    assert.equal((await steward.run("start", "tree")).code, 0);
    await waitUntil(() => (existsSync(list) && readFileSync(list, "utf8").trim().split("\n").length >= 51 ? true : undefined), "the tree to be forked", 15_000);
    const pids = readFileSync(list, "utf8").trim().split("\n").map(Number);
    await waitUntil(() => (pids.every(isAlive) ? true : undefined), "every process to be running", 15_000);
    const result = await steward.run("stop", "tree");
    assert.equal(result.code, 0, result.stderr);
    const survivors = pids.filter(isAlive);
    assert.deepEqual(survivors, [], `still alive after stop: ${survivors.join(", ")}`);
    assert.equal(await steward.stopManager(), 0);
  });
}
