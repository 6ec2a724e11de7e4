// How one service's runner finds and follows its main process (service-runner.ts carries
// out the reducer's effects; this is the part that looks at PID files, /proc and pidfds):
// the PID file read and watched, the main process guessed among the service's processes
// (systemd's GuessMainPID=), a main process that is not our child watched through its
// pidfd, and MAINPID= candidates checked to belong to the service.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { PidFileOutcome } from "../core/service-state.js";
import type { ServiceUnitModel } from "../units/unit-model.js";
import { lookupUser } from "./accounts.js";
import { checkMainPid, readPidFile, type MainPidCheck } from "./main-pid.js";
import { readProcStat } from "./proc.js";
import type { ProcessTable } from "./process-table.js";

export interface MainPidFinderHost {
  readonly processes: ProcessTable;
  /** Watches a process that is not our child; calls back once when it has exited. */
  watchExit(pid: number, onExit: () => void): () => void;
}

export class MainPidFinder {
  readonly #host: MainPidFinderHost;
  readonly #trackingKey: string;
  #pidFileWatch: FSWatcher | null = null;
  #unwatchMain: (() => void) | null = null;

  constructor(host: MainPidFinderHost, trackingKey: string) {
    this.#host = host;
    this.#trackingKey = trackingKey;
  }

  /** The PID file as the service's user wrote it; a process it names that landed on us is claimed. */
  readPidFile(path: string, model: ServiceUnitModel): PidFileOutcome {
    const user = model.service.exec.user;
    const serviceUid = user ? (lookupUser(user)?.uid ?? null) : (process.getuid?.() ?? 0);
    return readPidFile(path, serviceUid, (pid) => this.#host.processes.claimOrphan(pid, this.#trackingKey));
  }

  /** Calls back with each outcome other than "missing" while the file's directory changes. */
  watchPidFile(path: string, model: ServiceUnitModel, onOutcome: (outcome: PidFileOutcome) => void): void {
    this.unwatchPidFile();
    const name = basename(path);
    try {
      this.#pidFileWatch = watch(dirname(path), (_event, file) => {
        if (file !== null && file !== name) return;
        const outcome = this.readPidFile(path, model);
        if (outcome.kind !== "missing") onOutcome(outcome);
      });
    } catch {
      // The directory does not exist (yet): the start timeout ends the wait.
      this.#pidFileWatch = null;
    }
  }

  unwatchPidFile(): void {
    this.#pidFileWatch?.close();
    this.#pidFileWatch = null;
  }

  /** GuessMainPID=: the one candidate, or null and why not. */
  guess(controlPid: number | null): { pid: number | null; reason?: string } {
    this.#host.processes.adoptOrphans(this.#trackingKey);
    const members = this.#host.processes.membersOf(this.#trackingKey).filter((pid) => pid !== controlPid);
    // As systemd: a daemon has been re-parented to the manager; its own children (workers)
    // are not candidates. Without any such process, the one member left is.
    const adopted = members.filter((pid) => readProcStat(pid)?.ppid === process.pid);
    const candidates = adopted.length > 0 ? adopted : members;
    if (candidates.length === 1) return { pid: candidates[0] ?? null };
    return {
      pid: null,
      reason: candidates.length === 0 ? "no process of the service is left" : `cannot guess the main process among ${candidates.length} processes (${candidates.join(", ")})`,
    };
  }

  /** Follows a new main process: the reaper tells of our children; others are watched by pidfd. */
  watchMain(pid: number, onExit: () => void): void {
    this.unwatchMain();
    this.#host.processes.register(pid, this.#trackingKey, "main");
    if (readProcStat(pid)?.ppid === process.pid) return; // our child (spawned or adopted)
    this.#unwatchMain = this.#host.watchExit(pid, () => {
      this.#unwatchMain = null;
      // Re-parented to us meanwhile? Then the reaper has (or will have) its status.
      if (readProcStat(pid)?.ppid === process.pid) return;
      onExit();
    });
  }

  unwatchMain(): void {
    this.#unwatchMain?.();
    this.#unwatchMain = null;
  }

  /** MAINPID=: the process must belong to the service (see main-pid.ts). */
  check(pid: number): MainPidCheck {
    return checkMainPid(pid, (candidate) => this.#host.processes.claimOrphan(candidate, this.#trackingKey));
  }

  close(): void {
    this.unwatchPidFile();
    this.unwatchMain();
  }
}
