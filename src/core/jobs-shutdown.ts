// "Stop everything", for `steward shutdown` and SIGTERM of a foreground `up`: one stop
// transaction over every unit that is up, on its way, or has a job. Ordering does the rest:
// stop jobs wait for the stop jobs of the units ordered After= theirs, so units stop in the
// reverse of their start order, independent ones in parallel. Queued start jobs are replaced
// by the stops (they end "canceled"). An ordering cycle does not block shutdown: one job of
// the cycle runs without ordering.
import type { JobEngineState } from "./jobs-draft.js";
import { transactionContext } from "./jobs-draft.js";
import { isInactiveOrFailed } from "./jobs-model.js";
import type { TransactionPlan } from "./transaction.js";
import { buildTransaction } from "./transaction.js";

export function unitsToStop(state: Pick<JobEngineState, "units" | "jobs">): string[] {
  const units = new Set<string>(state.jobs.keys());
  for (const [unit, active] of state.units) if (!isInactiveOrFailed(active)) units.add(unit);
  return [...units].sort();
}

/** The shutdown transaction for this state; null when nothing needs stopping. */
export function buildShutdownTransaction(state: Pick<JobEngineState, "graph" | "units" | "jobs">): TransactionPlan | null {
  const units = unitsToStop(state);
  if (units.length === 0) return null;
  return buildTransaction(transactionContext(state), { type: "stop", units, ignoreOrderToBreakCycles: true });
}
