// The web half of the container example: an HTTP server on $PORT that tells steward it
// is ready (READY=1) once it listens, and shows the worker's last heartbeat.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { ready } from "/opt/steward/dist/src/client/index.js";

const port = Number(process.env.PORT ?? "8080");
const heartbeat = process.env.HEARTBEAT_FILE ?? "/run/app/heartbeat";

const server = createServer((_request, response) => {
  let last = "none yet";
  try {
    last = readFileSync(heartbeat, "utf8").trim();
  } catch {
    // the worker has not written one yet
  }
  response.writeHead(200, { "content-type": "text/plain" }).end(`hello from web; worker heartbeat: ${last}\n`);
});
server.listen(port, () => ready(`listening on ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
