// Where a manager keeps its control socket and state (DESIGN.md: --runtime-dir).
import { join } from "node:path";

export interface RuntimeDirSource {
  option?: string | undefined;
  env?: NodeJS.ProcessEnv;
  uid?: number;
}

/** --runtime-dir, else STEWARD_RUNTIME_DIR, else $XDG_RUNTIME_DIR/steward, else /run/steward (root) or /tmp/steward-$UID. */
export function resolveRuntimeDir({ option, env = process.env, uid = process.getuid?.() ?? 0 }: RuntimeDirSource = {}): string {
  if (option) return option;
  if (env.STEWARD_RUNTIME_DIR) return env.STEWARD_RUNTIME_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "steward");
  return uid === 0 ? "/run/steward" : `/tmp/steward-${uid}`;
}

export function controlSocketPath(runtimeDir: string): string {
  return join(runtimeDir, "control.sock");
}

export function managerPidPath(runtimeDir: string): string {
  return join(runtimeDir, "manager.pid");
}
