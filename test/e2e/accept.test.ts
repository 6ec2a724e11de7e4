// Accept=yes sockets under a real `steward up` (docs/sockets.md): an instance of the
// template service per connection, inetd style.
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Steward } from "../helpers/steward.js";

const steward = new Steward({});
const unixPath = join(steward.dir, "accept.sock");
let port = 0;

// Says what it was given, echoes one line back, and ends (so does the connection).
const script = 'echo "fds=$LISTEN_FDS names=$LISTEN_FDNAMES remote=$REMOTE_ADDR:$REMOTE_PORT"; read line; echo "got $line"';

/** A free TCP port on loopback (bound and released; nothing else here binds ports by chance). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Connects, reads the first line, sends `line`, and returns everything read until the server closes. */
function converse(socket: Socket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    let sent = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer; got ${JSON.stringify(text)}; manager stderr:\n${steward.stderr}`));
    }, 10_000);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (!sent && text.includes("\n")) {
        sent = true;
        socket.write(`${line}\n`);
      }
    });
    socket.on("error", reject);
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

before(async () => {
  port = await freePort();
  // The instances are of the template named after the socket (Service= is refused with Accept=yes, as in systemd).
  steward.writeUnit("unixecho.socket", `[Socket]\nListenStream=${unixPath}\nAccept=yes\n`);
  steward.writeUnit("tcpecho.socket", `[Socket]\nListenStream=127.0.0.1:${port}\nAccept=yes\n`);
  for (const template of ["unixecho@.service", "tcpecho@.service"]) {
    steward.writeUnit(template, `[Service]\nStandardInput=socket\nStandardError=journal\nExecStart=/bin/sh -c '${script}'\n`);
  }
  await steward.up(["unixecho.socket", "tcpecho.socket"]);
  await steward.waitActive("unixecho.socket", "listening");
  await steward.waitActive("tcpecho.socket", "listening");
});

after(async () => {
  await steward.stopManager();
  assert.deepEqual(steward.strays(), []);
  await steward.cleanup();
});

test("Accept=yes: each connection runs an instance with the connection as stdio and as its one fd, named connection", async () => {
  const first = await converse(connect(unixPath), "one");
  const second = await converse(connect(unixPath), "two");
  assert.equal(first, "fds=1 names=connection remote=:\ngot one\n");
  assert.equal(second, "fds=1 names=connection remote=:\ngot two\n");
  const socket = await steward.status("unixecho.socket");
  assert.equal(socket.active, "active");
});

test("Accept=yes over TCP: REMOTE_ADDR and REMOTE_PORT name the peer; the instance is named after both ends", async () => {
  const client = connect(port, "127.0.0.1");
  const localPort = await new Promise<number>((resolve) => client.once("connect", () => resolve(client.localPort ?? 0)));
  const answer = await converse(client, "tcp");
  assert.equal(answer, `fds=1 names=connection remote=127.0.0.1:${localPort}\ngot tcp\n`);
  // The harness's event stream (open since the manager started) told of the instance.
  const instance = new RegExp(`^tcpecho@\\d+-127\\.0\\.0\\.1:${port}-127\\.0\\.0\\.1:${localPort}\\.service$`);
  await steward.waitForAny((entry) => instance.test(entry.name), `named like ${instance}`);
});

test("Accept=yes: a finished instance is unloaded, and its connection closed in the manager", async () => {
  await steward.waitActive("unixecho.socket");
  const earlier = new Set(steward.seenUnits());
  const sockets = managerSocketCount();
  const answer = await converse(connect(unixPath), "gone");
  assert.equal(answer.split("\n")[1], "got gone");
  // The harness's event stream (open since the manager started) tells of the new instance's end.
  const { name: instance } = await steward.waitForAny(
    (entry) => entry.name.startsWith("unixecho@") && !earlier.has(entry.name) && entry.active === "inactive",
    "unixecho@... that ended",
  );
  // The manager closed the connection before it told of the instance's end (same turn).
  // (Its log pipes close when they have delivered their last line: later, and not counted here.)
  assert.equal(managerSocketCount(), sockets, "the manager holds as many sockets as before");
  // Unloading follows in the same turn too, before any later request.
  const loaded = (await steward.client.list()).map((entry) => entry.name);
  assert.ok(!loaded.includes(instance), `${instance} is still loaded: ${loaded.join(", ")}`);
  assert.deepEqual(loaded.filter((name) => name.includes("@")), []);
});

/** Sockets the manager holds: listeners, the API's connections, and any Accept=yes connection. */
function managerSocketCount(): number {
  return steward.managerFdTargets().filter((target) => target.startsWith("socket:")).length;
}
