// Running a scenario table: each row is units, their starting states, and a list of
// (event, effects expected from that step). A failure prints the whole story so far.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobEvent, UnitActiveState } from "../../src/core/jobs.js";
import type { UnitSpec } from "./jobs-harness.js";
import { full, JobBench } from "./jobs-harness.js";

export type ScenarioStep = readonly [JobEvent | ((bench: JobBench) => JobEvent), readonly string[]];

export interface Scenario {
  readonly name: string;
  readonly units: Readonly<Record<string, UnitSpec>>;
  readonly states?: Readonly<Record<string, UnitActiveState>>;
  readonly steps: readonly ScenarioStep[];
  /** Extra checks on the bench once every step has run. */
  readonly then?: (bench: JobBench) => void;
}

export function runScenarios(scenarios: readonly Scenario[]): void {
  for (const scenario of scenarios) {
    test(scenario.name, () => {
      const bench = new JobBench(scenario.units, scenario.states);
      scenario.steps.forEach(([event, expected], index) => {
        const applied = typeof event === "function" ? event(bench) : event;
        const effects = bench.send(applied);
        assert.deepEqual(effects, expected, `step ${index + 1} of "${scenario.name}":\n${bench.story()}`);
      });
      scenario.then?.(bench);
    });
  }
}

/** The id of the job queued for a unit (for cancel-job and job-timed-out). */
export function jobId(bench: JobBench, unit: string): number {
  const job = bench.state.jobs.get(full(unit));
  assert.ok(job !== undefined, `no job for ${unit}:\n${bench.story()}`);
  return job.id;
}
