// steward as PID 1 of a PID namespace (a container's init): exit status, signals, reaping.
// Needs root for `unshare --pid`; skipped with the reason otherwise.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { findProgram, isRoot, repoRoot } from "../helpers/repo.js";
import { withDeadline } from "../helpers/steward.js";

const cli = join(repoRoot, "dist", "src", "cli", "main.js");
const unshare = findProgram("unshare");
const skip = !isRoot ? "needs root for unshare --pid" : !unshare ? "unshare is not installed" : false;
const dir = mkdtempSync(join(tmpdir(), "steward-pid1-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function runAsPid1(script: string) {
  const child = spawn(unshare ?? "unshare", ["--pid", "--fork", "--mount-proc", process.execPath, cli, "--runtime-dir", join(dir, "run"), "run", "--", "/bin/sh", "-c", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exit, output: () => ({ stdout, stderr }) };
}

test("pid 1: steward is init and exits with the command's status", { skip }, async () => {
  const run = runAsPid1('echo "parent=$PPID"; exit 3');
  assert.equal(await withDeadline(run.exit, 20_000, () => JSON.stringify(run.output())), 3, JSON.stringify(run.output()));
  assert.match(run.output().stdout, /parent=1/);
  assert.match(run.output().stderr, /manager 1 up/);
});

test("pid 1: orphans are reaped, no zombie piles up", { skip }, async () => {
  const run = runAsPid1('for i in 1 2 3 4 5; do (sh -c "exit 0" &); done; sleep 0.5; grep -l "^[0-9]* ([^)]*) Z" /proc/[0-9]*/stat | wc -l');
  assert.equal(await withDeadline(run.exit, 20_000, () => JSON.stringify(run.output())), 0);
  assert.equal(run.output().stdout.trim(), "0");
});

test("pid 1: SIGTERM from outside stops the command gracefully; steward exits with its status", { skip }, async () => {
  const run = runAsPid1('trap "echo got TERM; exit 42" TERM; echo started; sleep 300 & wait');
  await waitUntil(() => (run.output().stdout.includes("started") ? true : undefined), "the command to start", 20_000);
  // unshare --fork: its child is the namespace's PID 1, steward.
  const steward = Number(readFileSync(`/proc/${run.child.pid}/task/${run.child.pid}/children`, "utf8").trim().split(" ")[0]);
  process.kill(steward, "SIGTERM");
  assert.equal(await withDeadline(run.exit, 20_000, () => JSON.stringify(run.output())), 42);
  assert.match(run.output().stdout, /got TERM/);
});
