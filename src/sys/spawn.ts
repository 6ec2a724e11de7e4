// Starting a process: the one way the manager makes a process (DESIGN.md).
import { isAbsolute } from "node:path";
import { isSystemCallError } from "./errors.js";
import { native } from "./native.js";
import { signalNumber, type SignalLike } from "./signals.js";

/** A resource limit; `null` is infinity. */
export interface ResourceLimit {
  soft: number | null;
  hard: number | null;
}

export interface SpawnSpec {
  /** Absolute path of the program. */
  file: string;
  argv: readonly string[];
  /** The whole environment of the child; nothing is inherited. */
  env: Readonly<Record<string, string>>;
  /** Child fd i gets parent fd fds[i]; -1 leaves it closed. Everything else is closed. */
  fds?: readonly number[];
  cwd?: string;
  /** A cgroup v2 directory the child joins before exec. */
  cgroup?: string;
  /** "session": setsid(); "group": a process group of its own. */
  detach?: "session" | "group";
  uid?: number;
  gid?: number;
  groups?: readonly number[];
  umask?: number;
  /** Signal the child gets when the spawning thread dies. */
  parentDeathSignal?: SignalLike;
  /** By name: NOFILE, NPROC, CORE, ... (RLIMIT_ without the prefix). */
  limits?: Readonly<Record<string, ResourceLimit>>;
  /** Sets LISTEN_PID / WATCHDOG_PID to the child's own PID, written by the child before exec. */
  setListenPid?: boolean;
  setWatchdogPid?: boolean;
  /**
   * Child fds whose O_NONBLOCK the child sets (true) or clears (false) before exec: the
   * socket fds of socket activation, per NonBlocking= (the flag belongs to the open file,
   * which the manager shares: it is set again at each start).
   */
  nonBlocking?: { readonly fds: readonly number[]; readonly on: boolean };
}

export interface SpawnedProcess {
  pid: number;
  /** A pidfd for the child, or null where the kernel has none. */
  pidfd: number | null;
}

export type SpawnStage =
  | "signals" | "pdeathsig" | "setsid" | "setpgid" | "cgroup" | "rlimit" | "setgroups"
  | "setgid" | "setuid" | "chdir" | "dup" | "execve" | "spawn";

/** A failure between fork and exec, or of fork itself, naming the step and the errno. */
export class SpawnError extends Error {
  readonly stage: SpawnStage | "fork" | "pipe2";
  readonly code: string;
  readonly errno: number;
  readonly file: string;

  constructor(file: string, stage: SpawnError["stage"], code: string, errno: number, detail: string) {
    super(`${file}: ${stage} failed: ${code}${detail ? ` (${detail})` : ""}`);
    this.name = "SpawnError";
    this.file = file;
    this.stage = stage;
    this.code = code;
    this.errno = errno;
  }
}

function environmentBlock(env: Readonly<Record<string, string>>, spec: SpawnSpec): string[] {
  const block: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    // The child writes these itself; a stale value from the caller must not survive.
    if (spec.setListenPid && key === "LISTEN_PID") continue;
    if (spec.setWatchdogPid && key === "WATCHDOG_PID") continue;
    if (key === "" || key.includes("=") || key.includes("\0") || value.includes("\0")) {
      throw new TypeError(`invalid environment variable ${JSON.stringify(key)}`);
    }
    block.push(`${key}=${value}`);
  }
  return block;
}

function nativeLimits(limits: Readonly<Record<string, ResourceLimit>>) {
  return Object.entries(limits).map(([name, limit]) => {
    const resource = native.rlimits[name];
    if (resource === undefined) throw new TypeError(`unknown resource limit ${name}`);
    return { resource, soft: limit.soft ?? -1, hard: limit.hard ?? -1 };
  });
}

export function spawn(spec: SpawnSpec): SpawnedProcess {
  if (!isAbsolute(spec.file)) throw new TypeError(`${spec.file}: the program must be an absolute path`);
  try {
    const { pid, pidfd } = native.spawn({
      file: spec.file,
      argv: spec.argv,
      env: environmentBlock(spec.env, spec),
      fds: spec.fds ?? [],
      cwd: spec.cwd,
      cgroup: spec.cgroup,
      newSession: spec.detach === "session",
      newProcessGroup: spec.detach === "group",
      uid: spec.uid,
      gid: spec.gid,
      groups: spec.groups,
      umask: spec.umask,
      pdeathsig: spec.parentDeathSignal === undefined ? undefined : signalNumber(spec.parentDeathSignal),
      rlimits: spec.limits ? nativeLimits(spec.limits) : undefined,
      setListenPid: spec.setListenPid ?? false,
      setWatchdogPid: spec.setWatchdogPid ?? false,
      flagFds: spec.nonBlocking?.fds ?? [],
      nonBlocking: spec.nonBlocking?.on ?? false,
    });
    return { pid, pidfd: pidfd >= 0 ? pidfd : null };
  } catch (error) {
    if (isSystemCallError(error)) {
      const stage = ((error as { stage?: SpawnStage }).stage ?? error.syscall) as SpawnError["stage"];
      const detail = error.message.replace(/^.*?\((.*)\)$/, "$1");
      throw new SpawnError(spec.file, stage, error.code, error.errno, detail);
    }
    throw error;
  }
}

/**
 * This process becomes `file` with `argv` and `env` (execve: same PID; the fds that are not
 * close-on-exec stay, and those in `keepFds` are made so first: Node marks even its stdio
 * close-on-exec). Returns only by throwing the errno.
 */
export function execReplace(
  file: string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  keepFds: readonly number[] = [0, 1, 2],
): never {
  const block = Object.entries(env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
  return native.execReplace(file, argv, block, keepFds);
}
