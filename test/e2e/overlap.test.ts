// `steward restart --overlap` under a real `steward up` (docs/sockets.md).
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixture } from "../helpers/repo.js";
import { isAlive, Steward } from "../helpers/steward.js";

const node = process.execPath;
const steward = new Steward({});
const webPath = join(steward.dir, "web.sock");
const storePath = join(steward.dir, "store.sock");

function webUnit(execStart: string): string {
  return `[Service]\nType=notify\nExecStart=${execStart}\nTimeoutStartSec=10s\nRestart=on-failure\n`;
}
steward.writeUnit("web.socket", `[Socket]\nListenStream=${webPath}\n`);
steward.writeUnit("web.service", webUnit(`${node} ${fixture("http-service.mjs")}`));
steward.writeUnit("store.socket", `[Socket]\nListenStream=${storePath}\n`);
steward.writeUnit("store.service", `[Service]\nExecStart=${node} ${fixture("socket-echo.mjs")} --store\nNotifyAccess=main\nFileDescriptorStoreMax=4\n`);

/** GET / over the unit's unix socket: the serving process's PID. */
function servedBy(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, path: "/", timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve(Number(body)));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer on ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

/** socket-echo.mjs's answer: its PID and the generation it keeps in the fd store. */
function echo(path: string): Promise<{ pid: number; generation: number }> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect(path);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", reject);
    socket.on("end", () => resolve(JSON.parse(text) as { pid: number; generation: number }));
  });
}

before(async () => {
  await steward.up(["web.socket", "store.socket"]);
  await steward.waitActive("web.socket", "listening");
});

after(async () => {
  await steward.stopManager();
  assert.deepEqual(steward.strays(), []);
  await steward.cleanup();
});

test("restart --overlap: the new instance takes over once ready, the old one is stopped, the unit stays active", async () => {
  const first = await servedBy(webPath);
  await steward.waitActive("web.service");
  const seen: string[] = [];
  const abort = new AbortController();
  const events = steward.client.events((event) => {
    if (event.kind === "unit" && event.unit.name === "web.service") seen.push(event.unit.active);
  }, abort.signal);
  const result = await steward.run("restart", "--overlap", "web.service");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /web\.service: the new instance is ready \(main PID \d+\); the old one is stopped/);
  const status = await steward.status("web.service");
  assert.equal(status.active, "active");
  assert.notEqual(status.mainPid, first);
  assert.equal(isAlive(first), false, "the old main process is gone");
  assert.equal(await servedBy(webPath), status.mainPid);
  assert.ok(seen.every((active) => active === "active"), `the unit left active: ${seen.join(", ")}`);
  assert.match(status.recentLogs.map((line) => line.text).join("\n"), /Overlapped restart: the new instance is ready/);
  abort.abort();
  await events;
});

test("restart --overlap: a new instance that fails is stopped and the old one keeps serving (exit 1, reason)", async () => {
  const before = (await steward.status("web.service")).mainPid;
  steward.writeUnit("web.service", webUnit(`${node} -e "process.exit(3)"`));
  assert.equal((await steward.run("daemon-reload")).code, 0);
  try {
    const result = await steward.run("restart", "--overlap", "web.service");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /web\.service: the new instance did not become ready \(result exit-code, exited with 3\); the old instance \(main PID \d+\) keeps running/);
    const status = await steward.status("web.service");
    assert.equal(status.active, "active");
    assert.equal(status.mainPid, before);
    assert.equal(await servedBy(webPath), before);
  } finally {
    steward.writeUnit("web.service", webUnit(`${node} ${fixture("http-service.mjs")}`));
    assert.equal((await steward.run("daemon-reload")).code, 0);
  }
});

test("restart --overlap: the new instance gets a copy of the fd store, and finds its state there", async () => {
  const first = await echo(storePath);
  const result = await steward.run("restart", "--overlap", "store.service");
  assert.equal(result.code, 0, result.stderr);
  const second = await echo(storePath);
  assert.notEqual(second.pid, first.pid);
  assert.equal(second.generation, first.generation + 1);
  assert.deepEqual((await steward.status("store.service")).fdStore.map((fd) => fd.name), ["state"]);
});

test("restart --overlap is refused, with the reason, for a unit that is not running", async () => {
  const stopped = await steward.run("stop", "store.service");
  assert.equal(stopped.code, 0, stopped.stderr);
  const result = await steward.run("restart", "--overlap", "store.service");
  assert.equal(result.code, 1);
  assert.match(result.stderr, /store\.service: it is inactive \(dead\), not running with a main process; use restart/);
  const socket = await steward.run("restart", "--overlap", "web.socket");
  assert.equal(socket.code, 1);
  assert.match(socket.stderr, /web\.socket: only a loaded service can be restarted overlapped/);
  const usage = await steward.run("restart", "--overlap", "--no-block", "web.service");
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /--overlap waits for its outcome/);
});
