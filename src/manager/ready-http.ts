// `steward up --ready-port [HOST:]PORT`: GET /ready answers 200 when the manager is ready
// (readiness.ts) and 503 with the reason otherwise, for an httpGet readiness probe. It
// serves nothing else and takes no input, so it may listen beyond loopback (a Kubernetes
// probe comes from the node, to the pod's IP).
import { createServer, type Server } from "node:http";
import type { Readiness } from "./readiness.js";

export interface ReadyAddress {
  host: string;
  port: number;
}

/** "8080", "127.0.0.1:8080", "0.0.0.0:8080", "[::]:8080"; default host 127.0.0.1. */
export function parseReadyAddress(text: string): ReadyAddress | null {
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text);
  if (!match) return null;
  const port = Number(match[2]);
  if (port > 65535) return null; // 0: the kernel picks one (tests)
  const host = match[1] === undefined ? "127.0.0.1" : match[1].replace(/^\[(.*)\]$/, "$1");
  return { host, port };
}

export class ReadyHttpServer {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async listen(address: ReadyAddress, readiness: () => Readiness): Promise<ReadyHttpServer> {
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? "/", "http://steward").pathname;
      if (path !== "/ready" || (request.method !== "GET" && request.method !== "HEAD")) {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /ready\n");
        return;
      }
      const answer = readiness();
      const body = answer.ready ? "ready\n" : `not ready: ${answer.reason ?? ""}\n`;
      response.writeHead(answer.ready ? 200 : 503, { "content-type": "text/plain", "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      response.end(request.method === "HEAD" ? undefined : body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(address.port, address.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return new ReadyHttpServer(server);
  }

  /** HOST:PORT as bound (the port the kernel chose for 0). */
  get address(): string {
    const bound = this.#server.address();
    if (bound === null || typeof bound === "string") return String(bound);
    return bound.family === "IPv6" ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
