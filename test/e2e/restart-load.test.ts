// Restarts that drop nothing (issue #5, docs/sockets.md): a socket-activated HTTP service
// (test/fixtures/http-service.mjs, one request per connection) under a bounded loopback
// load while it is restarted plainly, killed with SIGKILL and restarted overlapped, each
// STEWARD_LOAD_RESTARTS times (default 50); then the same load against the same service
// binding its port itself, restarted plainly, for the failures socket activation prevents.
// The restarts go through the API the CLI uses (`steward restart [--overlap]` is one
// POST /v1/jobs); each wait is on the manager's event stream, with a deadline.
import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, test } from "node:test";
import type { ListEntry } from "../../src/api/types.js";
import { freePort } from "../helpers/free-port.js";
import { fixture } from "../helpers/repo.js";
import { isAlive, Steward, withDeadline } from "../helpers/steward.js";

const RESTARTS = Number(process.env.STEWARD_LOAD_RESTARTS ?? 50);
/** Concurrent clients, each issuing one GET after another: a bounded load for 2 cores. */
const CLIENTS = 4;
const REQUEST_TIMEOUT_MS = 15_000;


const node = process.execPath;
const service = fixture("http-service.mjs");
const steward = new Steward({});
let socketPort = 0;
let barePort = 0;

interface Tally {
  kind: string;
  restarts: number;
  ok: number;
  refused: number;
  failed: number;
  /** What the failed requests saw, e.g. { ECONNRESET: 2 }. */
  failures: Record<string, number>;
  /** The longest a request took (connect to last byte), in ms. */
  longestMs: number;
}
const table: Tally[] = [];

/** CLIENTS loops of GET http://127.0.0.1:PORT/ with a fresh connection each, until stopped. */
class Load {
  readonly #tally: Tally;
  readonly #port: number;
  readonly #loops: Promise<void>[] = [];
  readonly #onOk = new Set<() => void>();
  #running = true;

  constructor(kind: string, port: number) {
    this.#port = port;
    this.#tally = { kind, restarts: 0, ok: 0, refused: 0, failed: 0, failures: {}, longestMs: 0 };
    for (let i = 0; i < CLIENTS; i++) this.#loops.push(this.#loop());
  }

  get tally(): Tally {
    return this.#tally;
  }

