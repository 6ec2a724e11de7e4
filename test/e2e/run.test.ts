// `steward run`: one command without a unit file, with sockets and an fd store.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { fixture, repoRoot } from "../helpers/repo.js";
import { withDeadline } from "../helpers/steward.js";

const cli = join(repoRoot, "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "steward-run-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function ask(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path }, () => undefined);
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

test("run --listen: the command gets the socket as fd 3 with LISTEN_*; SIGTERM stops it and steward exits with its status", async () => {
  const path = join(dir, "run.sock");
  const child = spawn(process.execPath, [cli, "--runtime-dir", join(dir, "rt"), "run", "--listen", path, "--fdstore", "2", "--name", "echo", "--", process.execPath, fixture("socket-echo.mjs"), "--store"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const answer = await waitUntil(async () => {
    try {
      return await ask(path);
    } catch {
      return undefined; // not listening yet
    }
  }, "the socket to answer", 15_000);
  const fields = JSON.parse(answer.trim().split("\n")[0] ?? "{}") as { listenFds: string; names: string; generation?: number };
  assert.equal(fields.listenFds, "1", answer);
  assert.equal(fields.names, "echo.socket");
  child.kill("SIGTERM");
  const code = await withDeadline(exit, 20_000, () => stderr);
  assert.ok(code === 0 || code === 143, `exit ${code}: ${stderr}`);
});
