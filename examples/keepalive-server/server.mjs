// An HTTP server that keeps its listener and its open keep-alive connections across a
// restart. steward (or systemd) owns the listening socket (keepalive.socket) and hands it
// over as fd 3; on SIGTERM the server stops accepting, lets the requests in flight finish,
// and puts every open connection into the manager's fd store (FDSTORE=1, FDNAME=conn)
// before it exits. The next instance finds them after the listener in LISTEN_FDS and
// goes on serving them: a client's keep-alive connection never notices the restart.
import { createServer } from "node:http";
import { Server as NetServer, Socket } from "node:net";
import { barrier, fdStore, listenFds, ready, status, stopping } from "../../dist/src/client/index.js";

const CONNECTION_NAME = "conn";
const passed = listenFds({ unsetEnvironment: true });
const listener = passed.find((fd) => fd.kind.endsWith("-listener"));
if (!listener) {
  console.error("keepalive-server: no listening socket was passed (start it through keepalive.socket)");
  process.exit(1);
}

/** Requests being answered, per connection: a connection is handed over only when it has none. */
const busy = new Map();
let draining = false;

const server = createServer((request, response) => {
  const socket = request.socket;
  busy.set(socket, (busy.get(socket) ?? 0) + 1);
  request.resume();
  request.on("end", () => {
    response.setHeader("content-type", "text/plain");
    response.end(`hello from pid ${process.pid}\n`);
  });
  response.on("close", () => {
    const left = (busy.get(socket) ?? 1) - 1;
    busy.set(socket, left);
    if (draining && left === 0) handOver(socket);
  });
});
server.keepAliveTimeout = 60_000; // idle connections stay open a minute, restarts or not
server.listen({ fd: listener.fd }, () => {
  // Connections the previous instance stored: ours now. Our dups are enough, so the
  // manager's copies go (else a connection we close would stay open in the store).
  const adopted = passed.filter((fd) => fd.name === CONNECTION_NAME);
  if (adopted.length > 0) fdStore.remove(CONNECTION_NAME);
  for (const { fd } of adopted) server.emit("connection", new Socket({ fd, readable: true, writable: true }));
  ready(`serving; ${adopted.length} connection(s) taken over`);
});

const open = new Set();
server.on("connection", (socket) => {
  open.add(socket);
  socket.on("close", () => open.delete(socket));
});

let handedOver = 0;
function handOver(socket) {
  if (!open.delete(socket)) return;
  // Stop reading: whatever the client sends next stays in the kernel for the next instance.
  socket.pause();
  const fd = socket._handle?.fd;
  if (typeof fd === "number" && fd >= 0) {
    fdStore.add(CONNECTION_NAME, fd);
    handedOver++;
  }
  if (open.size === 0) finish();
}

let finishing = false;
async function finish() {
  if (finishing) return;
  finishing = true;
  await barrier(); // the manager holds every stored connection before we let ours go
  // Exit without closing the sockets ourselves: the fds close with the process, and as the
  // manager holds copies, the clients see no FIN.
  process.exit(0);
}

process.on("SIGTERM", () => {
  draining = true;
  stopping(`handing over ${open.size} connection(s)`);
  // Stop accepting, without http.Server.close(), which would also close the idle keep-alive
  // connections we mean to hand over. New connections wait in the listener's backlog.
  NetServer.prototype.close.call(server);
  for (const socket of [...open]) if ((busy.get(socket) ?? 0) === 0) handOver(socket);
  if (open.size === 0) void finish();
  status(`handed over ${handedOver}, waiting for ${open.size} request(s) in flight`);
});
