// Which service each process belongs to, without cgroups: every process steward
// spawns starts a session of its own, so a process belongs to the unit whose
// session it is in, or whose known process it descends from, or that adopted it
// (an orphan re-parented to us while that unit's process ended). A process whose
// trail is lost (a daemon that called setsid() and whose parent exited) is still
// recognised by the INVOCATION_ID it inherited, unique to each start of a unit.
// DESIGN.md calls this "tree" tracking; status shows it.
import type { CgroupTracker } from "./cgroups.js";
import { allProcesses, readProcEnvironmentVariable, readProcStat, type ProcStat } from "./proc.js";

/** "adopted": an orphan attributed by timing alone; a PID file or MAINPID= naming it may move it. */
export type ProcessRole = "main" | "control" | "member" | "adopted";

interface Owner {
  unit: string;
  role: ProcessRole;
  /** Reaped: its PID may be anyone's now. */
  exited?: boolean;
  /** To tell this process from a later one with a recycled PID. */
  startTime: number;
}

export class ProcessTable {
  readonly #owners = new Map<number, Owner>();
  readonly #invocations = new Map<string, string>();
  /** With cgroups, membership is the kernel's answer and the tree is not consulted. */
  readonly cgroups: CgroupTracker | null;

  constructor(cgroups: CgroupTracker | null = null) {
    this.cgroups = cgroups;
  }

  get tracking(): "cgroup" | "tree" {
    return this.cgroups ? "cgroup" : "tree";
  }

  /** Each start of a unit has its own INVOCATION_ID, which its processes inherit. */
  registerInvocation(invocationId: string, unit: string): void {
    for (const [id, owner] of this.#invocations) if (owner === unit) this.#invocations.delete(id);
    this.#invocations.set(invocationId, unit);
  }

  #unitByInvocation(pid: number): string | null {
    const id = readProcEnvironmentVariable(pid, "INVOCATION_ID");
    return id === null ? null : (this.#invocations.get(id) ?? null);
  }

  register(pid: number, unit: string, role: ProcessRole): void {
    const stat = readProcStat(pid);
    this.#owners.set(pid, { unit, role, startTime: stat?.startTime ?? -1 });
  }

  setRole(pid: number, role: ProcessRole): void {
    const owner = this.#owners.get(pid);
    if (owner) owner.role = role;
  }

  /** The reaper saw it end: its PID no longer names it (it still names its session, for the tree). */
  markExited(pid: number): void {
    const owner = this.#owners.get(pid);
    if (owner) owner.exited = true;
  }

  forget(pid: number): void {
    this.#owners.delete(pid);
  }

  forgetUnit(unit: string): void {
    for (const [pid, owner] of this.#owners) if (owner.unit === unit) this.#owners.delete(pid);
  }

  /** The unit of a process we registered (alive or a zombie not yet reaped). */
  registered(pid: number): { unit: string; role: ProcessRole } | null {
    const owner = this.#owners.get(pid);
    return owner ? { unit: owner.unit, role: owner.role } : null;
  }

  /** The unit a live process belongs to: its cgroup's; or registered, same session, descended from one that is. */
  unitOf(pid: number): string | null {
    // A process steward spawned and has not reaped is its unit's without asking /proc:
    // the hot path of every notify message from a main process.
    const spawned = this.#owners.get(pid);
    if (spawned && !spawned.exited && spawned.role !== "adopted") return spawned.unit;
    if (this.cgroups) return this.cgroups.unitOf(pid);
    const direct = this.#valid(pid);
    if (direct) return direct.unit;
    let stat = readProcStat(pid);
    for (let depth = 0; stat && depth < 64; depth++) {
      const bySession = this.#valid(stat.session);
      if (bySession) return bySession.unit;
      if (stat.ppid <= 1 || stat.ppid === process.pid) break;
      const byParent = this.#valid(stat.ppid);
      if (byParent) return byParent.unit;
      stat = readProcStat(stat.ppid);
    }
    return this.#unitByInvocation(pid);
  }

  /** Every live process of a unit, from one scan of /proc. */
  membersOf(unit: string, processes?: ProcStat[]): number[] {
    if (this.cgroups) return this.cgroups.membersOf(unit);
    return this.#treeMembersOf(unit, processes ?? allProcesses());
  }

  #treeMembersOf(unit: string, processes: ProcStat[]): number[] {
    const byPid = new Map(processes.map((p) => [p.pid, p]));
    const cache = new Map<number, string | null>();
    const owner = (p: ProcStat, depth: number): string | null => {
      if (cache.has(p.pid)) return cache.get(p.pid) ?? null;
      let found = this.#valid(p.pid, p)?.unit ?? this.#valid(p.session)?.unit ?? null;
      if (!found && depth < 64 && p.ppid > 1 && p.ppid !== process.pid) {
        const parent = byPid.get(p.ppid);
        if (parent) found = owner(parent, depth + 1);
      }
      found ??= this.#unitByInvocation(p.pid);
      cache.set(p.pid, found);
      return found;
    };
    return processes.filter((p) => p.state !== "Z" && p.state !== "X" && owner(p, 0) === unit).map((p) => p.pid);
  }

  /**
   * Claims one process for a unit that names it (its PID file, or MAINPID=) when it
   * is an orphan re-parented to the manager that no unit claims: a daemon whose
   * parent exited after the unit's process did. Returns whether it is now the unit's.
   */
  claimOrphan(pid: number, unit: string): boolean {
    if (this.cgroups) return this.cgroups.unitOf(pid) === unit;
    const direct = this.#valid(pid);
    if (direct?.role === "adopted" && direct.unit !== unit) {
      this.register(pid, unit, "member");
      return true;
    }
    const owner = this.unitOf(pid);
    if (owner !== null) return owner === unit;
    const stat = readProcStat(pid);
    if (!stat || stat.ppid !== process.pid || stat.state === "Z") return false;
    this.register(pid, unit, "member");
    return true;
  }

  /**
   * Orphans re-parented to the manager that no unit claims yet. Called when a
   * unit's process ends: what it left behind is attributed to that unit.
   */
  adoptOrphans(unit: string): number[] {
    if (this.cgroups) return []; // an orphan stays in its cgroup: nothing to guess
    const adopted: number[] = [];
    for (const p of allProcesses()) {
      if (p.ppid !== process.pid || p.state === "Z") continue;
      const known = this.unitOf(p.pid);
      if (known) {
        if (!this.#owners.has(p.pid)) this.register(p.pid, known, "member");
        continue;
      }
      this.register(p.pid, unit, "adopted");
      adopted.push(p.pid);
    }
    return adopted;
  }

  #valid(pid: number, stat?: ProcStat): Owner | null {
    const owner = this.#owners.get(pid);
    if (!owner) return null;
    const current = stat ?? readProcStat(pid);
    // A recycled PID is not the process we registered.
    if (current && owner.startTime >= 0 && current.startTime !== owner.startTime) return null;
    return owner;
  }
}
