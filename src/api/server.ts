// The control API: HTTP/JSON over RUNTIME_DIR/control.sock, mode 0600, and only
// for peers whose kernel credentials say root or the manager's own user.
import { chmodSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { peerCredentials } from "../sys/index.js";
import type { JobOutcome, JobRequest, ListEntry, LogLine, ManagerEvent, UnitStatus } from "./types.js";

/** What the manager offers to the API. */
export interface ManagerControl {
  status(names: readonly string[]): { units: UnitStatus[]; notFound: string[] };
  list(): ListEntry[];
  submit(request: JobRequest): Promise<JobOutcome>;
  daemonReload(): Promise<{ ok: boolean; message: string | null }>;
  shutdown(): void;
  logs(units: readonly string[], lines: number): LogLine[];
  /** Whether every unit that should run is up (status --ready-check). */
  readiness(): { ready: boolean; reason: string | null };
  /** Calls back with every event until the returned function is called. */
  subscribe(onEvent: (event: ManagerEvent) => void): () => void;
}

const JOB_ACTIONS = new Set(["start", "stop", "restart", "reload", "try-restart"]);
const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function socketFd(socket: Socket): number | undefined {
  // net.Socket keeps its fd on the libuv handle; there is no public accessor.
  return (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
}

/** Whether a connecting peer may drive this manager: root, or the manager's own user. */
function peerAllowed(socket: Socket, ownUid: number): boolean {
  const fd = socketFd(socket);
  if (fd === undefined || fd < 0) return false;
  try {
    const { uid } = peerCredentials(fd);
    return uid === 0 || uid === ownUid;
  } catch {
    return false;
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new HttpError(413, "request body too large");
    chunks.push(buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not JSON");
  }
}

function parseJobRequest(body: unknown): JobRequest {
  const candidate = body as Partial<JobRequest>;
  if (typeof candidate.action !== "string" || !JOB_ACTIONS.has(candidate.action)) {
    throw new HttpError(400, "action must be one of start, stop, restart, reload, try-restart");
  }
  if (!Array.isArray(candidate.units) || candidate.units.length === 0 || !candidate.units.every((u) => typeof u === "string")) {
    throw new HttpError(400, "units must be a non-empty list of unit names");
  }
  const overlap = candidate.overlap === true;
  if (overlap && candidate.action !== "restart") throw new HttpError(400, "overlap goes only with the restart action");
  if (overlap && candidate.noBlock === true) throw new HttpError(400, "an overlapped restart always waits for its outcome");
  return { action: candidate.action, units: candidate.units, noBlock: candidate.noBlock === true, ...(overlap ? { overlap } : {}) };
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  response.end(body);
}

function startEventStream(response: ServerResponse): (value: unknown) => void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
  response.flushHeaders();
  return (value) => response.write(`data: ${JSON.stringify(value)}\n\n`);
}

export class ApiServer {
  readonly #server: Server;
  readonly #control: ManagerControl;
  readonly #path: string;
  readonly #streams = new Set<ServerResponse>();

  private constructor(path: string, control: ManagerControl, server: Server) {
    this.#path = path;
    this.#control = control;
    this.#server = server;
  }

  /** Listens on `path` (an old socket file there is replaced: the caller holds the manager lock). */
  static async listen(path: string, control: ManagerControl): Promise<ApiServer> {
    const ownUid = process.getuid?.() ?? 0;
    const server = createServer();
    const api = new ApiServer(path, control, server);
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      api.handle(request, response).catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        if (!response.headersSent) sendJson(response, status, { error: (error as Error).message });
        else response.end();
      });
    });
    server.on("connection", (socket: Socket) => {
      if (!peerAllowed(socket, ownUid)) socket.destroy();
    });
    rmSync(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
    return api;
  }

  async close(): Promise<void> {
    for (const stream of this.#streams) stream.end();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#path, { force: true });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://steward");
    const route = `${request.method ?? "GET"} ${url.pathname}`;
    const units = url.searchParams.getAll("unit");
    switch (route) {
      case "GET /v1/status":
        return sendJson(response, 200, this.#control.status(units));
      case "GET /v1/ready":
        return sendJson(response, 200, this.#control.readiness());
      case "GET /v1/list":
        return sendJson(response, 200, this.#control.list());
      case "POST /v1/jobs":
        return sendJson(response, 200, await this.#control.submit(parseJobRequest(await readJson(request))));
      case "POST /v1/daemon-reload":
        return sendJson(response, 200, await this.#control.daemonReload());
      case "POST /v1/shutdown":
        sendJson(response, 200, { ok: true });
        this.#control.shutdown();
        return;
      case "GET /v1/logs":
        return this.logs(units, url, response);
      case "GET /v1/events":
        return this.stream(response, (send) => this.#control.subscribe(send));
      default:
        throw new HttpError(404, `no such endpoint: ${route}`);
    }
  }

  private logs(units: string[], url: URL, response: ServerResponse): void {
    const lines = Number(url.searchParams.get("lines") ?? "10");
    if (!Number.isInteger(lines) || lines < 0) throw new HttpError(400, "lines must be a whole number");
    const backlog = this.#control.logs(units, lines);
    if (url.searchParams.get("follow") !== "1") return sendJson(response, 200, backlog);
    const wanted = new Set(units);
    this.stream(response, (send) => {
      backlog.forEach(send);
      return this.#control.subscribe((event) => {
        if (event.kind === "log" && (wanted.size === 0 || wanted.has(event.line.unit))) send(event.line);
        if (event.kind === "shutdown") response.end();
      });
    });
  }

  private stream(response: ServerResponse, attach: (send: (value: unknown) => void) => () => void): void {
    const send = startEventStream(response);
    this.#streams.add(response);
    const detach = attach(send);
    response.on("close", () => {
      detach();
      this.#streams.delete(response);
    });
  }
}
