// `steward up --detach`: the manager as a daemon through libucw's locked-PID-file protocol.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { repoRoot } from "../helpers/repo.js";
import { isAlive, Steward } from "../helpers/steward.js";

const cli = join(repoRoot, "dist", "src", "cli", "main.js");
const steward = new Steward({ "idle.service": "[Service]\nExecStart=/bin/sleep 300\n\n[Install]\nWantedBy=multi-user.target\n" });
after(() => steward.cleanup());

function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, "--runtime-dir", steward.runtimeDir, ...args], { env: { ...process.env, STEWARD_TEST_TAG: steward.tag } }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr }),
    );
  });
}

test("up --detach: two at once start exactly one manager, which answers as soon as they return", async () => {
  const [a, b] = await Promise.all([run("up", "--detach", "--units", steward.unitDir), run("up", "--detach", "--units", steward.unitDir)]);
  assert.deepEqual([a.code, b.code].sort(), [0, 1], `${a.stderr}\n${b.stderr}`);
  assert.match(a.code === 1 ? a.stderr : b.stderr, /another steward manager \(pid \d+\) is running/);
  const pid = Number(readFileSync(join(steward.runtimeDir, "manager.pid"), "utf8"));
  assert.ok(pid > 0);
  await steward.waitActive("idle.service");
  const check = await run("daemon-control", "--pid-file", join(steward.runtimeDir, "manager.pid"), "--guard-file", join(steward.runtimeDir, "manager.lock"), "--check");
  assert.equal(check.code, 0, "daemon-control sees the manager running");
});

test("up --detach: shutdown from any shell stops it; the PID file then says not running", async () => {
  const pid = Number(readFileSync(join(steward.runtimeDir, "manager.pid"), "utf8"));
  assert.equal((await run("shutdown")).code, 0);
  await waitUntil(() => (isAlive(pid) ? undefined : true), "the manager to exit", 20_000);
  const check = await run("daemon-control", "--pid-file", join(steward.runtimeDir, "manager.pid"), "--guard-file", join(steward.runtimeDir, "manager.lock"), "--check");
  assert.equal(check.code, 101);
  assert.deepEqual(steward.strays(), []);
  assert.match(readFileSync(join(steward.runtimeDir, "manager.log"), "utf8"), /every unit stopped; manager exiting/);
});

