// examples/keepalive-server/ under a real `steward up`: a client's keep-alive connection
// survives `steward restart` (the same client socket, answered by the new main process),
// because the server stores its open connections in the fd store on SIGTERM and the next
// instance takes them over (docs/sockets.md). The example's own unit files, on a free port.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { freePort } from "../helpers/free-port.js";
import { repoRoot } from "../helpers/repo.js";
import { Steward, withDeadline } from "../helpers/steward.js";

const example = join(repoRoot, "examples", "keepalive-server");
const steward = new Steward({});
let port = 0;


/** One client connection speaking HTTP/1.1 keep-alive by hand, so that it is provably one socket. */
class KeepAliveClient {
  readonly socket: Socket;
  readonly localPort: Promise<number>;
  #buffer = "";
  #closed = false;
  #wake: (() => void) | null = null;

  constructor() {
    this.socket = connect(port, "127.0.0.1");
    this.socket.setEncoding("utf8");
    this.localPort = new Promise((resolve, reject) => {
      this.socket.once("connect", () => resolve(this.socket.localPort ?? 0));
      this.socket.once("error", reject);
    });
    this.socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
      this.#wake?.();
    });
    this.socket.on("close", () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** GET / on this connection; the PID in the answer. */
  async get(what: string): Promise<number> {
    this.socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    const body = await withDeadline(this.#response(), 15_000, () => `an answer to ${what}; got so far ${JSON.stringify(this.#buffer)}; manager stderr:\n${steward.stderr.slice(-3000)}`);
    const pid = /^hello from pid (\d+)\n$/.exec(body)?.[1];
    assert.ok(pid, `answer to ${what}: ${JSON.stringify(body)}`);
    return Number(pid);
  }

  #response(): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const end = this.#buffer.indexOf("\r\n\r\n");
        const length = end < 0 ? null : /^content-length: (\d+)$/im.exec(this.#buffer.slice(0, end))?.[1];
        if (end >= 0 && length !== undefined && length !== null && this.#buffer.length >= end + 4 + Number(length)) {
          const body = this.#buffer.slice(end + 4, end + 4 + Number(length));
          this.#buffer = this.#buffer.slice(end + 4 + Number(length));
          this.#wake = null;
          resolve(body);
        } else if (this.#closed) {
          this.#wake = null;
          reject(new Error(`the connection closed; unanswered: ${JSON.stringify(this.#buffer)}`));
        }
      };
      this.#wake = check;
      check();
    });
  }
}

before(async () => {
  port = await freePort();
  const socketUnit = readFileSync(join(example, "units", "keepalive.socket"), "utf8");
  assert.match(socketUnit, /^ListenStream=127\.0\.0\.1:8080$/m);
  steward.writeUnit("keepalive.socket", socketUnit.replace(/^ListenStream=.*$/m, `ListenStream=127.0.0.1:${port}`));
  steward.writeUnit("keepalive.service", readFileSync(join(example, "units", "keepalive.service"), "utf8"));
  await steward.up([], { KEEPALIVE_DIR: example });
  await steward.waitActive("keepalive.socket", "listening");
});

after(async () => {
  await steward.stopManager();
  assert.deepEqual(steward.strays(), []);
  await steward.cleanup();
});

test("examples/keepalive-server: a keep-alive connection survives steward restart, answered by the new main process", async () => {
  const idle = new KeepAliveClient();
  const busy = new KeepAliveClient();
  const first = await idle.get("the first request (it starts the service)");
  assert.equal(await busy.get("a second connection's first request"), first);
  const status = await steward.status("keepalive.service");
  assert.equal(status.mainPid, first);
  const ports = [await idle.localPort, await busy.localPort];

  let previous = first;
  for (let round = 1; round <= 3; round++) {
    const restarted = await steward.run("restart", "keepalive");
    assert.equal(restarted.code, 0, restarted.stderr);
    const now = await steward.status("keepalive.service");
    assert.ok(now.mainPid !== null && now.mainPid !== previous, `a new main process after restart ${round}`);
    assert.match(now.statusText ?? "", /2 connection\(s\) taken over/);
    // The new instance holds its own copies and emptied the store.
    assert.deepEqual(now.fdStore, []);
    assert.equal(await idle.get(`the idle connection after restart ${round}`), now.mainPid);
    assert.equal(await busy.get(`the other connection after restart ${round}`), now.mainPid);
    assert.deepEqual([await idle.localPort, await busy.localPort, idle.socket.localPort, busy.socket.localPort], [...ports, ...ports]);
    assert.equal(idle.closed || busy.closed, false);
    previous = now.mainPid;
  }

  // A request sent while the restart is under way is answered by one instance or the other.
  const restarting = steward.run("restart", "keepalive");
  const during = await busy.get("a request sent during a restart");
  const restarted = await restarting;
  assert.equal(restarted.code, 0, restarted.stderr);
  const last = (await steward.status("keepalive.service")).mainPid;
  assert.ok(during === previous || during === last, `answered by ${during}, not by ${previous} or ${last}`);
  assert.equal(await busy.get("the connection after that restart"), last);
  assert.equal(await idle.get("the idle connection after that restart"), last);

  // A fresh connection is served too; a client that closes is forgotten.
  const fresh = new KeepAliveClient();
  assert.equal(await fresh.get("a new connection"), last);
  for (const client of [idle, busy, fresh]) client.socket.destroy();
});
