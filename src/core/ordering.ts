// Which job waits for which (systemd's job_compare, src/core/job.c). After=/Before= only order
// jobs that exist; between two of them:
//   - a job that moves its unit down (stop, or a restart until its unit is down) goes first;
//   - otherwise After= decides: "b After=a" makes b's start wait for a's start.
// So for b After=a: start a + start b → a, then b; stop a + stop b → b, then a;
// start a + stop b → stop b first; stop a + start b → stop a first.
import type { DependencyGraph } from "./dependency-graph.js";
import { graphNode } from "./dependency-graph.js";
import type { JobDirection } from "./jobs-model.js";

export interface OrderedJob {
  readonly unit: string;
  readonly direction: JobDirection;
  readonly ignoreOrder: boolean;
}

/** The units whose jobs `job` must wait for, in the order the unit file names them. */
export function jobsAhead(graph: DependencyGraph, job: OrderedJob, jobOf: (unit: string) => OrderedJob | undefined): string[] {
  if (job.ignoreOrder) return [];
  const node = graphNode(graph, job.unit);
  const ahead: string[] = [];
  if (job.direction === "up") {
    for (const unit of node.after) {
      const other = jobOf(unit);
      if (other !== undefined && !other.ignoreOrder) ahead.push(unit);
    }
  }
  for (const unit of node.before) {
    const other = jobOf(unit);
    if (other !== undefined && !other.ignoreOrder && other.direction === "down" && !ahead.includes(unit)) ahead.push(unit);
  }
  return ahead;
}
