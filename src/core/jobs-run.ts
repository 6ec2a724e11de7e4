// Running queued jobs: when a job may run, what running it means for its unit's state, and how
// the unit's reported states end it.
//
// A waiting job runs once no job it must wait for is queued (ordering.ts) and, for a job that
// brings its unit up, once no unit it is ordered After= is half-way (activating or
// deactivating) without a job: steward gates on readiness, so a dependency that is restarting
// by itself is waited for too. Everything that may run is released in the same step.
//
// Running a job, by its unit's state:
//   start          active/reloading: done · deactivating: wait · else: start-unit
//   restart (down) inactive/failed: becomes its start half · else: restart-unit
//   restart (up)   as start
//   stop           inactive/failed: done · else: stop-unit
//   reload         active: reload-unit · reloading/activating: wait · else: failed (not running)
//   verify-active  active/reloading: done · activating: wait · else: failed (Requisite= unmet)
//
// How reported states end a job (systemd's unit_notify job handling):
//   start, restart (up)   active/reloading: done (also while still waiting: the goal is
//                         reached); once running: failed → failed, inactive → done (a oneshot
//                         that ran, a start with nothing to do)
//   restart (down)        once running: inactive/failed → its start half, waiting for order;
//                         activating → its start half, running (the manager restarted it)
//   stop                  inactive/failed: done (also while waiting)
//   reload                once running: active → done, inactive/failed → failed
//   verify-active         active/reloading: done
// Anything else leaves the job as it is.
import type { DependencyGraph } from "./dependency-graph.js";
import { graphNode } from "./dependency-graph.js";
import type { EngineDraft } from "./jobs-draft.js";
import { finishJob, log, unitState } from "./jobs-draft.js";
import type { Job, JobEffect, JobResult, UnitActiveState } from "./jobs-model.js";
import { isActiveOrReloading, isInactiveOrFailed } from "./jobs-model.js";
import { jobsAhead } from "./ordering.js";

/** The parts of the engine's state that decide whether a job may run. */
export interface RunView {
  readonly graph: DependencyGraph;
  readonly units: ReadonlyMap<string, UnitActiveState>;
  readonly jobs: ReadonlyMap<string, Job>;
}

function isHalfWay(state: UnitActiveState): boolean {
  return state === "activating" || state === "deactivating";
}

/** What keeps the job waiting: units with jobs to go first, and half-way units it is After=. */
export function waitingFor(view: RunView, job: Job): string[] {
  const ahead = jobsAhead(view.graph, job, (unit) => view.jobs.get(unit));
  if (job.direction === "up" && !job.ignoreOrder) {
    for (const unit of graphNode(view.graph, job.unit).after) {
      if (!view.jobs.has(unit) && isHalfWay(view.units.get(unit) ?? "inactive") && !ahead.includes(unit)) ahead.push(unit);
    }
  }
  return ahead;
}

type Step =
  | { readonly kind: "finish"; readonly result: JobResult; readonly reason: string | null }
  | { readonly kind: "bring-up" }
  | { readonly kind: "act"; readonly effect: JobEffect }
  | { readonly kind: "wait" };

function startStep(job: Job, state: UnitActiveState): Step {
  if (isActiveOrReloading(state)) return { kind: "finish", result: "done", reason: null };
  if (state === "deactivating") return { kind: "wait" };
  return { kind: "act", effect: { kind: "start-unit", unit: job.unit, jobId: job.id, onFailureOf: job.onFailureOf } };
}

function nextStep(job: Job, state: UnitActiveState): Step {
  switch (job.type) {
    case "start":
      return startStep(job, state);
    case "restart":
      if (job.direction === "up") return startStep(job, state);
      if (isInactiveOrFailed(state)) return { kind: "bring-up" };
      return { kind: "act", effect: { kind: "restart-unit", unit: job.unit, jobId: job.id } };
    case "stop":
      if (isInactiveOrFailed(state)) return { kind: "finish", result: "done", reason: null };
      return { kind: "act", effect: { kind: "stop-unit", unit: job.unit, jobId: job.id } };
    case "reload":
      if (state === "active") return { kind: "act", effect: { kind: "reload-unit", unit: job.unit, jobId: job.id } };
      if (state === "reloading" || state === "activating") return { kind: "wait" };
      return { kind: "finish", result: "failed", reason: `${job.unit}: cannot reload, the unit is ${state}` };
    case "verify-active":
      if (isActiveOrReloading(state)) return { kind: "finish", result: "done", reason: null };
      if (state === "activating") return { kind: "wait" };
      return { kind: "finish", result: "failed", reason: `${job.unit} is ${state}, but a unit requires it to be active already (Requisite=)` };
  }
}

/**
 * Runs what can run. A job that ends without touching its unit is settled at once, one at a
 * time (it may fail others or let others go), before anything is released; then every job
 * that needs an action is released together, so independent units start in the same step.
 */
export function dispatch(d: EngineDraft): void {
  for (;;) {
    const releasing: { job: Job; effect: JobEffect }[] = [];
    let settled = false;
    const waiting = [...d.jobs.values()].filter((job) => job.state === "waiting").sort((a, b) => a.id - b.id);
    for (const job of waiting) {
      if (waitingFor(d, job).length > 0) continue;
      const step = nextStep(job, unitState(d, job.unit));
      if (step.kind === "act") releasing.push({ job, effect: step.effect });
      if (step.kind === "finish") finishJob(d, job, step.result, step.reason === null ? { recursive: true } : { recursive: true, reason: step.reason });
      if (step.kind === "bring-up") d.jobs.set(job.unit, { ...job, direction: "up" });
      if (step.kind === "finish" || step.kind === "bring-up") {
        settled = true;
        break;
      }
    }
    if (settled) continue;
    for (const { job, effect } of releasing) {
      d.jobs.set(job.unit, { ...job, state: "running" });
      d.effects.push(effect);
    }
    return;
  }
}

/** A unit reported a new state: the job of that unit may be done. */
export function followUnitState(d: EngineDraft, unit: string, state: UnitActiveState): void {
  const job = d.jobs.get(unit);
  if (job === undefined) return;
  const running = job.state === "running";
  const finish = (result: JobResult) => finishJob(d, job, result, { recursive: true });
  const up = () => {
    if (isActiveOrReloading(state)) finish("done");
    else if (running && state === "failed") finish("failed");
    else if (running && state === "inactive") finish("done");
  };
  switch (job.type) {
    case "start":
      return up();
    case "restart":
      if (job.direction === "up") return up();
      if (!running) return;
      if (isInactiveOrFailed(state)) d.jobs.set(unit, { ...job, direction: "up", state: "waiting" });
      else if (state === "activating") d.jobs.set(unit, { ...job, direction: "up" });
      return;
    case "stop":
      if (isInactiveOrFailed(state)) finish("done");
      return;
    case "reload":
      if (!running) return;
      if (state === "active") finish("done");
      else if (isInactiveOrFailed(state)) finish("failed");
      return;
    case "verify-active":
      if (isActiveOrReloading(state)) finish("done");
      return;
  }
}

/** The manager could not do what the unit's running job asked (condition failed, no ExecReload=…). */
export function refuseAction(d: EngineDraft, unit: string, result: "failed" | "skipped", reason: string): void {
  const job = d.jobs.get(unit);
  if (job === undefined || job.state !== "running") {
    log(d, "debug", unit, `${unit}: ignoring a refused action without a running job: ${reason}`);
    return;
  }
  finishJob(d, job, result, { recursive: true, reason: `${unit}: ${job.type} ${result === "skipped" ? "skipped" : "failed"}: ${reason}` });
}
