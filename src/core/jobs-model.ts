// The vocabulary of the job engine: unit states as the manager reports them, job types, how
// two jobs for one unit merge (systemd's job merging table, src/core/job.c), and which jobs
// are no-ops for a unit's current state.

/** A unit's active state as the manager reports it. "active" means ready, not merely forked. */
export type UnitActiveState = "inactive" | "activating" | "active" | "reloading" | "deactivating" | "failed";

export const UNIT_ACTIVE_STATES: readonly UnitActiveState[] = ["inactive", "activating", "active", "reloading", "deactivating", "failed"];

/** What a caller may ask for. try-restart becomes a restart for a running unit and nothing otherwise. */
export type RequestType = "start" | "stop" | "restart" | "reload" | "try-restart";

/**
 * What one job does to its unit. verify-active comes from Requisite=: it only checks that the
 * unit is active. A restart is a stop and then a start.
 */
export type JobType = "start" | "stop" | "restart" | "reload" | "verify-active";

/**
 * Which way a job moves its unit, which is what ordering looks at: "down" jobs (stop, and a
 * restart until its unit is down) go first; "up" jobs (start, reload, verify-active, and a
 * restart once its unit is down) follow After=.
 */
export type JobDirection = "down" | "up";

export type JobRunState = "waiting" | "running";

export type JobResult = "done" | "failed" | "dependency" | "timeout" | "canceled" | "skipped";

export interface Job {
  readonly id: number;
  readonly unit: string;
  readonly type: JobType;
  readonly direction: JobDirection;
  readonly state: JobRunState;
  /** Every request waiting on this job (several when requests merged into it). */
  readonly requestIds: readonly number[];
  /** Set on the start job OnFailure= queued: the unit whose failure triggered it (for MONITOR_*). */
  readonly onFailureOf: string | null;
  /** Only set when an ordering cycle could not be broken otherwise (shutdown). */
  readonly ignoreOrder: boolean;
}

export function isActiveOrReloading(state: UnitActiveState): boolean {
  return state === "active" || state === "reloading";
}

export function isInactiveOrFailed(state: UnitActiveState): boolean {
  return state === "inactive" || state === "failed";
}

export function initialDirection(type: JobType): JobDirection {
  return type === "stop" || type === "restart" ? "down" : "up";
}

/** A restart whose unit is already down behaves, for merging, as the start it has become. */
export function effectiveType(job: Pick<Job, "type" | "direction">): JobType {
  return job.type === "restart" && job.direction === "up" ? "start" : job.type;
}

type MergedType = JobType | "reload-or-start";

/**
 * systemd's merging table, symmetric:
 *
 *   with →         start            verify-active   stop   reload
 *   verify-active  start
 *   stop           ✗                ✗
 *   reload         reload-or-start  reload          ✗
 *   restart        restart          restart         ✗      restart
 *
 * A job merged with one of its own type stays as it is; ✗: the two conflict.
 */
function mergeTypes(a: JobType, b: JobType): MergedType | null {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has("stop")) return null;
  if (pair.has("restart")) return "restart";
  if (pair.has("reload")) return pair.has("start") ? "reload-or-start" : "reload";
  return "start"; // start + verify-active
}

/** reload-or-start becomes a reload for a running unit and a start otherwise. */
function collapse(type: MergedType, state: UnitActiveState): JobType {
  if (type !== "reload-or-start") return type;
  return isActiveOrReloading(state) ? "reload" : "start";
}

/** The one job that does both, or null when the two conflict (a stop with anything but a stop). */
export function mergeJobTypes(a: JobType, b: JobType, state: UnitActiveState): JobType | null {
  const merged = mergeTypes(a, b);
  return merged === null ? null : collapse(merged, state);
}

export function jobTypesConflict(a: JobType, b: JobType): boolean {
  return mergeTypes(a, b) === null;
}

/** `a` already does everything `b` asks for. */
export function jobTypeIncludes(a: JobType, b: JobType): boolean {
  return mergeTypes(a, b) === a;
}

/** A job that would change nothing for a unit in this state (systemd's job_type_is_redundant). */
export function isRedundant(type: JobType, state: UnitActiveState): boolean {
  switch (type) {
    case "start":
    case "verify-active":
      return isActiveOrReloading(state);
    case "stop":
      return isInactiveOrFailed(state);
    case "reload":
      return state === "reloading";
    case "restart":
      return state === "activating";
  }
}

/** A result that counts as success for the job's request and for the jobs that depend on it. */
export function isSuccess(result: JobResult): boolean {
  return result === "done" || result === "skipped";
}

/** A request's outcome: its anchors' worst job result, or "refused" when nothing was queued. */
export type RequestResult = "done" | "failed" | "dependency" | "timeout" | "canceled" | "refused";

export type JobLogLevel = "debug" | "info" | "warning" | "error";

export interface JobSummary {
  readonly id: number;
  readonly unit: string;
  readonly type: JobType;
}

/**
 * What the engine asks of the manager. The *-unit effects carry the job they belong to; the
 * manager answers with unit-changed events (and action-refused when it cannot act).
 *   start-unit    start the unit (if it is already starting, keep going); onFailureOf names the
 *                 unit whose failure queued this start, for the MONITOR_* variables.
 *   stop-unit     stop the unit.
 *   restart-unit  the stop half of a restart: stop the unit keeping what a restart keeps (the
 *                 fd store). The engine sends start-unit for the same job once the unit is down
 *                 and ordering allows; a manager that restarts the unit by itself (overlapped
 *                 restart) reports activating instead of inactive and the job follows it.
 *   reload-unit   reload the unit's configuration.
 */
export type JobEffect =
  | { readonly kind: "start-unit"; readonly unit: string; readonly jobId: number; readonly onFailureOf: string | null }
  | { readonly kind: "stop-unit"; readonly unit: string; readonly jobId: number }
  | { readonly kind: "restart-unit"; readonly unit: string; readonly jobId: number }
  | { readonly kind: "reload-unit"; readonly unit: string; readonly jobId: number }
  | { readonly kind: "job-finished"; readonly id: number; readonly unit: string; readonly type: JobType; readonly result: JobResult }
  | { readonly kind: "request-accepted"; readonly requestId: number; readonly jobs: readonly JobSummary[] }
  | {
      readonly kind: "request-finished";
      readonly requestId: number;
      readonly result: RequestResult;
      /** Units whose own job failed or timed out (the causes), or that the refusal blames. */
      readonly failedUnits: readonly string[];
      /** One line for a person; null when the request succeeded without a failure. */
      readonly reason: string | null;
    }
  | { readonly kind: "log"; readonly level: JobLogLevel; readonly unit: string | null; readonly message: string };
