// A transaction: what one request turns into before anything runs (systemd's transaction.c).
// buildTransaction is pure: it reads the graph, the units' states and the jobs already queued,
// and returns either the jobs to queue or why the request is refused as a whole.
//
// Steps, in order:
//   1. expand every requested unit (the anchors) into the jobs it implies (transaction-expand.ts);
//   2. mark the jobs that matter to the request (reached through Requires=-like links only);
//   3. resolve conflicting jobs on one unit, then merge each unit's jobs into one
//      (transaction-merge.ts);
//   4. drop jobs that change nothing (a start of a unit already active);
//   5. check ordering for cycles, dropping only-wanted jobs to break them (transaction-order.ts).
// Deliberate difference: a request for several units is one transaction with several anchors
// (systemctl makes one per unit), so "start a b" is accepted or refused as a whole.
import type { DependencyGraph } from "./dependency-graph.js";
import type { InstalledJob, TransactionError, TxLog } from "./transaction-jobs.js";
import { liveJobs, markJobsThatMatter, newTx } from "./transaction-jobs.js";
import { addJobAndDependencies } from "./transaction-expand.js";
import { dropRedundant, mergeJobs, resolveConflicts } from "./transaction-merge.js";
import { verifyOrder } from "./transaction-order.js";
import type { JobType, RequestType, UnitActiveState } from "./jobs-model.js";
import { isActiveOrReloading } from "./jobs-model.js";

export type { InstalledJob, TransactionError, TransactionErrorCode, TxLog as TransactionLog } from "./transaction-jobs.js";

/** What a transaction may read of the world. */
export interface TransactionContext {
  readonly graph: DependencyGraph;
  activeState(unit: string): UnitActiveState;
  installedJob(unit: string): InstalledJob | undefined;
  installedJobs(): Iterable<InstalledJob>;
}

export interface TransactionRequest {
  readonly type: RequestType;
  readonly units: readonly string[];
  /** For shutdown: cut an ordering cycle that cannot be broken instead of refusing. */
  readonly ignoreOrderToBreakCycles?: boolean;
}

export interface PlannedJob {
  readonly unit: string;
  readonly type: JobType;
  /** Asked for by the request itself. */
  readonly anchor: boolean;
  readonly mattersToAnchor: boolean;
  readonly ignoreOrder: boolean;
  /** The units whose jobs pulled this one in. */
  readonly pulledInBy: readonly string[];
}

export type TransactionPlan =
  | {
      readonly ok: true;
      /** In the order they were pulled in: the anchors' jobs first. */
      readonly jobs: readonly PlannedJob[];
      /** Requested units that need no job (a try-restart of a unit that is not running). */
      readonly skipped: readonly string[];
      readonly logs: readonly TxLog[];
    }
  | { readonly ok: false; readonly error: TransactionError; readonly logs: readonly TxLog[] };

export function buildTransaction(ctx: TransactionContext, request: TransactionRequest): TransactionPlan {
  const tx = newTx();
  const refuse = (error: TransactionError): TransactionPlan => ({ ok: false, error, logs: tx.logs });
  const units = [...new Set(request.units)];
  if (units.length === 0) return refuse({ code: "no-units", message: "No unit named.", units: [] });

  const skipped: string[] = [];
  for (const unit of units) {
    let type: JobType;
    if (request.type === "try-restart") {
      if (!isActiveOrReloading(ctx.activeState(unit))) {
        tx.logs.push({ level: "info", unit, message: `${unit}: not running, try-restart does nothing` });
        skipped.push(unit);
        continue;
      }
      type = "restart";
    } else type = request.type;
    const outcome = addJobAndDependencies(tx, ctx, unit, type, null, true, false);
    if (outcome.kind === "error") return refuse(outcome.error);
    if (outcome.kind === "added") outcome.job.anchor = true;
  }

  markJobsThatMatter(tx);
  const conflict = resolveConflicts(tx);
  if (conflict !== null) return refuse(conflict);
  mergeJobs(tx, ctx);
  dropRedundant(tx, ctx);
  const cycle = verifyOrder(tx, ctx, request.ignoreOrderToBreakCycles ?? false);
  if (cycle !== null) return refuse(cycle);

  const jobs = liveJobs(tx).map((job) => ({
    unit: job.unit,
    type: job.type,
    anchor: job.anchor,
    mattersToAnchor: job.mattersToAnchor,
    ignoreOrder: job.ignoreOrder,
    pulledInBy: [...new Set(job.pulledBy.flatMap((link) => (link.subject === null ? [] : [link.subject.unit])))],
  }));
  return { ok: true, jobs, skipped, logs: tx.logs };
}
