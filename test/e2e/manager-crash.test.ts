// A manager that died without cleaning up (SIGKILL, a crash) must not keep the next one
// from starting in the same runtime directory.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { Steward } from "../helpers/steward.js";

const steward = new Steward({ "idle.service": "[Service]\nExecStart=/bin/sleep 300\n" });
after(() => steward.cleanup());

test("a manager killed with SIGKILL leaves its sockets behind; the next one starts anyway", async () => {
  await steward.up(["idle.service"]);
  await steward.waitActive("idle.service");
  await steward.stopManager("SIGKILL");
  assert.ok(existsSync(join(steward.runtimeDir, "notify")), "the dead manager's notify socket is still there");
  await steward.up(["idle.service"]);
  const status = await steward.status("idle.service");
  assert.equal(status.active, "active");
});
