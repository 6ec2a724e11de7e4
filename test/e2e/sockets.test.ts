// Socket activation and the fd store under a real `steward up` (docs/sockets.md).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixture } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

const node = process.execPath;
const echo = fixture("socket-echo.mjs");

const steward = new Steward({});
const echoPath = join(steward.dir, "echo.sock");
const storePath = join(steward.dir, "sub", "store.sock");
steward.writeUnit("echo.socket", `[Socket]\nListenStream=${echoPath}\n\n[Install]\nWantedBy=default.target\n`);
steward.writeUnit("echo.service", `[Service]\nExecStart=${node} ${echo}\n`);
steward.writeUnit("store.socket", `[Socket]\nListenStream=${storePath}\nDirectoryMode=0700\n`);
steward.writeUnit("store.service", `[Unit]\nStartLimitIntervalSec=0\n\n[Service]\nExecStart=${node} ${echo} --store\nNotifyAccess=main\nFileDescriptorStoreMax=4\n`);

interface Answer {
  listenPid: string | null;
  listenFds: string | null;
  names: string | null;
  pid: number;
  generation: number;
}

/** Connects and reads the fixture's one JSON line. */
function ask(path: string, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer on ${path} within ${timeoutMs} ms; manager stderr:\n${steward.stderr}`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(JSON.parse(text) as Answer);
    });
  });
}


before(async () => {
  // No units named: everything with [Install] (echo.socket), and store.socket asked for by name below.
  await steward.up();
  await steward.waitActive("echo.socket", "listening");
  const started = await steward.run("start", "store.socket");
  assert.equal(started.code, 0, started.stderr);
});

after(async () => {
  await steward.stopManager();
});

test("steward up starts the socket, not the service; the first connection starts the service with the fds", async () => {
  assert.equal((await steward.status("echo.service")).active, "inactive");
  const status = await steward.status("echo.socket");
  assert.deepEqual(status.listen, [{ kind: "Stream", address: echoPath }]);
  const answer = await ask(echoPath);
  assert.equal(answer.listenFds, "1");
  assert.equal(answer.names, "echo.socket");
  assert.equal(answer.listenPid, String(answer.pid));
  await steward.waitActive("echo.service", "running");
  await steward.waitActive("echo.socket", "running");
});

test("the socket stays open while the service is stopped; a connection then starts it again", async () => {
  await ask(echoPath);
  const stopped = await steward.run("stop", "echo.service");
  assert.equal(stopped.code, 0, stopped.stderr);
  await steward.waitActive("echo.socket", "listening");
  const first = await ask(echoPath);
  const second = await ask(echoPath);
  assert.equal(first.pid, second.pid);
  const restarted = await steward.run("restart", "echo.service");
  assert.equal(restarted.code, 0, restarted.stderr);
  const third = await ask(echoPath);
  assert.notEqual(third.pid, first.pid);
  assert.equal(third.names, "echo.socket");
});

test("the fd store keeps a memfd across restarts and status lists it", async () => {
  const first = await ask(storePath);
  assert.equal(first.names, "store.socket");
  const restarted = await steward.run("restart", "store.service");
  assert.equal(restarted.code, 0, restarted.stderr);
  const second = await ask(storePath);
  assert.equal(second.generation, first.generation + 1);
  assert.equal(second.names, "store.socket:state");
  assert.equal(second.listenFds, "2");
  const status = await steward.status("store.service");
  assert.equal(status.fdStore.length, 1);
  assert.equal(status.fdStore[0]?.name, "state");
  assert.match(status.fdStore[0]?.kind ?? "", /^memfd memfd:state/);
});

test("a stop (FileDescriptorStorePreserve=restart) empties the store", async () => {
  await ask(storePath);
  const stopped = await steward.run("stop", "store.service");
  assert.equal(stopped.code, 0, `${stopped.stderr}\nmanager:\n${steward.stderr}`);
  assert.deepEqual((await steward.status("store.service")).fdStore, []);
  const fresh = await ask(storePath);
  assert.equal(fresh.generation, 1);
});

test("store and restart cycles leak no fd in the manager", async () => {
  await ask(storePath);
  // Pipes (log capture) and sockets (API connections) close on their own schedule; the
  // stored fds are memfds here, and those are what a leak would leave.
  const count = (): number => steward.managerFdTargets().filter((target) => !/^(pipe|socket):/.test(target)).length;
  const baseline = count();
  for (let i = 0; i < 3; i++) {
    const restarted = await steward.run("restart", "store.service");
    assert.equal(restarted.code, 0, restarted.stderr);
    await ask(storePath);
  }
  assert.equal(count(), baseline);
});
