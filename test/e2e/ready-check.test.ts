// steward status --ready-check and steward up --ready-port: ready only once every unit
// that should run is up; a failed unit makes it not ready with a one-line reason.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { repoRoot } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

function getReady(address: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${address}/ready`, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const steward = new Steward({
  // "gate" is ready only when the test creates its file: until then the manager is not ready.
  "gate.service": `[Service]
    Type=notify
    NotifyAccess=all
    ExecStart=/bin/sh -c 'while [ ! -e "$GATE" ]; do sleep 0.05; done; ${process.execPath} "$CLI" notify --ready; exec sleep 300'
    [Install]
    WantedBy=multi-user.target
  `,
  "web.service": "[Service]\nExecStart=/bin/sleep 300\n[Install]\nWantedBy=multi-user.target\n",
  "idle.service": "[Service]\nExecStart=/bin/sleep 300\n",
  "broken.service": "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 3'\n",
});
after(() => steward.cleanup());

test("ready-check: not ready while a unit starts, ready once all are up (inactive units ignored), not ready with a failed unit; GET /ready agrees", async () => {
  const gate = `${steward.dir}/gate-open`;
  // No unit named: every unit with [Install] (gate, web) is started; idle and broken are not.
  await steward.up(["--ready-port", "127.0.0.1:0"], { GATE: gate, CLI: join(repoRoot, "dist", "src", "cli", "main.js") });
  const address = await waitUntil(() => /readiness on http:\/\/(\S+)\/ready/.exec(steward.stderr)?.[1], "the /ready address", 10_000);
  const waiting = await steward.run("status", "--ready-check");
  assert.equal(waiting.code, 1, JSON.stringify(waiting));
  assert.match(waiting.stdout, /^not ready: .*gate\.service \((start job pending|activating)/m);
  const http503 = await getReady(address);
  assert.equal(http503.status, 503);
  assert.match(http503.body, /gate\.service/);
  writeFileSync(gate, "");
  await steward.waitActive("gate.service");
  const ready = await waitUntil(async () => {
    const r = await steward.run("status", "--ready-check");
    return r.code === 0 ? r : undefined;
  }, "ready-check to pass", 15_000);
  assert.equal(ready.stdout, "");
  assert.deepEqual(await getReady(address), { status: 200, body: "ready\n" });
  assert.equal((await steward.run("start", "broken")).code, 1);
  const failed = await steward.run("status", "--ready-check");
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /^not ready: 1 unit is not ready: broken\.service \(failed: exit-code\)$/m);
  assert.equal((await getReady(address)).status, 503);
  assert.equal(await steward.stopManager(), 0);
});
