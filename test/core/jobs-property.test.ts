// Properties of the job engine over random unit graphs, driven by a fake manager that starts
// what it is told to, reports "activating" at once, and later "active" or "failed" in an order
// chosen by fast-check:
//   - no unit is started before every unit it is ordered After= and Requires= is active, nor
//     before every other unit it is ordered After= has settled;
//   - no unit is started twice; every request finishes once every started unit has reported
//     active or failed, and nothing starts after that;
//   - stopping everything never stops a unit before the units ordered after it are down;
//   - with After= in any direction, starting everything is refused exactly when the units have
//     an ordering cycle, and the refusal names a real one.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { graphNode } from "../../src/core/dependency-graph.js";
import { findOrderingCycles } from "../../src/core/ordering-cycles.js";
import type { JobEffect, JobEvent, UnitActiveState } from "../../src/core/jobs.js";
import type { UnitSpec } from "./jobs-harness.js";
import { JobBench } from "./jobs-harness.js";

interface RandomUnits {
  readonly names: readonly string[];
  readonly specs: Record<string, UnitSpec>;
}

/** n units; between each ordered pair maybe Requires= or Wants=, maybe After=. */
function randomUnits(afterAnyDirection: boolean): fc.Arbitrary<RandomUnits> {
  return fc.integer({ min: 1, max: 8 }).chain((n) =>
    fc
      .record({
        deps: fc.array(fc.constantFrom("none", "none", "requires", "wants"), { minLength: n * n, maxLength: n * n }),
        after: fc.array(fc.integer({ min: 0, max: afterAnyDirection ? 5 : 1 }).map((x) => x === 0), { minLength: n * n, maxLength: n * n }),
      })
      .map(({ deps, after }) => {
        const names = Array.from({ length: n }, (_, i) => `u${i}`);
        const specs: Record<string, UnitSpec> = {};
        names.forEach((name, i) => {
          const requires: string[] = [];
          const wants: string[] = [];
          const ordered: string[] = [];
          names.forEach((other, j) => {
            if (i === j) return;
            const dep = deps[i * n + j];
            if (dep === "requires") requires.push(other);
            if (dep === "wants") wants.push(other);
            // Without cycles, After= only points at lower-numbered units: a DAG.
            if ((afterAnyDirection || j < i) && after[i * n + j] === true) ordered.push(other);
          });
          specs[name] = { requires, wants, after: ordered };
        });
        return { names, specs };
      }),
  );
}

/** The order in which the fake manager settles units: which pending one, and whether it fails. */
const outcomes = fc.array(fc.record({ pick: fc.nat(), fail: fc.integer({ min: 0, max: 3 }).map((x) => x === 0) }), { maxLength: 40 });

const full = (name: string) => `${name}.service`;

class FakeManager {
  readonly bench: JobBench;
  readonly world = new Map<string, UnitActiveState>();
  readonly started = new Set<string>();
  readonly pending: string[] = [];
  readonly effects: JobEffect[] = [];
  readonly queue: JobEvent[] = [];

  constructor(readonly units: RandomUnits) {
    this.bench = new JobBench(units.specs);
  }

  state(unit: string): UnitActiveState {
    return this.world.get(unit) ?? "inactive";
  }

  report(unit: string, active: UnitActiveState): void {
    this.world.set(unit, active);
    this.queue.push({ kind: "unit-changed", unit, active });
  }

  /** Feeds queued events until none is left, checking every effect. */
  drain(onEffect: (effect: JobEffect) => void): void {
    for (let event = this.queue.shift(); event !== undefined; event = this.queue.shift()) {
      this.bench.send(event);
      for (const effect of this.bench.lastEffects()) {
        this.effects.push(effect);
        onEffect(effect);
      }
    }
  }

  /** Settles pending units in the order the outcomes say (the rest: active, oldest first). */
  run(first: JobEvent, settle: readonly { pick: number; fail: boolean }[], onEffect: (effect: JobEffect) => void, down: boolean): void {
    this.queue.push(first);
    let turn = 0;
    for (;;) {
      this.drain(onEffect);
      if (this.pending.length === 0) return;
      const choice = settle[turn++] ?? { pick: 0, fail: false };
      const [unit] = this.pending.splice(choice.pick % this.pending.length, 1);
      if (unit === undefined) continue;
      this.report(unit, down ? "inactive" : choice.fail ? "failed" : "active");
    }
  }

  story(): string {
    return this.bench.story();
  }
}

function checkStart(m: FakeManager, unit: string): void {
  const node = graphNode(m.bench.state.graph, unit);
  assert.ok(!m.started.has(unit), `${unit} started twice\n${m.story()}`);
  for (const before of node.after) {
    if (node.requires.includes(before)) {
      assert.equal(m.state(before), "active", `${unit} started before ${before}, which it requires and is after, was active\n${m.story()}`);
    } else {
      assert.notEqual(m.state(before), "activating", `${unit} started while ${before}, which it is after, was activating\n${m.story()}`);
      assert.ok(!m.bench.state.jobs.has(before), `${unit} started while ${before}, which it is after, had a job\n${m.story()}`);
    }
  }
}

