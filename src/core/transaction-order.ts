// Refusing to queue jobs that would wait for each other forever (systemd's
// transaction_verify_order). The waiting relation is the one the running jobs will obey
// (ordering.ts), over this transaction's jobs and the jobs already queued. A cycle is broken,
// as systemd does, by dropping a job that does not matter to the request (one that is only
// wanted) together with what needed it; when every job in the cycle matters the request is
// refused, naming the cycle. For shutdown, a cycle that cannot be broken is cut instead by
// running one of its jobs without ordering.
import { describeCycle, findCycle } from "./ordering-cycles.js";
import type { OrderedJob } from "./ordering.js";
import { jobsAhead } from "./ordering.js";
import type { DependencyGraph } from "./dependency-graph.js";
import type { ExpandContext } from "./transaction-expand.js";
import { initialDirection, jobTypesConflict, mergeJobTypes } from "./jobs-model.js";
import type { InstalledJob, TransactionError, Tx, TxJob } from "./transaction-jobs.js";
import { collectGarbage, deleteJob, liveJobs } from "./transaction-jobs.js";

export interface OrderContext extends ExpandContext {
  readonly graph: DependencyGraph;
  installedJobs(): Iterable<InstalledJob>;
}

interface PlannedOrder extends OrderedJob {
  readonly type: string;
  readonly tx: TxJob | null;
}

/** Every job as it will be once this transaction is queued on top of the installed ones. */
function jobsAfterApply(tx: Tx, ctx: OrderContext): Map<string, PlannedOrder> {
  const jobs = new Map<string, PlannedOrder>();
  for (const installed of ctx.installedJobs()) jobs.set(installed.unit, { ...installed, tx: null });
  for (const job of liveJobs(tx)) {
    const installed = ctx.installedJob(job.unit);
    let type = job.type;
    let direction = initialDirection(job.type);
    if (installed !== undefined && !jobTypesConflict(installed.type, job.type)) {
      type = mergeJobTypes(installed.type, job.type, ctx.activeState(job.unit)) ?? job.type;
      direction = type === installed.type ? installed.direction : initialDirection(type);
    }
    jobs.set(job.unit, { unit: job.unit, type, direction, ignoreOrder: job.ignoreOrder || (installed?.ignoreOrder ?? false), tx: job });
  }
  return jobs;
}

export function verifyOrder(tx: Tx, ctx: OrderContext, ignoreOrderToBreakCycles: boolean): TransactionError | null {
  for (;;) {
    const jobs = jobsAfterApply(tx, ctx);
    const units = [...jobs.keys()].sort();
    const cycle = findCycle(units, (unit) => {
      const job = jobs.get(unit);
      return job === undefined ? [] : jobsAhead(ctx.graph, job, (other) => jobs.get(other));
    });
    if (cycle === null) return null;
    const members = cycle.map((unit) => jobs.get(unit)).filter((job) => job !== undefined);
    const shown = describeCycle(members.map((job) => `${job.unit}/${job.type}`));
    const inTx = members.map((job) => job.tx).filter((job) => job !== null);
    const droppable = inTx.find((job) => !job.mattersToAnchor);
    if (droppable !== undefined) {
      tx.logs.push({
        level: "warning",
        unit: droppable.unit,
        message: `ordering cycle ${shown} (each waits for the next): dropping ${droppable.unit}/${droppable.type}, which is only wanted, to break it`,
      });
      deleteJob(tx, droppable, true);
      collectGarbage(tx);
      continue;
    }
    const cut = inTx.find((job) => !job.ignoreOrder);
    if (ignoreOrderToBreakCycles && cut !== undefined) {
      tx.logs.push({ level: "warning", unit: cut.unit, message: `ordering cycle ${shown} (each waits for the next): ${cut.unit}/${cut.type} runs without ordering` });
      cut.ignoreOrder = true;
      continue;
    }
    return {
      code: "ordering-cycle",
      message: `Ordering cycle ${shown} (each waits for the next); no job in it is only wanted, so none can be dropped.`,
      units: cycle,
    };
  }
}
