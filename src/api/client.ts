// The typed client of the control API, for the CLI and for tests.
import { request } from "node:http";
import type { ApiError, JobOutcome, JobRequest, ListEntry, LogLine, ManagerEvent, UnitStatus } from "./types.js";

/** The manager is not there, or refused us: a message for a person. */
export class ApiUnavailableError extends Error {
  constructor(readonly socketPath: string, readonly code: string) {
    super(
      code === "ENOENT" || code === "ECONNREFUSED"
        ? `no steward manager is running at ${socketPath} (start one with 'steward up')`
        : code === "EACCES"
          ? `not allowed to talk to the manager at ${socketPath}`
          : `cannot reach the manager at ${socketPath}: ${code}`,
    );
  }
}

export class ApiRequestError extends Error {
  constructor(readonly status: number, readonly body: ApiError) {
    super(body.error);
  }
}

export class ApiClient {
  constructor(readonly socketPath: string) {}

  /** Whether every unit that should run is up, with a one-line reason when not. */
  ready(): Promise<{ ready: boolean; reason: string | null }> {
    return this.call("GET", "/v1/ready");
  }

  status(units: readonly string[]): Promise<{ units: UnitStatus[]; notFound: string[] }> {
    return this.call("GET", `/v1/status${query(units)}`);
  }

  list(): Promise<ListEntry[]> {
    return this.call("GET", "/v1/list");
  }

  submit(job: JobRequest): Promise<JobOutcome> {
    return this.call("POST", "/v1/jobs", job);
  }

  daemonReload(): Promise<{ ok: boolean; message: string | null }> {
    return this.call("POST", "/v1/daemon-reload", {});
  }

  shutdown(): Promise<{ ok: boolean }> {
    return this.call("POST", "/v1/shutdown", {});
  }

  logs(units: readonly string[], lines: number): Promise<LogLine[]> {
    return this.call("GET", `/v1/logs${query(units, { lines: String(lines) })}`);
  }

  /** Streams log lines until `signal` aborts or the manager goes away. */
  followLogs(units: readonly string[], lines: number, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<void> {
    return this.stream(`/v1/logs${query(units, { lines: String(lines), follow: "1" })}`, onLine, signal);
  }

  /** Streams unit changes and log lines until `signal` aborts or the manager goes away. */
  events(onEvent: (event: ManagerEvent) => void, signal?: AbortSignal): Promise<void> {
    return this.stream("/v1/events", onEvent, signal);
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method, path, headers: payload ? { "content-type": "application/json" } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            reject(new Error(`the manager answered ${method} ${path} with something that is not JSON`));
            return;
          }
          if ((res.statusCode ?? 500) >= 400) reject(new ApiRequestError(res.statusCode ?? 500, parsed as ApiError));
          else resolve(parsed as T);
        });
      });
      req.on("error", (error: NodeJS.ErrnoException) => reject(apiError(this.socketPath, error)));
      req.end(payload);
    });
  }

  private stream<T>(path: string, onValue: (value: T) => void, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method: "GET", path }, (res) => {
        signal?.addEventListener("abort", () => {
          res.destroy();
          resolve();
        });
        if ((res.statusCode ?? 500) >= 400) {
          res.resume();
          reject(new ApiRequestError(res.statusCode ?? 500, { error: `${path} answered ${res.statusCode}` }));
          return;
        }
        let pending = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          pending += chunk;
          let end: number;
          while ((end = pending.indexOf("\n\n")) >= 0) {
            const event = pending.slice(0, end);
            pending = pending.slice(end + 2);
            const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
            if (data) onValue(JSON.parse(data) as T);
          }
        });
        res.on("end", resolve);
        res.on("close", resolve);
        res.on("error", (error) => (signal?.aborted ? resolve() : reject(error)));
      });
      req.on("error", (error: NodeJS.ErrnoException) => reject(apiError(this.socketPath, error)));
      req.end();
    });
  }
}

function apiError(socketPath: string, error: NodeJS.ErrnoException): Error {
  return error.code ? new ApiUnavailableError(socketPath, error.code) : error;
}

function query(units: readonly string[], extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const unit of units) params.append("unit", unit);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}
