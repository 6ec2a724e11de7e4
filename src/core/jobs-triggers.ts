// Jobs nobody asked for: OnFailure= starts and BindsTo= stops. Each is a transaction of its
// own with no request (systemd's unit_start_on_failure and unit_check_binds_to).
import { graphNode, isManagedUnitName } from "./dependency-graph.js";
import type { EngineDraft } from "./jobs-draft.js";
import { log, transactionContext, unitState } from "./jobs-draft.js";
import { installPlan } from "./jobs-install.js";
import type { RequestType } from "./jobs-model.js";
import { buildTransaction } from "./transaction.js";

/** Queues the jobs of an internal transaction; false (and a logged reason) when refused. */
function queueInternal(d: EngineDraft, type: RequestType, unit: string, onFailureOf: string | null, why: string): boolean {
  const plan = buildTransaction(transactionContext(d), { type, units: [unit] });
  for (const entry of plan.logs) log(d, entry.level, entry.unit, entry.message);
  if (!plan.ok) {
    log(d, "error", unit, `${unit}: ${why}, but the ${type} was refused: ${plan.error.message}`);
    return false;
  }
  log(d, "info", unit, `${unit}: ${type} queued, ${why}`);
  installPlan(d, plan.jobs, null, onFailureOf);
  return true;
}

/**
 * A unit entered "failed", or its job ended "timeout" or "dependency": start its OnFailure=
 * units, each in its own transaction (OnFailureJobMode=replace). Once per unit per step.
 */
export function startOnFailureUnits(d: EngineDraft): void {
  for (let unit = d.onFailureQueue.shift(); unit !== undefined; unit = d.onFailureQueue.shift()) {
    if (d.shuttingDown || d.onFailureDone.has(unit)) continue;
    d.onFailureDone.add(unit);
    for (const target of graphNode(d.graph, unit).onFailure) queueInternal(d, "start", target, unit, `OnFailure= of ${unit}, which failed`);
  }
}

/** A unit steward does not run (network.target) counts as up for BindsTo=, as for Requires=. */
function countsAsUp(d: EngineDraft, unit: string): boolean {
  return graphNode(d.graph, unit).load === "not-found" && !isManagedUnitName(unit);
}

/**
 * An active unit without a job whose BindsTo= unit is inactive or failed, with no job that
 * could bring it back, is stopped. True when a stop was queued.
 */
export function stopUnitsBoundToInactive(d: EngineDraft): boolean {
  let queued = false;
  for (const node of d.graph.nodes.values()) {
    if (node.bindsTo.length === 0 || d.jobs.has(node.name) || unitState(d, node.name) !== "active") continue;
    const gone = node.bindsTo.find((unit) => !d.jobs.has(unit) && !countsAsUp(d, unit) && (unitState(d, unit) === "inactive" || unitState(d, unit) === "failed"));
    if (gone === undefined) continue;
    if (queueInternal(d, "stop", node.name, null, `it is bound (BindsTo=) to ${gone}, which is ${unitState(d, gone)}`)) queued = true;
  }
  return queued;
}
