// A Type=notify service: warms up, reports its progress with STATUS=, then READY=1.
import { createServer } from "node:http";
import { ready, status } from "../../../dist/src/client/index.js";

const port = Number(process.env.PORT ?? 8080);
status("warming up the cache");
const server = createServer((_request, response) => response.end(`hello from pid ${process.pid}\n`));
server.listen(port, "127.0.0.1", () => {
  ready(`listening on 127.0.0.1:${port}`);
  console.log(`api: listening on 127.0.0.1:${port}`);
});
process.on("SIGTERM", () => {
  console.log("api: SIGTERM, closing");
  server.close(() => process.exit(0));
});
