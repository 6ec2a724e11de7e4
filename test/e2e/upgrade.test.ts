// MAINPID= changes as in a graceful executable upgrade, under a bounded HTTP load on
// loopback: the old main forks the new binary with the inherited listener, the new
// one reports MAINPID= and READY=1, the old one drains and exits. steward follows.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { fixture } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

const steward = new Steward({});
const portFile = join(steward.dir, "port");
steward.writeUnit("upgrade.service", `[Service]
Type=notify
NotifyAccess=all
Environment=PORT_FILE=${portFile}
ExecStart=${process.execPath} ${fixture("upgrade-server.mjs")}
`);

before(() => steward.up(["upgrade.service"]));
after(() => steward.cleanup());

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve(body.trim()));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.end();
  });
}

test("MAINPID upgrade dance under load: no failed request, status follows the new main, the old one is reaped", async () => {
  await steward.waitActive("upgrade.service");
  await waitUntil(() => (existsSync(portFile) ? true : undefined), "the server's port");
  const port = Number(readFileSync(portFile, "utf8"));
  const oldPid = (await steward.status("upgrade.service")).mainPid;
  assert.ok(oldPid !== null);

  let failures = 0;
  let done = 0;
  const servedBy = new Set<string>();
  let upgraded = false;
  // Four clients in a loop, bounded: until the upgrade is seen plus 50 more requests each.
  const client = async () => {
    let after = 0;
    for (let i = 0; i < 2000 && after < 50; i++) {
      try {
        servedBy.add(await get(port));
      } catch {
        failures++;
      }
      done++;
      if (upgraded) after++;
    }
  };
  const load = Promise.all([client(), client(), client(), client()]);
  await waitUntil(() => (done >= 40 ? true : undefined), "some load before the upgrade");
  process.kill(oldPid, "SIGUSR2");
  const status = await waitUntil(async () => {
    const s = await steward.status("upgrade.service");
    return s.mainPid !== oldPid && s.mainPid !== null ? s : undefined;
  }, "steward to follow MAINPID=");
  upgraded = true;
  await load;

  assert.equal(failures, 0, `${failures} of ${done} requests failed`);
  assert.equal(status.active, "active");
  assert.match(status.statusText ?? "", /^upgraded, pid \d+$/);
  assert.ok(servedBy.has(String(status.mainPid)), "the new main process answered requests");
  await waitUntil(() => (existsSync(`/proc/${oldPid}`) ? undefined : true), "the old main process to be gone and reaped");
  assert.equal((await steward.status("upgrade.service")).active, "active", "the old main's exit is not the service's");
});