function startEverything(m: FakeManager, settle: readonly { pick: number; fail: boolean }[]): JobEffect[] {
  let finishedAt = -1;
  m.run(
    { kind: "request", type: "start", units: m.units.names.map(full) },
    settle,
    (effect) => {
      if (effect.kind === "start-unit") {
        assert.equal(finishedAt, -1, `${effect.unit} started after the request finished\n${m.story()}`);
        checkStart(m, effect.unit);
        m.started.add(effect.unit);
        m.pending.push(effect.unit);
        m.report(effect.unit, "activating");
      } else if (effect.kind === "request-finished") finishedAt = m.effects.length;
      else assert.ok(effect.kind === "job-finished" || effect.kind === "request-accepted" || effect.kind === "log", `unexpected ${effect.kind}\n${m.story()}`);
    },
    false,
  );
  return m.effects.filter((effect) => effect.kind === "request-finished");
}

function checkStartedEverything(m: FakeManager, finished: readonly JobEffect[]): void {
  assert.equal(finished.length, 1, `the request finished ${finished.length} times\n${m.story()}`);
  const [outcome] = finished;
  assert.ok(outcome?.kind === "request-finished" && outcome.requestId === 1);
  assert.equal(m.bench.state.jobs.size, 0, `jobs left over\n${m.story()}`);
  assert.equal(m.bench.state.requests.size, 0);
  const results = new Map<string, string>();
  for (const effect of m.effects) {
    if (effect.kind !== "job-finished") continue;
    assert.ok(!results.has(effect.unit), `${effect.unit} has two jobs finished\n${m.story()}`);
    results.set(effect.unit, effect.result);
  }
  for (const name of m.units.names) {
    const unit = full(name);
    const result = results.get(unit);
    if (result === "done") assert.equal(m.state(unit), "active", `${unit} done but ${m.state(unit)}\n${m.story()}`);
    else if (m.started.has(unit)) assert.ok(result === "failed" || result === "dependency", `${unit}: ${result}\n${m.story()}`);
    else assert.equal(result, "dependency", `${unit} never started, yet its job ended ${result}\n${m.story()}`);
  }
  const allDone = [...results.values()].every((result) => result === "done");
  assert.equal(outcome.result === "done", allDone, `result ${outcome.result} with job results ${JSON.stringify([...results])}`);
}

test("property: starting everything respects After=/Requires= readiness and every request finishes", () => {
  fc.assert(
    fc.property(randomUnits(false), outcomes, (units, settle) => {
      const m = new FakeManager(units);
      checkStartedEverything(m, startEverything(m, settle));
    }),
    { numRuns: 400 },
  );
});

test("property: stopping everything stops no unit before the units ordered after it are down", () => {
  fc.assert(
    fc.property(randomUnits(false), outcomes, outcomes, (units, up, down) => {
      const m = new FakeManager(units);
      startEverything(m, up);
      const before = m.effects.length;
      m.run(
        { kind: "shutdown" },
        down,
        (effect) => {
          if (effect.kind !== "stop-unit") return;
          for (const later of graphNode(m.bench.state.graph, effect.unit).before) {
            assert.ok(m.state(later) === "inactive" || m.state(later) === "failed", `${effect.unit} stopped while ${later} (after it) was ${m.state(later)}\n${m.story()}`);
          }
          m.pending.push(effect.unit);
          m.report(effect.unit, "deactivating");
        },
        true,
      );
      const finished = m.effects.slice(before).filter((effect) => effect.kind === "request-finished");
      assert.deepEqual(
        finished.map((effect) => effect.kind === "request-finished" && effect.result),
        ["done"],
        m.story(),
      );
      for (const name of units.names) assert.ok(m.state(full(name)) !== "active", `${name} still active after shutdown\n${m.story()}`);
    }),
    { numRuns: 300 },
  );
});

test("property: with After= in any direction, a start is refused exactly when there is an ordering cycle", () => {
  fc.assert(
    fc.property(randomUnits(true), outcomes, (units, settle) => {
      const m = new FakeManager(units);
      const cycles = findOrderingCycles(m.bench.state.graph);
      const finished = startEverything(m, settle);
      const [outcome] = finished;
      assert.ok(outcome?.kind === "request-finished");
      if (cycles.length === 0) {
        checkStartedEverything(m, finished);
        return;
      }
      assert.equal(outcome.result, "refused", `cycles ${JSON.stringify(cycles)} but ${outcome.result}\n${m.story()}`);
      const cycle = outcome.failedUnits;
      assert.ok(cycle.length >= 2, JSON.stringify(outcome));
      cycle.forEach((unit, i) => {
        const next = cycle[(i + 1) % cycle.length] ?? "";
        assert.ok(graphNode(m.bench.state.graph, unit).after.includes(next), `${unit} is not After= ${next} in ${JSON.stringify(cycle)}`);
      });
    }),
    { numRuns: 400 },
  );
});
