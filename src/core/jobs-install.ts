// Queuing a transaction's jobs on top of the jobs already queued (systemd's job_install). A
// unit holds one job; a new job for a unit that has one is merged or replaces it:
//
//   queued job       new job          outcome
//   any              conflicting      the queued job ends "canceled" (its dependents are left
//                    (stop vs other)  alone); the new job is queued. So: a start on a queued
//                                     stop, or a stop on a queued start, replaces it.
//   waiting          mergeable        one job of the merged type (start+verify-active → start,
//                                     start+reload → reload if the unit runs, else start,
//                                     anything+restart → restart); it keeps its id and all
//                                     its requests.
//   running          included         the running job does it already (a start on a running
//                    (merge = queued) start, a stop on a running stop): unchanged.
//   running          not included,    the job becomes the merged type and waits to run again
//                    or a reload      (a restart on a running start restarts once it can; a
//                                     reload on a running reload reloads again, so that the
//                                     daemon sees configuration changed meanwhile).
import type { EngineDraft } from "./jobs-draft.js";
import { finishJob, unitState } from "./jobs-draft.js";
import type { Job } from "./jobs-model.js";
import { effectiveType, initialDirection, jobTypesConflict, mergeJobTypes } from "./jobs-model.js";
import type { PlannedJob } from "./transaction.js";

export interface InstalledPlan {
  /** The queued job of each planned job, in plan order. */
  readonly jobs: readonly Job[];
  readonly anchorJobIds: readonly number[];
}

export function installPlan(d: EngineDraft, planned: readonly PlannedJob[], requestId: number | null, onFailureOf: string | null): InstalledPlan {
  const jobs: Job[] = [];
  const anchorJobIds: number[] = [];
  for (const plan of planned) {
    const job = installOne(d, plan, requestId, plan.anchor ? onFailureOf : null);
    jobs.push(job);
    if (plan.anchor) anchorJobIds.push(job.id);
  }
  return { jobs, anchorJobIds };
}

function installOne(d: EngineDraft, plan: PlannedJob, requestId: number | null, onFailureOf: string | null): Job {
  const requestIds = requestId === null ? [] : [requestId];
  let queued = d.jobs.get(plan.unit);
  if (queued !== undefined && jobTypesConflict(effectiveType(queued), plan.type)) {
    finishJob(d, queued, "canceled", { recursive: false, reason: `${plan.unit}: ${queued.type} job canceled, replaced by ${plan.type}` });
    queued = undefined;
  }
  let job: Job;
  if (queued === undefined) {
    job = {
      id: d.nextJobId++,
      unit: plan.unit,
      type: plan.type,
      direction: initialDirection(plan.type),
      state: "waiting",
      requestIds,
      onFailureOf,
      ignoreOrder: plan.ignoreOrder,
    };
  } else {
    const current = effectiveType(queued);
    const merged = mergeJobTypes(current, plan.type, unitState(d, plan.unit)) ?? current;
    const kept: Job = {
      ...queued,
      requestIds: [...new Set([...queued.requestIds, ...requestIds])],
      onFailureOf: queued.onFailureOf ?? onFailureOf,
      ignoreOrder: queued.ignoreOrder || plan.ignoreOrder,
    };
    const retyped: Job = merged === current ? kept : { ...kept, type: merged, direction: initialDirection(merged) };
    // systemd's job_type_allows_late_merge: a reload is never merged into a running reload.
    const runningCovers = queued.state === "running" && merged === current && plan.type !== "reload";
    job = queued.state === "waiting" || runningCovers ? retyped : { ...retyped, state: "waiting" };
  }
  d.jobs.set(plan.unit, job);
  return job;
}
