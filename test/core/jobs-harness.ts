// A bench for the job engine: units written as short tables, events fed one at a time, and each
// step's effects rendered as short strings ("start a", "a/start done", "#1 done") so that test
// tables read like the story they tell. Logs are kept aside.
import type { GraphUnit, UnitLoadState } from "../../src/core/dependency-graph.js";
import { buildDependencyGraph } from "../../src/core/dependency-graph.js";
import type { JobEffect, JobEngineState, JobEvent, RequestType, UnitActiveState } from "../../src/core/jobs.js";
import { createJobEngine, stepJobs } from "../../src/core/jobs.js";
import type { DependencyGraph } from "../../src/core/dependency-graph.js";

export interface UnitSpec {
  readonly requires?: readonly string[];
  readonly requisite?: readonly string[];
  readonly wants?: readonly string[];
  readonly bindsTo?: readonly string[];
  readonly partOf?: readonly string[];
  readonly conflicts?: readonly string[];
  readonly after?: readonly string[];
  readonly before?: readonly string[];
  readonly onFailure?: readonly string[];
  readonly wantedBy?: readonly string[];
  readonly requiredBy?: readonly string[];
  readonly load?: UnitLoadState;
}

/** "a" → "a.service"; a name with a suffix stays. */
export function full(name: string): string {
  return name.includes(".") ? name : `${name}.service`;
}

/** "a.service" → "a". */
export function short(name: string): string {
  return name.endsWith(".service") ? name.slice(0, -".service".length) : name;
}

const names = (list: readonly string[] | undefined): string[] => (list ?? []).map(full);

export function graphUnit(name: string, spec: UnitSpec): GraphUnit {
  return {
    name: full(name),
    load: spec.load ?? "loaded",
    dependencies: {
      requires: names(spec.requires),
      requisite: names(spec.requisite),
      wants: names(spec.wants),
      bindsTo: names(spec.bindsTo),
      partOf: names(spec.partOf),
      upholds: [],
      conflicts: names(spec.conflicts),
      before: names(spec.before),
      after: names(spec.after),
      onFailure: names(spec.onFailure),
      onSuccess: [],
      propagatesReloadTo: [],
      reloadPropagatedFrom: [],
      joinsNamespaceOf: [],
    },
    install: spec.wantedBy === undefined && spec.requiredBy === undefined ? null : { wantedBy: names(spec.wantedBy), requiredBy: names(spec.requiredBy) },
  };
}

export function graphOf(specs: Readonly<Record<string, UnitSpec>>): DependencyGraph {
  return buildDependencyGraph(Object.entries(specs).map(([name, spec]) => graphUnit(name, spec)));
}

export function describeEffect(effect: JobEffect): string | null {
  switch (effect.kind) {
    case "start-unit":
      return effect.onFailureOf === null ? `start ${short(effect.unit)}` : `start ${short(effect.unit)} (on failure of ${short(effect.onFailureOf)})`;
    case "stop-unit":
    case "restart-unit":
    case "reload-unit":
      return `${effect.kind.slice(0, -"-unit".length)} ${short(effect.unit)}`;
    case "job-finished":
      return `${short(effect.unit)}/${effect.type} ${effect.result}`;
    case "request-finished":
      return `#${effect.requestId} ${effect.result}`;
    case "request-accepted":
    case "log":
      return null;
  }
}

// Events, with short unit names.
export const request = (type: RequestType, ...units: string[]): JobEvent => ({ kind: "request", type, units: units.map(full) });
export const start = (...units: string[]): JobEvent => request("start", ...units);
export const stop = (...units: string[]): JobEvent => request("stop", ...units);
export const restart = (...units: string[]): JobEvent => request("restart", ...units);
export const reload = (...units: string[]): JobEvent => request("reload", ...units);
export const tryRestart = (...units: string[]): JobEvent => request("try-restart", ...units);
export const changed = (unit: string, active: UnitActiveState): JobEvent => ({ kind: "unit-changed", unit: full(unit), active });
export const activating = (unit: string): JobEvent => changed(unit, "activating");
export const active = (unit: string): JobEvent => changed(unit, "active");
export const failed = (unit: string): JobEvent => changed(unit, "failed");
export const inactive = (unit: string): JobEvent => changed(unit, "inactive");
export const deactivating = (unit: string): JobEvent => changed(unit, "deactivating");
export const reloading = (unit: string): JobEvent => changed(unit, "reloading");

/** The engine plus everything it said, step by step. */
export class JobBench {
  state: JobEngineState;
  readonly steps: { event: JobEvent; effects: readonly JobEffect[] }[] = [];

  constructor(specs: Readonly<Record<string, UnitSpec>>, states: Readonly<Record<string, UnitActiveState>> = {}) {
    this.state = createJobEngine(
      graphOf(specs),
      Object.entries(states).map(([unit, state]) => [full(unit), state] as const),
    );
  }

  /** Applies the event; returns this step's effects, rendered, logs left out. */
  send(event: JobEvent): string[] {
    const step = stepJobs(this.state, event);
    this.state = step.state;
    this.steps.push({ event, effects: step.effects });
    return step.effects.map(describeEffect).filter((line) => line !== null);
  }

  lastEffects(): readonly JobEffect[] {
    return this.steps[this.steps.length - 1]?.effects ?? [];
  }

  logs(): string[] {
    return this.steps.flatMap((step) => step.effects.flatMap((effect) => (effect.kind === "log" ? [`${effect.level}: ${effect.message}`] : [])));
  }

  /** The story so far, for assertion messages. */
  story(): string {
    return this.steps
      .map((step) => `${JSON.stringify(step.event)}\n    → ${step.effects.map((e) => describeEffect(e) ?? (e.kind === "log" ? `log ${e.message}` : e.kind)).join("\n      ")}`)
      .join("\n");
  }
}
