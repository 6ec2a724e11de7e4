// The HTTP service restart-under-load restarts: answers every request with 200 "ok".
// It listens on the socket steward passes (LISTEN_FDS, socket activation) when there is
// one, else on 127.0.0.1:$PORT; says READY=1 (sd_notify) and process.send("ready") (PM2)
// once listening. On SIGTERM/SIGINT it stops accepting, finishes what it has, and exits.
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const client = await import(join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "src", "client", "index.js"));
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain", connection: "close" });
  res.end("ok\n");
});
const [inherited] = client.listenFds();
const onListening = () => {
  client.ready();
  process.send?.("ready");
};
if (inherited) server.listen({ fd: inherited.fd }, onListening);
else server.listen({ host: "127.0.0.1", port: Number(process.env.PORT) }, onListening);
const stop = () => {
  client.stopping();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