  /** Resolves on the next request answered from now on: the current instance serves. */
  nextOk(what: string): Promise<void> {
    return withDeadline(new Promise<void>((resolve) => this.#onOk.add(resolve)), 20_000, () => `a request answered ${what}: ${JSON.stringify(this.#tally)}`);
  }

  async stop(restarts: number): Promise<Tally> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#tally.restarts = restarts;
    table.push(this.#tally);
    return this.#tally;
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      const started = performance.now();
      const outcome = await this.#request();
      this.#tally.longestMs = Math.max(this.#tally.longestMs, performance.now() - started);
      if (outcome === "ok") {
        this.#tally.ok++;
        for (const wake of this.#onOk) wake();
        this.#onOk.clear();
      }
      else if (outcome === "ECONNREFUSED") {
        this.#tally.refused++;
        // A refused connect costs nothing: let the event loop breathe before the next.
        await new Promise((resolve) => setImmediate(resolve));
      } else {
        this.#tally.failed++;
        this.#tally.failures[outcome] = (this.#tally.failures[outcome] ?? 0) + 1;
      }
    }
  }

  /** "ok" (a 200 with a PID in the body), or what went wrong. */
  #request(): Promise<string> {
    return new Promise((resolve) => {
      const req = get({ host: "127.0.0.1", port: this.#port, path: "/", agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        response.on("end", () => resolve(response.statusCode === 200 && /^\d+\n$/.test(body) ? "ok" : `HTTP ${response.statusCode} ${JSON.stringify(body)}`));
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  }
}

/** web.service's unit changes, numbered, so a wait can ask for one that came after a mark. */
const changes: ListEntry[] = [];
const wakers = new Set<() => void>();
const abortEvents = new AbortController();
let eventStream: Promise<void> = Promise.resolve();

function changeAfter(mark: number, check: (entry: ListEntry) => boolean, what: string): Promise<number> {
  const find = (): number => changes.findIndex((entry, i) => i >= mark && check(entry));
  return withDeadline(
    new Promise<number>((resolve) => {
      const wake = (): void => {
        const index = find();
        if (index < 0) return;
        wakers.delete(wake);
        resolve(index);
      };
      wakers.add(wake);
      wake();
    }),
    20_000,
    () => `web.service to be ${what} (changes since: ${JSON.stringify(changes.slice(mark))}); manager stderr:\n${steward.stderr.slice(-4000)}`,
  );
}

async function mainPid(unit: string): Promise<number> {
  const status = await steward.status(unit);
  assert.equal(status.active, "active", JSON.stringify(status));
  assert.ok(status.mainPid !== null, `${unit} has a main PID`);
  return status.mainPid;
}

async function restart(unit: string, overlap: boolean): Promise<void> {
  const outcome = await steward.client.submit({ action: "restart", units: [unit], ...(overlap ? { overlap: true } : {}) });
  assert.ok(outcome.ok, `${unit}: ${outcome.message}`);
}

before(async () => {
  socketPort = await freePort();
  barePort = await freePort();
  const restartUnit = "[Unit]\nStartLimitIntervalSec=0\n\n";
  steward.writeUnit("web.socket", `[Socket]\nListenStream=127.0.0.1:${socketPort}\n`);
  steward.writeUnit("web.service", `${restartUnit}[Service]\nType=notify\nExecStart=${node} ${service}\nRestart=always\nRestartSec=0\nTimeoutStartSec=20s\n`);
  steward.writeUnit("bare.service", `${restartUnit}[Service]\nType=notify\nExecStart=${node} ${service} --port ${barePort}\nRestart=always\nRestartSec=0\nTimeoutStartSec=20s\n`);
  await steward.up(["web.socket"]);
  eventStream = steward.client.events((event) => {
    if (event.kind !== "unit" || event.unit.name !== "web.service") return;
    changes.push(event.unit);
    for (const wake of [...wakers]) wake();
  }, abortEvents.signal);
  const started = await steward.run("start", "web.service");
  assert.equal(started.code, 0, started.stderr);
});

after(async () => {
  abortEvents.abort();
  await eventStream.catch(() => undefined);
  const lines = [
    `restart load: ${CLIENTS} loopback clients, one GET per connection, ${RESTARTS} restarts of each kind`,
    "kind                                  restarts        ok   refused    failed  longest   failures",
    ...table.map((t) =>
      [
        t.kind.padEnd(36),
        String(t.restarts).padStart(9),
        String(t.ok).padStart(9),
        String(t.refused).padStart(9),
        String(t.failed).padStart(9),
        `${Math.round(t.longestMs)} ms`.padStart(8),
        `  ${JSON.stringify(t.failures)}`,
      ].join(" "),
    ),
  ];
  console.log(lines.join("\n"));
  await steward.stopManager();
  assert.deepEqual(steward.strays(), []);
  await steward.cleanup();
});

test(`socket-activated: ${RESTARTS} plain restarts under load refuse no connection and fail no request`, async (t) => {
  const load = new Load("socket-activated, steward restart", socketPort);
  let previous = await mainPid("web.service");
  for (let i = 0; i < RESTARTS; i++) {
    await restart("web.service", false);
    const current = await mainPid("web.service");
    assert.notEqual(current, previous);
    previous = current;
    await load.nextOk(`by the new instance after restart ${i + 1}`);
  }
  const tally = await load.stop(RESTARTS);
  t.diagnostic(JSON.stringify(tally));
  assert.ok(tally.ok > RESTARTS, `requests were served during the restarts: ${JSON.stringify(tally)}`);
  assert.equal(tally.refused, 0, JSON.stringify(tally));
  assert.equal(tally.failed, 0, JSON.stringify(tally));
});

test(`socket-activated: ${RESTARTS} crash restarts (SIGKILL, Restart=always) refuse no connection; only requests inside the killed process fail`, async (t) => {
  const before = (await steward.status("web.service")).restarts;
  const load = new Load("socket-activated, SIGKILL + Restart=", socketPort);
  for (let i = 0; i < RESTARTS; i++) {
    const killed = await mainPid("web.service");
    const mark = changes.length;
    process.kill(killed, "SIGKILL");
    const down = await changeAfter(mark, (entry) => entry.active !== "active", "down after SIGKILL");
    await changeAfter(down + 1, (entry) => entry.active === "active", "active again after SIGKILL");
    assert.notEqual(await mainPid("web.service"), killed);
    assert.equal(isAlive(killed), false);
    await load.nextOk(`by the new instance after kill ${i + 1}`);
  }
  const tally = await load.stop(RESTARTS);
  t.diagnostic(JSON.stringify(tally));
  assert.equal((await steward.status("web.service")).restarts - before, RESTARTS, "each kill was one automatic restart");
  assert.equal(tally.refused, 0, JSON.stringify(tally));
  // Each kill can take with it at most the requests being served then: one per client.
  assert.ok(tally.failed <= RESTARTS * CLIENTS, JSON.stringify(tally));
});

test(`socket-activated: ${RESTARTS} overlapped restarts (restart --overlap) under load refuse no connection and fail no request`, async (t) => {
  const load = new Load("socket-activated, restart --overlap", socketPort);
  let previous = await mainPid("web.service");
  for (let i = 0; i < RESTARTS; i++) {
    const mark = changes.length;
    await restart("web.service", true);
    const current = await mainPid("web.service");
    assert.notEqual(current, previous);
    assert.equal(isAlive(previous), false, "the old instance is stopped once the overlap is done");
    previous = current;
    assert.ok(changes.slice(mark).every((entry) => entry.active === "active"), `web.service left active: ${JSON.stringify(changes.slice(mark))}`);
    await load.nextOk(`by the new instance after overlapped restart ${i + 1}`);
  }
  const tally = await load.stop(RESTARTS);
  t.diagnostic(JSON.stringify(tally));
  assert.ok(tally.ok > RESTARTS, `requests were served during the restarts: ${JSON.stringify(tally)}`);
  assert.equal(tally.refused, 0, JSON.stringify(tally));
  assert.equal(tally.failed, 0, JSON.stringify(tally));
});

test(`without socket activation (the service binds its port): ${RESTARTS} plain restarts under the same load refuse connections`, async (t) => {
  const stopped = await steward.run("stop", "web.service", "web.socket");
  assert.equal(stopped.code, 0, stopped.stderr);
  const started = await steward.run("start", "bare.service");
  assert.equal(started.code, 0, started.stderr);
  const load = new Load("own bind(), steward restart", barePort);
  for (let i = 0; i < RESTARTS; i++) {
    await restart("bare.service", false);
    await load.nextOk(`by the new instance after restart ${i + 1}`);
  }
  const tally = await load.stop(RESTARTS);
  t.diagnostic(JSON.stringify(tally));
  // Between the old process closing its listener and the new one binding, nothing listens:
  // with clients connecting all the time, that window is never missed.
  assert.ok(tally.refused > 0, `connections were refused: ${JSON.stringify(tally)}`);
});
