// End-to-end harness: a real `steward up` in a temp runtime dir, driven through
// the real CLI and API. Waits are on events (the API's event stream), each with
// a deadline. This test process runs no reaper, so node:child_process is fine here.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient } from "../../src/api/client.js";
import type { ListEntry, UnitStatus } from "../../src/api/types.js";
import { repoRoot } from "./repo.js";

const cli = join(repoRoot, "dist", "src", "cli", "main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Steward {
  readonly dir: string;
  readonly runtimeDir: string;
  readonly unitDir: string;
  /** Every process the manager starts inherits it: how the harness finds strays. */
  readonly tag: string;
  readonly client: ApiClient;
  #manager: ChildProcess | null = null;
  #exit: Promise<number | null> | null = null;
  #stderr = "";
  #units = new Map<string, ListEntry>();
  #waiters = new Set<() => void>();
  #events: Promise<void> | null = null;

  constructor(units: Record<string, string>) {
    this.dir = mkdtempSync(join(tmpdir(), "steward-e2e-"));
    chmodSync(this.dir, 0o755);
    this.runtimeDir = join(this.dir, "run");
    this.unitDir = join(this.dir, "units");
    this.tag = `steward-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
    mkdirSync(this.unitDir);
    for (const [name, text] of Object.entries(units)) this.writeUnit(name, text);
    this.client = new ApiClient(join(this.runtimeDir, "control.sock"));
  }

  writeUnit(name: string, text: string): void {
    writeFileSync(join(this.unitDir, name), text.replace(/^[ \t]+/gm, ""));
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** What the manager has open now: the readlink of each /proc/PID/fd entry (one closed meanwhile is left out). */
  managerFdTargets(): string[] {
    const dir = `/proc/${this.managerPid}/fd`;
    return readdirSync(dir).flatMap((fd) => {
      try {
        return [readlinkSync(join(dir, fd))];
      } catch {
        return [];
      }
    });
  }

  /** The manager's PID (the `steward up` this harness started). */
  get managerPid(): number {
    const pid = this.#manager?.pid;
    if (pid === undefined) throw new Error("the manager is not running");
    return pid;
  }

  /** Starts `steward up` with the given units (none: every unit with [Install]); resolves once its API answers. */
  async up(units: string[] = [], env: Record<string, string> = {}): Promise<void> {
    const child = spawn(process.execPath, [cli, "--runtime-dir", this.runtimeDir, "up", "--units", this.unitDir, ...units], {
      env: { ...process.env, NOTIFY_SOCKET: "", ...env, STEWARD_TEST_TAG: this.tag },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.#manager = child;
    this.#exit = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    const started = new Promise<void>((resolve, reject) => {
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        this.#stderr += chunk;
        if (this.#stderr.includes(" up, runtime directory ")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`steward up exited with ${code}:\n${this.#stderr}`)));
    });
    await withDeadline(started, 30_000, () => `steward up to start; stderr:\n${this.#stderr}`);
    this.#events = this.client.events((event) => {
      if (event.kind !== "unit") return;
      this.#units.set(event.unit.name, event.unit);
      for (const wake of this.#waiters) wake();
    }).catch(() => undefined);
  }

  /** Waits until the unit's state satisfies the check (from the event stream), or fails with what it saw. */
  async waitFor(unit: string, check: (entry: ListEntry) => boolean, what: string, timeoutMs = 10_000): Promise<ListEntry> {
    const current = (await this.client.list()).find((e) => e.name === unit);
    if (current && check(current)) return current;
    return this.#waitForEvent(
      () => {
        const entry = this.#units.get(unit);
        return entry && check(entry) ? entry : undefined;
      },
      timeoutMs,
      () => `${unit} to be ${what}; last seen ${JSON.stringify(this.#units.get(unit))}; manager stderr:\n${this.#stderr}`,
    );
  }

  /** Every unit the event stream has told of so far (also ones since unloaded). */
  seenUnits(): string[] {
    return [...this.#units.keys()];
  }

  /** Waits until the event stream has told of some unit in a state that satisfies the check (e.g. an Accept=yes instance). */
  waitForAny(check: (entry: ListEntry) => boolean, what: string, timeoutMs = 10_000): Promise<ListEntry> {
    return this.#waitForEvent(
      () => [...this.#units.values()].find(check),
      timeoutMs,
      () => `a unit ${what}; seen: ${[...this.#units.keys()].join(", ")}`,
    );
  }

  /** Resolves with what `find` finds, now or after a unit event, within the deadline. */
  #waitForEvent(find: () => ListEntry | undefined, timeoutMs: number, what: () => string): Promise<ListEntry> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    let wake = (): void => undefined;
    const waiting = new Promise<ListEntry>((resolve) => {
      wake = () => {
        const entry = find();
        if (entry === undefined) return;
        this.#waiters.delete(wake);
        resolve(entry);
      };
      this.#waiters.add(wake);
    });
    return withDeadline(waiting, timeoutMs, what).finally(() => this.#waiters.delete(wake));
  }

  waitActive(unit: string, sub?: string): Promise<ListEntry> {
    return this.waitFor(unit, (e) => e.active === "active" && (sub === undefined || e.sub === sub), `active${sub ? ` (${sub})` : ""}`);
  }

  async status(unit: string): Promise<UnitStatus> {
    const { units } = await this.client.status([unit]);
    const found = units[0];
    if (!found) throw new Error(`no status for ${unit}`);
    return found;
  }

  run(...args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(process.execPath, [cli, "--runtime-dir", this.runtimeDir, ...args], { env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Processes still alive that the manager started (by the tag in their environment). */
  strays(): number[] {
    const found: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(`STEWARD_TEST_TAG=${this.tag}`)) found.push(Number(entry));
      } catch {
        // gone, or not ours to read
      }
    }
    return found;
  }

  /** Closes our end of the manager's stderr, as a terminal or `| tee` that went away. */
  closeOutput(): void {
    this.#manager?.stderr?.destroy();
  }

  /** Waits for the manager to exit by itself (after `steward shutdown`); returns its exit code. */
  async waitExit(): Promise<number | null> {
    if (!this.#exit) return null;
    const code = await withDeadline(this.#exit, 30_000, () => `steward up to exit; stderr:\n${this.#stderr}`);
    await this.#events;
    return code;
  }

  /** Sends a signal to the manager and waits for it to exit; returns its exit code. */
  async stopManager(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (!this.#manager || !this.#exit) return null;
    this.#manager.kill(signal);
    const code = await withDeadline(this.#exit, 30_000, () => `steward up to exit after ${signal}; stderr:\n${this.#stderr}`);
    await this.#events;
    return code;
  }

  async cleanup(): Promise<void> {
    if (this.#manager && this.#manager.exitCode === null && this.#manager.signalCode === null) await this.stopManager();
    for (const pid of this.strays()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function withDeadline<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A process that exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
