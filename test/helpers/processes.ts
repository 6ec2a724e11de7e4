// Running helper processes in a test that owns the reaper: through sys.spawn,
// never node:child_process (the reaper's waitid(P_ALL) would take its children).
import { Socket } from "node:net";
import { closeFd, pipe, Reaper, spawn, type ChildChange, type SpawnSpec } from "../../src/sys/index.js";
import { EventLog } from "./events.js";

export type Exit = Extract<ChildChange, { kind: "exited" } | { kind: "killed" }>;

export class TestProcesses {
  readonly changes = new EventLog<ChildChange>();
  readonly batches: ChildChange[][] = [];
  readonly #reaper: Reaper;

  constructor() {
    this.#reaper = new Reaper((batch) => {
      this.batches.push(batch);
      for (const change of batch) this.changes.push(change);
    });
  }

  /** The exit (or death by signal) of a PID, from the reaper. */
  exit(pid: number, timeoutMs?: number): Promise<Exit> {
    return this.changes.next(
      (c) => c.pid === pid && (c.kind === "exited" || c.kind === "killed"),
      `pid ${pid} to end`,
      timeoutMs,
    ) as Promise<Exit>;
  }

  /** Spawns with stdout (and stderr) on a pipe; resolves with the output and how it ended. */
  async run(spec: Omit<SpawnSpec, "fds">, stdin = -1): Promise<{ pid: number; stdout: string; exit: Exit }> {
    const started = this.start(spec, stdin);
    const [stdout, exit] = await Promise.all([started.stdout, this.exit(started.pid, 15000)]);
    return { pid: started.pid, stdout, exit };
  }

  start(spec: Omit<SpawnSpec, "fds">, stdin = -1): { pid: number; pidfd: number | null; stdout: Promise<string> } {
    const out = pipe();
    let child;
    try {
      child = spawn({ ...spec, fds: [stdin, out.writeEnd, out.writeEnd] });
    } catch (error) {
      closeFd(out.readEnd);
      throw error;
    } finally {
      closeFd(out.writeEnd);
    }
    const socket = new Socket({ fd: out.readEnd, readable: true, writable: false });
    const stdout = new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", reject);
      socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    return { pid: child.pid, pidfd: child.pidfd, stdout };
  }

  close(): void {
    this.#reaper.close();
  }
}

/** The environment tests hand to children: enough to run sh and node. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", ...extra };
}
