// The job engine: a reducer (state, event) → { state, effects } over the queued jobs of every
// unit. It decides what to start, stop, restart or reload and when; the manager carries the
// effects out and reports back how the units' states change. Pure: no I/O, no clock.
//
// Events:
//   request         a caller asks to start/stop/restart/reload/try-restart units; it gets a
//                   request id (request-accepted, or request-finished "refused" at once)
//   unit-changed    the manager saw a unit's active state change ("active" = ready)
//   action-refused  the manager could not carry out a *-unit effect (a condition failed:
//                   "skipped"; no ExecReload=, start limit hit…: "failed")
//   cancel-job      ends a job "canceled" (its dependents fail with "dependency")
//   job-timed-out   the manager's job timer fired: the job ends "timeout"
//   units-reloaded  daemon-reload: a new graph; queued jobs stay
//   shutdown        stop everything (jobs-shutdown.ts); from then on only stops are accepted
//
// After every event, until nothing more changes: runnable jobs are released (jobs-run.ts),
// then OnFailure= starts and BindsTo= stops that became due are queued (jobs-triggers.ts).
// Last, requests whose jobs have all ended are reported with request-finished.
import type { DependencyGraph } from "./dependency-graph.js";
import type { EngineDraft, JobEngineState } from "./jobs-draft.js";
import { findJobById, finishJob, fromDraft, log, toDraft, transactionContext, unitState } from "./jobs-draft.js";
import { installPlan } from "./jobs-install.js";
import type { JobEffect, RequestType, UnitActiveState } from "./jobs-model.js";
import { finishRequests } from "./jobs-requests.js";
import { dispatch, followUnitState, refuseAction } from "./jobs-run.js";
import { buildShutdownTransaction } from "./jobs-shutdown.js";
import { startOnFailureUnits, stopUnitsBoundToInactive } from "./jobs-triggers.js";
import type { TransactionPlan } from "./transaction.js";
import { buildTransaction } from "./transaction.js";

export type { FinishedJob, JobEngineState, RequestRecord } from "./jobs-draft.js";
export type { Job, JobDirection, JobEffect, JobLogLevel, JobResult, JobRunState, JobSummary, JobType, RequestResult, RequestType, UnitActiveState } from "./jobs-model.js";

export type JobEvent =
  | { readonly kind: "request"; readonly type: RequestType; readonly units: readonly string[] }
  | { readonly kind: "unit-changed"; readonly unit: string; readonly active: UnitActiveState }
  | { readonly kind: "action-refused"; readonly unit: string; readonly result: "failed" | "skipped"; readonly reason: string }
  | { readonly kind: "cancel-job"; readonly id: number }
  | { readonly kind: "job-timed-out"; readonly id: number }
  | { readonly kind: "units-reloaded"; readonly graph: DependencyGraph }
  | { readonly kind: "shutdown" };

export interface JobStep {
  readonly state: JobEngineState;
  readonly effects: readonly JobEffect[];
}

/** An engine with no jobs; `units` gives states already known (after a manager re-exec). */
export function createJobEngine(graph: DependencyGraph, units: Iterable<readonly [string, UnitActiveState]> = []): JobEngineState {
  return {
    graph,
    units: new Map(units),
    jobs: new Map(),
    requests: new Map(),
    nextJobId: 1,
    nextRequestId: 1,
    shuttingDown: false,
  };
}

export function stepJobs(state: JobEngineState, event: JobEvent): JobStep {
  const d = toDraft(state);
  switch (event.kind) {
    case "request":
      if (d.shuttingDown && event.type !== "stop") {
        refuse(d, d.nextRequestId++, { units: [], reason: `Refusing to ${event.type} ${event.units.join(" ")}: shutting down.` });
        break;
      }
      queueRequest(d, event.type, event.units, buildTransaction(transactionContext(d), { type: event.type, units: event.units }));
      break;
    case "unit-changed": {
      const previous = unitState(d, event.unit);
      d.units.set(event.unit, event.active);
      followUnitState(d, event.unit, event.active);
      if (event.active === "failed" && previous !== "failed" && !d.shuttingDown) d.onFailureQueue.push(event.unit);
      break;
    }
    case "action-refused":
      refuseAction(d, event.unit, event.result, event.reason);
      break;
    case "cancel-job":
    case "job-timed-out": {
      const job = findJobById(d, event.id);
      if (job === undefined) log(d, "debug", null, `no job ${event.id} to ${event.kind === "cancel-job" ? "cancel" : "time out"}`);
      else if (event.kind === "cancel-job") finishJob(d, job, "canceled", { recursive: true, reason: `${job.unit}: ${job.type} job canceled` });
      else finishJob(d, job, "timeout", { recursive: true, reason: `${job.unit}: ${job.type} job timed out` });
      break;
    }
    case "units-reloaded":
      d.graph = event.graph;
      break;
    case "shutdown": {
      d.shuttingDown = true;
      const plan = buildShutdownTransaction(d);
      if (plan === null) queueNothing(d, "shutdown");
      else queueRequest(d, "shutdown", plan.ok ? plan.jobs.filter((job) => job.anchor).map((job) => job.unit) : [], plan);
      break;
    }
  }
  settle(d);
  finishRequests(d);
  return { state: fromDraft(d), effects: d.effects };
}

/** Queues what became due and releases what can run, until nothing more changes. */
function settle(d: EngineDraft): void {
  for (;;) {
    dispatch(d);
    if (d.onFailureQueue.length > 0) {
      startOnFailureUnits(d);
      continue;
    }
    if (stopUnitsBoundToInactive(d)) continue;
    return;
  }
}

function refuse(d: EngineDraft, requestId: number, refusal: { units: readonly string[]; reason: string }): void {
  log(d, "warning", refusal.units[0] ?? null, refusal.reason);
  d.effects.push({ kind: "request-finished", requestId, result: "refused", failedUnits: refusal.units, reason: refusal.reason });
}

function queueNothing(d: EngineDraft, type: RequestType | "shutdown"): void {
  const id = d.nextRequestId++;
  d.requests.set(id, { id, type, units: [], jobIds: [], anchorJobIds: [], finished: [] });
  d.effects.push({ kind: "request-accepted", requestId: id, jobs: [] });
}

function queueRequest(d: EngineDraft, type: RequestType | "shutdown", units: readonly string[], plan: TransactionPlan): void {
  const id = d.nextRequestId++;
  for (const entry of plan.logs) log(d, entry.level, entry.unit, entry.message);
  if (!plan.ok) {
    refuse(d, id, { units: plan.error.units, reason: plan.error.message });
    return;
  }
  const installed = installPlan(d, plan.jobs, id, null);
  const jobIds = [...new Set(installed.jobs.map((job) => job.id))];
  d.requests.set(id, { id, type, units: [...units], jobIds, anchorJobIds: [...installed.anchorJobIds], finished: [] });
  d.effects.push({ kind: "request-accepted", requestId: id, jobs: installed.jobs.map((job) => ({ id: job.id, unit: job.unit, type: job.type })) });
}

export { isRequestPending, jobOfUnit, listJobs } from "./jobs-view.js";
export type { JobView } from "./jobs-view.js";
export { buildShutdownTransaction, unitsToStop } from "./jobs-shutdown.js";
