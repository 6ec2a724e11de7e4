// Building transactions against a graph written as a short table, unit states, and jobs
// already queued; plans rendered as "start a", with "(wanted)" on jobs that do not matter.
import type { InstalledJob, TransactionContext, TransactionPlan, TransactionRequest } from "../../src/core/transaction.js";
import { buildTransaction } from "../../src/core/transaction.js";
import type { JobType, RequestType, UnitActiveState } from "../../src/core/jobs-model.js";
import { initialDirection } from "../../src/core/jobs-model.js";
import type { UnitSpec } from "./jobs-harness.js";
import { full, graphOf, short } from "./jobs-harness.js";

export interface PlanCase {
  readonly units: Readonly<Record<string, UnitSpec>>;
  readonly states?: Readonly<Record<string, UnitActiveState>>;
  /** Jobs queued by earlier requests, by short unit name. */
  readonly queued?: Readonly<Record<string, JobType>>;
}

export function contextOf(c: PlanCase): TransactionContext {
  const graph = graphOf(c.units);
  const states = new Map(Object.entries(c.states ?? {}).map(([unit, state]) => [full(unit), state]));
  const queued = new Map<string, InstalledJob>(
    Object.entries(c.queued ?? {}).map(([unit, type]) => [full(unit), { unit: full(unit), type, direction: initialDirection(type), ignoreOrder: false }]),
  );
  return {
    graph,
    activeState: (unit) => states.get(unit) ?? "inactive",
    installedJob: (unit) => queued.get(unit),
    installedJobs: () => queued.values(),
  };
}

export function plan(c: PlanCase, type: RequestType, units: readonly string[], extra: Partial<TransactionRequest> = {}): TransactionPlan {
  return buildTransaction(contextOf(c), { type, units: units.map(full), ...extra });
}

/** "start a", "stop c (wanted)"; or "refused <code>: <message>". */
export function rendered(result: TransactionPlan): string[] {
  if (!result.ok) return [`refused ${result.error.code}: ${result.error.message}`];
  return result.jobs.map((job) => `${job.type} ${short(job.unit)}${job.mattersToAnchor ? "" : " (wanted)"}`);
}
