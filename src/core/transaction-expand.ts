// Expanding one requested job into everything it implies, as systemd's
// transaction_add_job_and_dependencies does:
//   start, restart → start of Requires=/BindsTo= (must work) and of Wants= (may fail: ignored),
//                    verify-active of Requisite=, stop of Conflicts= (must work) and of the units
//                    that name this one in Conflicts= (may fail);
//   stop           → stop of the units that Require=/BindsTo=/PartOf=/Requisite= this one;
//   restart        → restart of those units, but only of the ones running (a try-restart, so
//                    that a restart never starts what was not running).
import type { DependencyGraph, GraphNode } from "./dependency-graph.js";
import { graphNode, isManagedUnitName } from "./dependency-graph.js";
import type { JobType, UnitActiveState } from "./jobs-model.js";
import { isActiveOrReloading, isInactiveOrFailed } from "./jobs-model.js";
import type { InstalledJob, TransactionError, Tx, TxJob } from "./transaction-jobs.js";
import { addLink, createJob, deleteJob, findJob } from "./transaction-jobs.js";

export interface ExpandContext {
  readonly graph: DependencyGraph;
  activeState(unit: string): UnitActiveState;
  installedJob(unit: string): InstalledJob | undefined;
}

export type AddOutcome =
  | { readonly kind: "added"; readonly job: TxJob }
  /** A unit steward does not run (a .target, a .mount…): treated as present, no job. */
  | { readonly kind: "outside" }
  | { readonly kind: "error"; readonly error: TransactionError };

type Refusal = { readonly kind: "outside" } | { readonly kind: "error"; readonly error: TransactionError } | null;

function neededBy(subject: TxJob | null): string {
  return subject === null ? "" : ` (needed by ${subject.unit})`;
}

/** Whether a job of this type may exist for this unit at all, given how (and whether) it loaded. */
function loadRefusal(node: GraphNode, type: JobType, subject: TxJob | null, state: UnitActiveState): Refusal {
  const unit = node.name;
  switch (node.load) {
    case "loaded":
      return null;
    case "not-found":
      if (subject !== null && !isManagedUnitName(unit)) return { kind: "outside" };
      // A unit whose file went away at daemon-reload may still be running: it can be stopped.
      if (type === "stop" && !isInactiveOrFailed(state)) return null;
      if (type === "stop" && subject !== null) return { kind: "outside" };
      return {
        kind: "error",
        error: { code: "not-found", message: `Unit ${unit} ${type === "stop" ? "not loaded" : "not found"}${neededBy(subject)}.`, units: [unit] },
      };
    case "bad-setting":
    case "error":
      if (type === "stop") return null;
      return {
        kind: "error",
        error: {
          code: node.load === "bad-setting" ? "bad-setting" : "load-error",
          message: `Unit ${unit} ${node.load === "bad-setting" ? "has a bad unit file setting" : "failed to load properly"}${neededBy(subject)}.`,
          units: [unit],
        },
      };
  }
}

/** Adds the job (or links to the one already there) and, for a new job, what it pulls in. */
export function addJobAndDependencies(
  tx: Tx,
  ctx: ExpandContext,
  unit: string,
  type: JobType,
  subject: TxJob | null,
  matters: boolean,
  conflicts: boolean,
): AddOutcome {
  const node = graphNode(ctx.graph, unit);
  const refusal = loadRefusal(node, type, subject, ctx.activeState(unit));
  if (refusal !== null) {
    if (refusal.kind === "outside") tx.logs.push({ level: "debug", unit, message: `${unit}: not run by steward, treated as present${neededBy(subject)}` });
    return refusal;
  }
  const existing = findJob(tx, unit, type);
  const job = existing ?? createJob(tx, unit, type);
  addLink(subject, job, matters, conflicts);
  if (existing !== undefined) return { kind: "added", job };

  const failure = pullIn(tx, ctx, node, job);
  if (failure !== null) {
    // A job whose requirement cannot be had must not run without it, even when this job itself
    // was only wanted (systemd would leave it in; steward drops it and says why).
    deleteJob(tx, job, true);
    return { kind: "error", error: failure };
  }
  return { kind: "added", job };
}

function pullIn(tx: Tx, ctx: ExpandContext, node: GraphNode, job: TxJob): TransactionError | null {
  const must = (unit: string, type: JobType): TransactionError | null => {
    const outcome = addJobAndDependencies(tx, ctx, unit, type, job, true, false);
    return outcome.kind === "error" ? outcome.error : null;
  };
  const may = (unit: string, type: JobType, conflicts: boolean, why: string): void => {
    const outcome = addJobAndDependencies(tx, ctx, unit, type, job, false, conflicts);
    if (outcome.kind === "error") tx.logs.push({ level: "warning", unit, message: `${unit} (${why} ${job.unit}) is left alone: ${outcome.error.message}` });
  };

  if (job.type === "start" || job.type === "restart") {
    for (const unit of [...node.requires, ...node.bindsTo]) {
      const failure = must(unit, "start");
      if (failure !== null) return failure;
    }
    for (const unit of node.requisite) {
      const failure = must(unit, "verify-active");
      if (failure !== null) return failure;
    }
    for (const unit of node.conflicts) {
      const failure = must(unit, "stop");
      if (failure !== null) return failure;
    }
    for (const unit of node.wants) may(unit, "start", false, "wanted by");
    for (const unit of node.conflictedBy) may(unit, "stop", true, "conflicting with");
  }

  if (job.type === "stop" || job.type === "restart") {
    const dependents = new Set([...node.requiredBy, ...node.boundBy, ...node.consistsOf, ...node.requisiteOf]);
    for (const unit of dependents) {
      // systemd propagates a restart as try-restart: what is not running stays down.
      if (job.type === "restart" && !isActiveOrReloading(ctx.activeState(unit))) continue;
      const failure = must(unit, job.type);
      if (failure !== null) return failure;
    }
  }
  return null;
}
