// What crosses the control socket. `UnitStatus` and `ListEntry` are the
// `status --json` and `list --json` contracts of DESIGN.md: fields are added,
// never renamed; absent values are null.

export type LoadState = "loaded" | "not-found" | "bad-setting" | "error";
export type ActiveState = "inactive" | "activating" | "active" | "reloading" | "deactivating" | "failed";
export type UnitResult =
  | "success" | "exit-code" | "signal" | "timeout" | "watchdog" | "start-limit-hit" | "resources" | "protocol";

export interface UnitStatus {
  name: string;
  description: string | null;
  load: LoadState;
  active: ActiveState;
  sub: string;
  mainPid: number | null;
  controlPid: number | null;
  statusText: string | null;
  errno: number | null;
  result: UnitResult | null;
  restarts: number;
  readySince: string | null;
  activeSince: string | null;
  /** X_* and unknown variables the service sent over sd_notify (latest value each). */
  notifyVariables: Record<string, string>;
  tracking: "cgroup" | "tree";
  /**
   * What the host denies the manager and what steward cannot do as a result (the same
   * for every unit): /proc missing or of another PID namespace, no pidfd_open, no
   * subreaper, no writable cgroup v2. Empty when nothing is missing.
   */
  degraded: { feature: string; message: string }[];
  /** From the unit's cgroup (cpu.stat, memory.current); null without cgroup tracking or the controller. */
  cpuUsageUsec: number | null;
  memoryBytes: number | null;
  fdStore: { name: string; kind: string }[];
  listen: { kind: string; address: string }[] | null;
  loadError: { file: string | null; line: number | null; key: string | null; message: string } | null;
  /** The unit file changed since it was loaded (daemon-reload shows it until a restart). */
  needsRestart: boolean;
  fragmentPath: string | null;
  /** How the main process last ended, e.g. "exited with 3". */
  mainExit: string | null;
  recentLogs: LogLine[];
}

export interface ListEntry {
  name: string;
  load: LoadState;
  active: ActiveState;
  sub: string;
  description: string | null;
}

export type JobAction = "start" | "stop" | "restart" | "reload" | "try-restart";

export interface JobRequest {
  action: JobAction;
  units: string[];
  /** Return once the jobs are queued instead of when they finish. */
  noBlock?: boolean;
  /**
   * restart only: start a new instance beside the running one, then stop the old one once
   * the new one is ready (`steward restart --overlap`).
   */
  overlap?: boolean;
}

export interface JobOutcome {
  ok: boolean;
  /** One line for a person when not ok: which unit, what went wrong. */
  message: string | null;
  failedUnits: string[];
}

export interface LogLine {
  unit: string;
  time: string;
  stream: "stdout" | "stderr" | "steward";
  text: string;
}

export type ManagerEvent =
  | { kind: "unit"; unit: ListEntry }
  | { kind: "log"; line: LogLine }
  | { kind: "shutdown" };

/** An error the API returns: HTTP status plus a message for a person. */
export interface ApiError {
  error: string;
  /** Units that do not exist, when that was the problem (status exits 4 for them). */
  notFound?: string[];
}
