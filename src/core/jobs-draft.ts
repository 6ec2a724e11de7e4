// The engine's state, the working copy a step mutates (and freezes again at its end), and the
// one way a job ends: finishJob, which also fails the jobs that depended on it.
import type { DependencyGraph } from "./dependency-graph.js";
import { graphNode } from "./dependency-graph.js";
import type { Job, JobEffect, JobLogLevel, JobResult, JobType, RequestType, UnitActiveState } from "./jobs-model.js";
import { effectiveType, isActiveOrReloading, isSuccess } from "./jobs-model.js";
import type { TransactionContext } from "./transaction.js";

export interface FinishedJob {
  readonly id: number;
  readonly unit: string;
  readonly type: JobType;
  readonly result: JobResult;
}

export interface RequestRecord {
  readonly id: number;
  readonly type: RequestType | "shutdown";
  readonly units: readonly string[];
  /** Every job the request waits for, its own and the ones it merged into. */
  readonly jobIds: readonly number[];
  /** The jobs of the units named in the request. */
  readonly anchorJobIds: readonly number[];
  readonly finished: readonly FinishedJob[];
}

export interface JobEngineState {
  readonly graph: DependencyGraph;
  /** Last reported state per unit; a unit never reported is inactive. */
  readonly units: ReadonlyMap<string, UnitActiveState>;
  /** At most one job per unit, by unit name. */
  readonly jobs: ReadonlyMap<string, Job>;
  readonly requests: ReadonlyMap<number, RequestRecord>;
  readonly nextJobId: number;
  readonly nextRequestId: number;
  /** After a shutdown request: only stops are accepted, OnFailure= is not acted on. */
  readonly shuttingDown: boolean;
}

export interface RequestDraft {
  readonly id: number;
  readonly type: RequestType | "shutdown";
  readonly units: readonly string[];
  readonly jobIds: number[];
  readonly anchorJobIds: number[];
  readonly finished: FinishedJob[];
}

export interface EngineDraft {
  graph: DependencyGraph;
  readonly units: Map<string, UnitActiveState>;
  readonly jobs: Map<string, Job>;
  readonly requests: Map<number, RequestDraft>;
  nextJobId: number;
  nextRequestId: number;
  shuttingDown: boolean;
  readonly effects: JobEffect[];
  /** Units whose OnFailure= must be acted on once the current event has been applied. */
  readonly onFailureQueue: string[];
  /** Units whose OnFailure= was acted on in this step: once per step, so that loops end. */
  readonly onFailureDone: Set<string>;
}

export function toDraft(state: JobEngineState): EngineDraft {
  const requests = new Map<number, RequestDraft>();
  for (const [id, r] of state.requests) {
    requests.set(id, { ...r, jobIds: [...r.jobIds], anchorJobIds: [...r.anchorJobIds], finished: [...r.finished] });
  }
  return {
    graph: state.graph,
    units: new Map(state.units),
    jobs: new Map(state.jobs),
    requests,
    nextJobId: state.nextJobId,
    nextRequestId: state.nextRequestId,
    shuttingDown: state.shuttingDown,
    effects: [],
    onFailureQueue: [],
    onFailureDone: new Set(),
  };
}

export function fromDraft(d: EngineDraft): JobEngineState {
  return {
    graph: d.graph,
    units: d.units,
    jobs: d.jobs,
    requests: new Map([...d.requests].map(([id, r]) => [id, { ...r }])),
    nextJobId: d.nextJobId,
    nextRequestId: d.nextRequestId,
    shuttingDown: d.shuttingDown,
  };
}

export function unitState(d: Pick<JobEngineState, "units">, unit: string): UnitActiveState {
  return d.units.get(unit) ?? "inactive";
}

export function log(d: EngineDraft, level: JobLogLevel, unit: string | null, message: string): void {
  d.effects.push({ kind: "log", level, unit, message });
}

/** What a new transaction sees of the engine. */
export function transactionContext(d: Pick<JobEngineState, "graph" | "units" | "jobs">): TransactionContext {
  const installed = (job: Job) => ({ unit: job.unit, type: effectiveType(job), direction: job.direction, ignoreOrder: job.ignoreOrder });
  return {
    graph: d.graph,
    activeState: (unit) => unitState(d, unit),
    installedJob: (unit) => {
      const job = d.jobs.get(unit);
      return job === undefined ? undefined : installed(job);
    },
    installedJobs: () => [...d.jobs.values()].map(installed),
  };
}

export function findJobById(d: Pick<JobEngineState, "jobs">, id: number): Job | undefined {
  for (const job of d.jobs.values()) if (job.id === id) return job;
  return undefined;
}

export interface FinishOptions {
  /** Fail the jobs that depend on this one when it did not succeed (false for a job replaced by a newer one). */
  readonly recursive: boolean;
  readonly reason?: string;
}

/**
 * Ends a job (systemd's job_finish_and_invalidate):
 *   - a start (or verify-active) that did not succeed fails, with result "dependency", the
 *     start jobs of the units that Require=/BindsTo=/Requisite= its unit; Wants= is not followed;
 *   - a stop that did not succeed does the same to the start jobs of units that named its
 *     unit in Conflicts=;
 *   - a start that succeeded while its unit is not active (a oneshot that ran, a failed
 *     condition) fails the jobs of units with Requisite= on it;
 *   - a timeout or dependency result queues the unit's OnFailure= units.
 */
export function finishJob(d: EngineDraft, job: Job, result: JobResult, options: FinishOptions): void {
  if (d.jobs.get(job.unit)?.id !== job.id) return;
  d.jobs.delete(job.unit);
  const type = effectiveType(job);
  if (options.reason !== undefined) log(d, isSuccess(result) ? "info" : "warning", job.unit, options.reason);
  d.effects.push({ kind: "job-finished", id: job.id, unit: job.unit, type: job.type, result });
  for (const requestId of job.requestIds) {
    d.requests.get(requestId)?.finished.push({ id: job.id, unit: job.unit, type: job.type, result });
  }
  if (!options.recursive) return;
  const node = graphNode(d.graph, job.unit);
  if (!isSuccess(result)) {
    if (type === "start" || type === "verify-active") failDependents(d, job.unit, [...node.requiredBy, ...node.boundBy, ...node.requisiteOf]);
    else if (type === "stop") failDependents(d, job.unit, node.conflictedBy);
  } else if ((type === "start" || type === "reload") && !isActiveOrReloading(unitState(d, job.unit))) {
    failDependents(d, job.unit, node.requisiteOf);
  }
  if ((result === "timeout" || result === "dependency") && !d.shuttingDown) d.onFailureQueue.push(job.unit);
}

function failDependents(d: EngineDraft, cause: string, dependents: readonly string[]): void {
  for (const unit of new Set(dependents)) {
    const job = d.jobs.get(unit);
    if (job === undefined) continue;
    const type = effectiveType(job);
    if (type !== "start" && type !== "verify-active") continue;
    finishJob(d, job, "dependency", { recursive: true, reason: `${unit}: dependency failed: ${cause}` });
  }
}
