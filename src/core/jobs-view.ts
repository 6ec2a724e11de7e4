// Read-only questions about the engine's state, for `steward list`, `status` and the API.
import type { JobEngineState } from "./jobs-draft.js";
import type { Job, JobDirection, JobRunState, JobType } from "./jobs-model.js";
import { waitingFor } from "./jobs-run.js";

export interface JobView {
  readonly id: number;
  readonly unit: string;
  readonly type: JobType;
  readonly direction: JobDirection;
  readonly state: JobRunState;
  readonly requestIds: readonly number[];
  readonly onFailureOf: string | null;
  /** For a waiting job: the units it waits for (their jobs, or their half-way state). */
  readonly waitingFor: readonly string[];
}

function view(state: JobEngineState, job: Job): JobView {
  return {
    id: job.id,
    unit: job.unit,
    type: job.type,
    direction: job.direction,
    state: job.state,
    requestIds: job.requestIds,
    onFailureOf: job.onFailureOf,
    waitingFor: job.state === "waiting" ? waitingFor(state, job) : [],
  };
}

/** Every queued job, oldest first. */
export function listJobs(state: JobEngineState): JobView[] {
  return [...state.jobs.values()].sort((a, b) => a.id - b.id).map((job) => view(state, job));
}

export function jobOfUnit(state: JobEngineState, unit: string): JobView | null {
  const job = state.jobs.get(unit);
  return job === undefined ? null : view(state, job);
}

/** True until the request's request-finished effect has been emitted. */
export function isRequestPending(state: JobEngineState, requestId: number): boolean {
  return state.requests.has(requestId);
}
