// The runtime directory: created 0755 (services running as another User= must
// reach the notify socket), and manager.pid flock()ed by the running manager for
// its whole life — libucw's daemon-control protocol (src/daemon/), so that a
// second manager, `steward up --detach` and `steward daemon-control --check` all
// see the same truth. The guard file manager.lock is held only while claiming.
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { managerPidPath } from "../api/paths.js";
import { isDaemonizedChild } from "../daemon/daemonize.js";
import { lockGuard } from "../daemon/guard.js";
import { DaemonAlreadyRunning, lockPidFile } from "../daemon/pid-file.js";

export class ManagerAlreadyRunning extends Error {
  constructor(readonly runtimeDir: string, readonly pid: number | null) {
    super(`another steward manager${pid ? ` (pid ${pid})` : ""} is running with runtime directory ${runtimeDir}`);
  }
}

/** Holds the manager.pid lock; `release()` at exit (the kernel releases it anyway if we die). */
export interface RuntimeDirLock {
  readonly runtimeDir: string;
  release(): void;
}

export function managerGuardPath(runtimeDir: string): string {
  return join(runtimeDir, "manager.lock");
}

export function prepareRuntimeDir(runtimeDir: string): void {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o755 });
  chmodSync(runtimeDir, 0o755);
}

export function claimRuntimeDir(runtimeDir: string): RuntimeDirLock {
  prepareRuntimeDir(runtimeDir);
  // Started by `up --detach`, whose launcher holds the guard for us until we report.
  const guard = isDaemonizedChild() ? null : lockGuard(managerGuardPath(runtimeDir));
  try {
    // The lock is taken before the PID is written: a reader that can take it knows the file is stale.
    const lock = lockPidFile(managerPidPath(runtimeDir));
    lock.writePid(process.pid);
    return { runtimeDir, release: () => lock.release() };
  } catch (error) {
    if (error instanceof DaemonAlreadyRunning) throw new ManagerAlreadyRunning(runtimeDir, error.pid);
    throw error;
  } finally {
    guard?.release();
  }
}
