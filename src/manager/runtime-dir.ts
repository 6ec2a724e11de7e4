// The runtime directory: created 0755 (services running as another User= must
// reach the notify socket), and manager.pid flock()ed by the running manager
// for its whole life, so that a second manager finds out at once.
import { chmodSync, closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { lockFile } from "../sys/index.js";
import { managerPidPath } from "../api/paths.js";

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

export function claimRuntimeDir(runtimeDir: string): RuntimeDirLock {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o755 });
  chmodSync(runtimeDir, 0o755);
  const path = managerPidPath(runtimeDir);
  const fd = openSync(path, "a+", 0o644);
  if (!lockFile(fd, "exclusive")) {
    closeSync(fd);
    let pid: number | null = Number(readFileSync(path, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) pid = null;
    throw new ManagerAlreadyRunning(runtimeDir, pid);
  }
  // The lock is ours: only now is the PID written (daemon-control protocol: lock, then report).
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  return {
    runtimeDir,
    release: () => closeSync(fd),
  };
}
