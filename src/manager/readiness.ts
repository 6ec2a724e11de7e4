// Is this manager ready, as a whole? The answer behind `steward status --ready-check`
// and `steward up --ready-port`'s GET /ready, which a container's readiness probe asks.
//
// Ready means: the initial start has been queued, no shutdown is under way, no job is
// queued or running, and every loaded unit is in a settled, good state:
//   active, reloading   ready (a Type=notify service is active only after READY=1)
//   inactive            ignored: nobody asked for it, it finished (oneshot), or was stopped
//   activating          not ready (starting, or waiting to be restarted)
//   deactivating        not ready (stopping)
//   failed              not ready, until it is started again or stopped
// Units that are not loaded (not-found, bad-setting) are ignored: they cannot run, and a
// start that needed them has already said so.
import type { UnitStatus } from "../api/types.js";

export type ManagerPhase = "starting" | "running" | "stopping";

export interface Readiness {
  ready: boolean;
  /** One line for a person when not ready. */
  reason: string | null;
}

export interface ReadinessInput {
  phase: ManagerPhase;
  units: readonly Pick<UnitStatus, "name" | "load" | "active" | "sub" | "result">[];
  /** Queued or running jobs by unit: "start", "stop", ... */
  jobs: ReadonlyMap<string, string>;
}

export function readinessOf(input: ReadinessInput): Readiness {
  if (input.phase === "starting") return { ready: false, reason: "the initial start has not been queued yet" };
  if (input.phase === "stopping") return { ready: false, reason: "the manager is shutting down" };
  const notReady: string[] = [];
  for (const unit of [...input.units].sort((a, b) => a.name.localeCompare(b.name))) {
    const job = input.jobs.get(unit.name);
    if (job !== undefined) {
      notReady.push(`${unit.name} (${job} job pending, ${unit.active})`);
      continue;
    }
    if (unit.load !== "loaded") continue;
    switch (unit.active) {
      case "active":
      case "reloading":
      case "inactive":
        continue;
      case "failed":
        notReady.push(`${unit.name} (failed${unit.result ? `: ${unit.result}` : ""})`);
        continue;
      case "activating":
      case "deactivating":
        notReady.push(`${unit.name} (${unit.active}: ${unit.sub})`);
        continue;
    }
  }
  if (notReady.length === 0) return { ready: true, reason: null };
  return { ready: false, reason: `${notReady.length === 1 ? "1 unit is" : `${notReady.length} units are`} not ready: ${notReady.join(", ")}` };
}
