// A stand-in manager for client tests: a real notify socket in the test
// process that records every datagram with its credentials and fds, and
// answers BARRIER=1 by closing its fd (or holds the fd, to test timeouts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFd, NotifySocket } from "../../src/sys/index.js";
import { EventLog } from "../helpers/events.js";

export interface Received {
  text: string;
  /** KEY=VALUE lines as a record (first occurrence of each key). */
  fields: Record<string, string>;
  pid: number | null;
  /** Owned by the receiver: closed by close(), not by the test. */
  fds: number[];
  barrier: boolean;
}

let counter = 0;

export class Receiver {
  readonly address: string;
  readonly received = new EventLog<Received>();
  /** false: keep barrier fds open (the manager never answers) until close() or answerHeld(). */
  answerBarriers: boolean;
  readonly #socket: NotifySocket;
  readonly #dir: string | null;
  #held: number[] = [];
  #owned: number[] = [];

  constructor(options: { kind?: "abstract" | "path"; answerBarriers?: boolean } = {}) {
    this.answerBarriers = options.answerBarriers ?? true;
    if (options.kind === "path") {
      this.#dir = mkdtempSync(join(tmpdir(), "steward-client-"));
      this.address = join(this.#dir, "notify");
    } else {
      this.#dir = null;
      this.address = `@steward-client-test-${process.pid}-${++counter}`;
    }
    this.#socket = new NotifySocket(this.address, (datagrams) => {
      for (const d of datagrams) {
        const text = d.data.toString("utf8");
        const fields: Record<string, string> = {};
        for (const line of text.split("\n")) {
          const equals = line.indexOf("=");
          if (equals > 0 && !(line.slice(0, equals) in fields)) fields[line.slice(0, equals)] = line.slice(equals + 1);
        }
        const barrier = fields["BARRIER"] === "1";
        if (barrier && this.answerBarriers) d.fds.forEach(closeFd);
        else if (barrier) this.#held.push(...d.fds);
        else this.#owned.push(...d.fds);
        this.received.push({ text, fields, pid: d.pid, fds: d.fds, barrier });
      }
    });
  }

  /** Every datagram that is not a barrier, in order. */
  messages(): Received[] {
    return this.received.seen.filter((d) => !d.barrier);
  }

  barriers(): Received[] {
    return this.received.seen.filter((d) => d.barrier);
  }

  /** Closes the barrier fds held so far: the late answer of a slow manager. */
  answerHeld(): void {
    this.#held.forEach(closeFd);
    this.#held = [];
  }

  close(): void {
    this.#socket.close();
    this.answerHeld();
    this.#owned.forEach(closeFd);
    this.#owned = [];
    if (this.#dir !== null) rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Runs `body` with these environment variables set (undefined: unset), then restores them. */
export async function withEnv<T>(vars: Record<string, string | undefined>, body: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

/** Lets closes that libuv finishes on the next turn (a watch set's epoll fd) happen. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
