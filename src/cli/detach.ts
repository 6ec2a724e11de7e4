// `steward up --detach`: the manager as a daemon, through libucw's protocol, so
// that two at once start exactly one manager and the caller returns only once
// the manager holds its lock and its API answers.
import { join, resolve } from "node:path";
import { managerPidPath } from "../api/paths.js";
import { daemonizeSelf, isDaemonizedChild } from "../daemon/daemonize.js";
import { managerGuardPath, prepareRuntimeDir } from "../manager/runtime-dir.js";
import { DaemonControlStatus } from "../protocol/ucw-status.js";

/** In the launcher: starts the daemon and returns the exit code; in the daemon itself: null (run on). */
export async function detachManager(runtimeDir: string, unitDirs: readonly string[]): Promise<number | null> {
  if (isDaemonizedChild()) return null;
  if (unitDirs.length === 0) {
    process.stderr.write("steward: no unit directory given (use --units DIR or STEWARD_UNITS)\n");
    return 1;
  }
  prepareRuntimeDir(runtimeDir);
  const result = await daemonizeSelf({
    pidFile: managerPidPath(runtimeDir),
    guardFile: managerGuardPath(runtimeDir),
    cwd: process.cwd(),
    log: join(runtimeDir, "manager.log"),
    // Relative unit directories and runtime dir mean the same to the daemon: it keeps our cwd.
    env: { ...process.env, STEWARD_RUNTIME_DIR: resolve(runtimeDir) },
  });
  if (result.status === DaemonControlStatus.ok || result.status === DaemonControlStatus.stale) {
    process.stderr.write(`steward: manager ${result.pid ?? "?"} running in the background; runtime directory ${runtimeDir}\n`);
    return 0;
  }
  if (result.status === DaemonControlStatus.already) {
    process.stderr.write(`steward: another steward manager${result.pid ? ` (pid ${result.pid})` : ""} is running with runtime directory ${runtimeDir}\n`);
    return 1;
  }
  process.stderr.write(`steward: the manager did not start: ${result.message}\n`);
  return 1;
}
