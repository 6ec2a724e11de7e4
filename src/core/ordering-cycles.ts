// Finding ordering cycles: in the jobs of a transaction (where a cycle would wait forever) and,
// for load-time warnings, in the After=/Before= graph of all units.
import type { DependencyGraph } from "./dependency-graph.js";
import { graphNode } from "./dependency-graph.js";

/**
 * One cycle of a directed graph, as the nodes in edge order (each waits for the next, the last
 * for the first), rotated to start at its smallest name; null when there is none. Nodes are
 * visited in the order given, so the answer is deterministic. Iterative: no recursion limit.
 */
export function findCycle(nodes: Iterable<string>, successors: (node: string) => readonly string[]): string[] | null {
  const done = new Set<string>();
  for (const root of nodes) {
    if (done.has(root)) continue;
    const path: string[] = [root];
    const onPath = new Set<string>([root]);
    const pending: string[][] = [[...successors(root)]];
    while (path.length > 0) {
      const next = pending[pending.length - 1]?.shift();
      if (next === undefined) {
        const left = path.pop();
        pending.pop();
        if (left !== undefined) {
          onPath.delete(left);
          done.add(left);
        }
        continue;
      }
      if (onPath.has(next)) return rotateToSmallest(path.slice(path.indexOf(next)));
      if (done.has(next)) continue;
      path.push(next);
      onPath.add(next);
      pending.push([...successors(next)]);
    }
  }
  return null;
}

function rotateToSmallest(cycle: string[]): string[] {
  let start = 0;
  cycle.forEach((name, index) => {
    if (name < (cycle[start] ?? name)) start = index;
  });
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}

/** "a.service → b.service → a.service": the cycle closed on its first unit. */
export function describeCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0] ?? ""].join(" → ");
}

/**
 * Every After= cycle among the units of the graph, one cycle per strongly connected group, each
 * in After= order ("a After b After c After a" → [a, b, c]). Such units can never all be started
 * in one go; the manager can warn at load time. Tarjan's algorithm, iterative.
 */
export function findOrderingCycles(graph: DependencyGraph): string[][] {
  const successors = (name: string): readonly string[] => graphNode(graph, name).after;
  const cycles: string[][] = [];
  for (const group of stronglyConnected([...graph.nodes.keys()], successors)) {
    const members = new Set(group);
    const single = group[0];
    if (group.length === 1 && single !== undefined && !successors(single).includes(single)) continue;
    const cycle = findCycle(group, (name) => successors(name).filter((next) => members.has(next)));
    if (cycle !== null) cycles.push(cycle);
  }
  return cycles.sort((a, b) => ((a[0] ?? "") < (b[0] ?? "") ? -1 : 1));
}

function stronglyConnected(nodes: readonly string[], successors: (node: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const frames: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter += 1;
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) break;
      const edges = successors(frame.node);
      const next = edges[frame.next];
      if (next !== undefined) {
        frame.next += 1;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter);
          counter += 1;
          stack.push(next);
          onStack.add(next);
          frames.push({ node: next, next: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(next) ?? 0));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: string[] = [];
        for (;;) {
          const member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          group.push(member);
          if (member === frame.node) break;
        }
        groups.push(group.reverse());
      }
    }
  }
  return groups;
}
