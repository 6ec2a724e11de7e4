// cgroup v2 membership, where the machine lets us: one cgroup per service under a
// subtree of the manager's own cgroup. Processes join before exec (sys.spawn), so
// nothing a service forks can leave without write access elsewhere; "no process
// left" is cgroup.events' populated 0, watched with inotify; a stop can use
// cgroup.kill. Where none of this is writable (an ordinary user without a
// delegated subtree), the manager falls back to the process tree and says so.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { procIsOurs } from "./proc.js";

export interface CgroupProbe {
  /** Where cgroup2 is mounted: /proc/PID/cgroup paths are relative to it. */
  mount: string | null;
  /** The manager's subtree, e.g. /sys/fs/cgroup/unified/steward-1234-ns4026531836-9f8e7d6c; null when unavailable. */
  root: string | null;
  /** Why not, for status and the start-up line. */
  reason: string | null;
}

function cgroup2Mount(): string | null {
  let mountinfo: string;
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return null;
  }
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    if (after?.startsWith("cgroup2 ")) return before?.split(" ")[4] ?? null;
  }
  return null;
}

function ownCgroup(): string | null {
  try {
    const line = readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"));
    return line ? line.slice(3) : null;
  } catch {
    return null;
  }
}

/** Finds a cgroup v2 subtree the manager may create service cgroups in, and creates it. */
export function probeCgroups(): CgroupProbe {
  const mount = cgroup2Mount();
  if (!mount) return { mount: null, root: null, reason: "no cgroup v2 hierarchy is mounted" };
  const own = ownCgroup();
  if (own === null) return { mount, root: null, reason: "/proc/self/cgroup names no cgroup v2 group" };
  const parent = join(mount, own);
  const namespace = pidNamespace();
  removeStaleSubtrees(parent, namespace);
  // The PID alone is not unique: managers in PID namespaces (containers) are all PID 1.
  // The namespace's inode says whose PID it is, so that a later manager judges only its own.
  const root = join(parent, `steward-${process.pid}-ns${namespace ?? 0}-${randomBytes(4).toString("hex")}`);
  try {
    mkdirSync(root);
    // Every service cgroup must be creatable and joinable: try one.
    const probe = join(root, "probe");
    mkdirSync(probe);
    rmdirSync(probe);
    return { mount, root, reason: null };
  } catch (error) {
    try {
      rmdirSync(root);
    } catch {
      // never made
    }
    return { mount, root: null, reason: `cannot create cgroups under ${parent}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
}

/** The inode of our PID namespace (/proc/self/ns/pid -> "pid:[4026531836]"); null without /proc. */
function pidNamespace(): string | null {
  try {
    return /^pid:\[(\d+)\]$/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Subtrees of managers that are gone (their PID is not running) and are empty. Only
 * managers of our own PID namespace can be judged: the PID of another namespace's manager
 * (a container's PID 1, or the host's manager seen from a container) may name anyone here,
 * or no one while that manager runs; its subtree is left alone.
 */
function removeStaleSubtrees(parent: string, namespace: string | null): void {
  if (namespace === null || !procIsOurs()) return;
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const match = /^steward-(\d+)-ns(\d+)-[0-9a-f]+$/.exec(entry);
    if (!match || match[2] !== namespace || existsSync(`/proc/${match[1]}`)) continue;
    const dir = join(parent, entry);
    try {
      for (const child of readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) rmdirSync(join(dir, child.name));
      rmdirSync(dir);
    } catch {
      // still populated: leave it
    }
  }
}

/** A unit name as a cgroup directory name (unit names have no "/" but may hold "\\"). */
function groupName(unit: string): string {
  return unit.replace(/[^A-Za-z0-9@._:-]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export class CgroupTracker {
  readonly root: string;
  readonly #mount: string;
  readonly #units = new Map<string, string>();
  /** /proc/PID/cgroup path → unit. */
  readonly #byPath = new Map<string, string>();

  constructor(mount: string, root: string) {
    this.#mount = mount;
    this.root = root;
  }

  /** The unit's cgroup directory, created on first use. */
  dirOf(unit: string): string {
    let dir = this.#units.get(unit);
    if (!dir) {
      dir = join(this.root, groupName(unit));
      if (!existsSync(dir)) mkdirSync(dir, { mode: 0o755 });
      this.#units.set(unit, dir);
      this.#byPath.set(dir.slice(this.#mount.length) || "/", unit);
    }
    return dir;
  }

  /** The unit whose cgroup a process is in; null if none of ours. */
  unitOf(pid: number): string | null {
    // /proc of another PID namespace: cgroup.procs still speaks our PIDs (the reader's namespace).
    if (!procIsOurs()) {
      for (const unit of this.#units.keys()) if (this.membersOf(unit).includes(pid)) return unit;
      return null;
    }
    let line: string | undefined;
    try {
      line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.startsWith("0::"));
    } catch {
      return null;
    }
    return line ? (this.#byPath.get(line.slice(3)) ?? null) : null;
  }

  /** Every process in the unit's cgroup. */
  membersOf(unit: string): number[] {
    const dir = this.#units.get(unit);
    if (!dir) return [];
    try {
      return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  isPopulated(unit: string): boolean {
    const dir = this.#units.get(unit);
    if (!dir) return false;
    try {
      return /^populated 1$/m.test(readFileSync(join(dir, "cgroup.events"), "utf8"));
    } catch {
      return false;
    }
  }

  /** Calls back once when the cgroup has no process left (at once if it has none now). */
  whenEmpty(unit: string, onEmpty: () => void): () => void {
    const dir = this.#units.get(unit);
    if (!dir || !this.isPopulated(unit)) {
      queueMicrotask(onEmpty);
      return () => undefined;
    }
    let watcher: FSWatcher | null = watch(join(dir, "cgroup.events"), () => {
      if (watcher && !this.isPopulated(unit)) {
        watcher.close();
        watcher = null;
        onEmpty();
      }
    });
    // It may have emptied between the check and the watch.
    if (!this.isPopulated(unit)) {
      watcher.close();
      watcher = null;
      queueMicrotask(onEmpty);
    }
    return () => {
      watcher?.close();
      watcher = null;
    };
  }

  /** SIGKILL to every process at once (cgroup.kill); false where the kernel lacks it. */
  killAll(unit: string): boolean {
    const dir = this.#units.get(unit);
    if (!dir) return true;
    try {
      writeFileSync(join(dir, "cgroup.kill"), "1");
      return true;
    } catch {
      return false;
    }
  }

  /** CPU time the unit's processes used (cpu.stat usage_usec), and memory where the controller is on. */
  usage(unit: string): { cpuUsec: number | null; memoryBytes: number | null } {
    const dir = this.#units.get(unit);
    if (!dir) return { cpuUsec: null, memoryBytes: null };
    const read = (file: string): string | null => {
      try {
        return readFileSync(join(dir, file), "utf8");
      } catch {
        return null;
      }
    };
    const cpu = /^usage_usec (\d+)$/m.exec(read("cpu.stat") ?? "")?.[1];
    // Without the memory controller the file is missing: asked without an exception (status of many units).
    const memory = existsSync(join(dir, "memory.current")) ? read("memory.current")?.trim() : undefined;
    return { cpuUsec: cpu === undefined ? null : Number(cpu), memoryBytes: memory ? Number(memory) : null };
  }

  /** Removes the unit's cgroup once it is empty (a unit that stopped); it is made again on the next start. */
  release(unit: string): void {
    const dir = this.#units.get(unit);
    if (!dir) return;
    try {
      rmdirSync(dir);
    } catch {
      return; // still populated: keep tracking it
    }
    this.#units.delete(unit);
    this.#byPath.delete(dir.slice(this.#mount.length) || "/");
  }

  /** Removes every empty unit cgroup and the subtree (manager exit). */
  removeAll(): void {
    for (const dir of this.#units.values()) {
      try {
        rmdirSync(dir);
      } catch {
        // still populated (KillMode=none, or a process that refused to die)
      }
    }
    try {
      rmdirSync(this.root);
    } catch {
      // not empty
    }
  }
}
