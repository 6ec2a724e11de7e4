// Making a transaction consistent, one job per unit (systemd's transaction_merge_jobs and
// transaction_drop_redundant):
//   - two jobs for one unit that conflict (a stop with anything but a stop): the one that does
//     not matter to the request is dropped, with whatever needed it; when neither matters,
//     the stop goes, unless it comes from a Conflicts= (then the start goes); when both
//     matter the request is refused;
//   - the rest merge by the merging table (jobs-model.ts);
//   - jobs that change nothing for their unit's current state are dropped (a start of an
//     active unit), except what was asked for and what must cancel a queued job.
import type { ExpandContext } from "./transaction-expand.js";
import { isRedundant, jobTypesConflict, mergeJobTypes } from "./jobs-model.js";
import type { JobType } from "./jobs-model.js";
import type { TransactionError, Tx, TxJob } from "./transaction-jobs.js";
import { collectGarbage, deleteJob, jobsOfUnit, liveJobs, mergeInto } from "./transaction-jobs.js";

function pulledInByConflict(job: TxJob): boolean {
  return job.pulledBy.some((link) => link.conflicts);
}

/** Of two conflicting jobs, the one to drop; null when both matter. */
function choose(a: TxJob, b: TxJob): TxJob | null {
  if (!a.mattersToAnchor && !b.mattersToAnchor) {
    if (a.type === "stop") return pulledInByConflict(a) ? b : a;
    if (b.type === "stop") return pulledInByConflict(b) ? a : b;
    return a;
  }
  if (!a.mattersToAnchor) return a;
  if (!b.mattersToAnchor) return b;
  return null;
}

function firstConflict(tx: Tx): readonly [TxJob, TxJob] | null {
  for (const unit of tx.jobs.keys()) {
    const jobs = jobsOfUnit(tx, unit);
    for (let i = 0; i < jobs.length; i++) {
      for (let k = i + 1; k < jobs.length; k++) {
        const a = jobs[i];
        const b = jobs[k];
        if (a !== undefined && b !== undefined && jobTypesConflict(a.type, b.type)) return [a, b];
      }
    }
  }
  return null;
}

export function resolveConflicts(tx: Tx): TransactionError | null {
  for (;;) {
    const conflict = firstConflict(tx);
    if (conflict === null) return null;
    const [a, b] = conflict;
    const dropped = choose(a, b);
    if (dropped === null) {
      return {
        code: "conflicting-jobs",
        message: `Conflicting jobs ${a.type} and ${b.type} for ${a.unit}, both required by the request (check the Requires=/Conflicts= of the units involved).`,
        units: [a.unit],
      };
    }
    const kept = dropped === a ? b : a;
    tx.logs.push({ level: "info", unit: a.unit, message: `${a.unit}: dropping job ${dropped.type} (only wanted), keeping ${kept.type}` });
    deleteJob(tx, dropped, true);
    collectGarbage(tx);
  }
}

/** After resolveConflicts: folds every unit's jobs into one. */
export function mergeJobs(tx: Tx, ctx: ExpandContext): void {
  for (const unit of tx.jobs.keys()) {
    const jobs = jobsOfUnit(tx, unit);
    const first = jobs[0];
    if (first === undefined || jobs.length === 1) continue;
    const state = ctx.activeState(unit);
    let type: JobType = first.type;
    for (const job of jobs.slice(1)) type = mergeJobTypes(type, job.type, state) ?? type;
    const keep = jobs.find((job) => job.anchor) ?? first;
    keep.type = type;
    for (const other of jobs) if (other !== keep) mergeInto(keep, other, type);
  }
}

export function dropRedundant(tx: Tx, ctx: ExpandContext): void {
  for (;;) {
    const redundant = liveJobs(tx).find((job) => {
      if (job.anchor || !isRedundant(job.type, ctx.activeState(job.unit))) return false;
      const installed = ctx.installedJob(job.unit);
      return installed === undefined || !jobTypesConflict(installed.type, job.type);
    });
    if (redundant === undefined) break;
    tx.logs.push({ level: "debug", unit: redundant.unit, message: `${redundant.unit}: ${redundant.type} is a no-op in state ${ctx.activeState(redundant.unit)}, dropped` });
    deleteJob(tx, redundant, false);
  }
  collectGarbage(tx);
}
