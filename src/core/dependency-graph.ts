// The dependency graph of every loaded unit (systemd.unit(5) "[Unit] Section Options"), with
// each relation stored in both directions so that the job engine can ask either way:
//   Requires ↔ RequiredBy, Requisite ↔ RequisiteOf, Wants ↔ WantedBy, BindsTo ↔ BoundBy,
//   PartOf ↔ ConsistsOf, Conflicts ↔ ConflictedBy, After ↔ Before (folded into one pair).
// [Install] WantedBy=/RequiredBy= add Wants=/Requires= on the named unit: steward has no
// enable step, every unit in the unit directories counts as enabled.
// Pure: built from already-parsed units; units that are named but not loaded are `not-found`.
import type { InstallSection } from "../units/install-section.js";
import type { LoadedUnit, LoadState } from "../units/loader.js";
import type { UnitDependencies } from "../units/unit-section.js";
import { parseUnitName } from "../units/unit-name.js";

export type UnitLoadState = LoadState;

/** What the job engine needs to know of one unit; `graphUnitOf` makes one from a loaded unit. */
export interface GraphUnit {
  readonly name: string;
  readonly load: UnitLoadState;
  /** Only the relations listed in GraphNode are acted on; the others are ignored. */
  readonly dependencies: UnitDependencies | null;
  readonly install: Pick<InstallSection, "wantedBy" | "requiredBy"> | null;
}

export interface GraphNode {
  readonly name: string;
  readonly load: UnitLoadState;
  readonly requires: readonly string[];
  readonly requiredBy: readonly string[];
  readonly requisite: readonly string[];
  readonly requisiteOf: readonly string[];
  readonly wants: readonly string[];
  readonly wantedBy: readonly string[];
  readonly bindsTo: readonly string[];
  readonly boundBy: readonly string[];
  readonly partOf: readonly string[];
  readonly consistsOf: readonly string[];
  /** Units this one named in Conflicts=. */
  readonly conflicts: readonly string[];
  /** Units that named this one in Conflicts=. */
  readonly conflictedBy: readonly string[];
  /** This unit's After= plus every unit that says Before= this one. */
  readonly after: readonly string[];
  /** This unit's Before= plus every unit that says After= this one. */
  readonly before: readonly string[];
  readonly onFailure: readonly string[];
}

export interface DependencyGraph {
  /** Every loaded unit and every unit one of them names, in the order first seen. */
  readonly nodes: ReadonlyMap<string, GraphNode>;
}

type Relation = Exclude<keyof GraphNode, "name" | "load">;

/** Forward relation → the relation it adds on the other unit. */
const REVERSE: ReadonlyArray<readonly [keyof UnitDependencies & Relation, Relation | null]> = [
  ["requires", "requiredBy"],
  ["requisite", "requisiteOf"],
  ["wants", "wantedBy"],
  ["bindsTo", "boundBy"],
  ["partOf", "consistsOf"],
  ["conflicts", "conflictedBy"],
  ["after", "before"],
  ["before", "after"],
  ["onFailure", null],
];

/** One value per relation, built by `value`. */
function relations<T>(value: (relation: Relation) => T): Record<Relation, T> {
  return {
    requires: value("requires"),
    requiredBy: value("requiredBy"),
    requisite: value("requisite"),
    requisiteOf: value("requisiteOf"),
    wants: value("wants"),
    wantedBy: value("wantedBy"),
    bindsTo: value("bindsTo"),
    boundBy: value("boundBy"),
    partOf: value("partOf"),
    consistsOf: value("consistsOf"),
    conflicts: value("conflicts"),
    conflictedBy: value("conflictedBy"),
    after: value("after"),
    before: value("before"),
    onFailure: value("onFailure"),
  };
}

type NodeDraft = { name: string; load: UnitLoadState } & Record<Relation, Set<string>>;

function nodeDraft(name: string, load: UnitLoadState): NodeDraft {
  return { name, load, ...relations(() => new Set<string>()) };
}

export function buildDependencyGraph(units: readonly GraphUnit[]): DependencyGraph {
  const drafts = new Map<string, NodeDraft>();
  const node = (name: string): NodeDraft => {
    let found = drafts.get(name);
    if (found === undefined) {
      found = nodeDraft(name, "not-found");
      drafts.set(name, found);
    }
    return found;
  };
  // A unit listed twice keeps its first definition (the loader never lists one twice).
  const defined = new Set<string>();
  const declared: GraphUnit[] = [];
  for (const unit of units) {
    if (defined.has(unit.name)) continue;
    defined.add(unit.name);
    declared.push(unit);
    node(unit.name).load = unit.load;
  }
  const link = (from: string, forward: Relation, to: string, reverse: Relation | null): void => {
    // systemd drops a dependency of a unit on itself; so does steward.
    if (from === to) return;
    node(from)[forward].add(to);
    if (reverse !== null) node(to)[reverse].add(from);
  };
  for (const unit of declared) {
    if (unit.dependencies !== null) {
      for (const [forward, reverse] of REVERSE) {
        for (const other of unit.dependencies[forward]) link(unit.name, forward, other, reverse);
      }
    }
    for (const wanting of unit.install?.wantedBy ?? []) link(wanting, "wants", unit.name, "wantedBy");
    for (const requiring of unit.install?.requiredBy ?? []) link(requiring, "requires", unit.name, "requiredBy");
  }
  const nodes = new Map<string, GraphNode>();
  for (const [name, draft] of drafts) {
    nodes.set(name, { name, load: draft.load, ...relations((relation): readonly string[] => [...draft[relation]]) });
  }
  return { nodes };
}

const NO_UNITS: readonly string[] = [];

/** The node of a unit, or a `not-found` node without edges for a name the graph never saw. */
export function graphNode(graph: DependencyGraph, name: string): GraphNode {
  const found = graph.nodes.get(name);
  if (found !== undefined) return found;
  return { name, load: "not-found", ...relations(() => NO_UNITS) };
}

/**
 * Whether steward runs units of this name's type at all. Unit files written for systemd name
 * targets, mounts and devices (network-online.target, dev-sda.device) that steward never loads;
 * the transaction treats those as satisfied rather than missing.
 */
export function isManagedUnitName(name: string): boolean {
  const type = parseUnitName(name)?.type;
  return type === "service" || type === "socket";
}

/** The graph's view of a unit as the loader returns it. */
export function graphUnitOf(unit: Pick<LoadedUnit, "name" | "load" | "model">): GraphUnit {
  return {
    name: unit.name,
    load: unit.load,
    dependencies: unit.model?.unit.dependencies ?? null,
    install: unit.model?.install ?? null,
  };
}
