// The dependency graph: every relation in both directions, [Install] as reverse wants/requires,
// missing units as not-found nodes, and ordering cycles found at load time.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GraphNode } from "../../src/core/dependency-graph.js";
import { buildDependencyGraph, graphNode, graphUnitOf, isManagedUnitName } from "../../src/core/dependency-graph.js";
import { describeCycle, findCycle, findOrderingCycles } from "../../src/core/ordering-cycles.js";
import { lexUnitFile } from "../../src/units/unit-lexer.js";
import { buildUnitModel } from "../../src/units/unit-model.js";
import type { UnitSpec } from "./jobs-harness.js";
import { graphOf } from "./jobs-harness.js";

type Relation = Exclude<keyof GraphNode, "name" | "load">;

const edges: [string, Record<string, UnitSpec>, string, Relation, string[]][] = [
  ["Requires= on A shows as RequiredBy= on A", { b: { requires: ["a"] } }, "a", "requiredBy", ["b.service"]],
  ["Requisite= on A shows as RequisiteOf= on A", { b: { requisite: ["a"] } }, "a", "requisiteOf", ["b.service"]],
  ["Wants= on A shows as WantedBy= on A", { b: { wants: ["a"] } }, "a", "wantedBy", ["b.service"]],
  ["BindsTo= on A shows as BoundBy= on A", { b: { bindsTo: ["a"] } }, "a", "boundBy", ["b.service"]],
  ["PartOf= A shows as ConsistsOf= on A", { b: { partOf: ["a"] } }, "a", "consistsOf", ["b.service"]],
  ["Conflicts= on A shows as ConflictedBy= on A", { b: { conflicts: ["a"] } }, "a", "conflictedBy", ["b.service"]],
  ["Conflicts= stays a forward edge on the declaring unit", { b: { conflicts: ["a"] } }, "b", "conflicts", ["a.service"]],
  ["After= A shows as Before= on A", { b: { after: ["a"] } }, "a", "before", ["b.service"]],
  ["Before= B shows as After= on B", { a: { before: ["b"] } }, "b", "after", ["a.service"]],
  ["After= and the other unit's Before= fold into one list", { b: { after: ["a"] }, c: { before: ["b"] } }, "b", "after", ["a.service", "c.service"]],
  ["OnFailure= is kept on the failing unit", { a: { onFailure: ["n"] } }, "a", "onFailure", ["n.service"]],
  ["[Install] WantedBy= X makes X want the unit", { a: { wantedBy: ["x"] } }, "x", "wants", ["a.service"]],
  ["[Install] WantedBy= X lists X as wanting the unit", { a: { wantedBy: ["x"] } }, "a", "wantedBy", ["x.service"]],
  ["[Install] RequiredBy= X makes X require the unit", { a: { requiredBy: ["x"] } }, "x", "requires", ["a.service"]],
  ["[Install] RequiredBy= X lists X as requiring the unit", { a: { requiredBy: ["x"] } }, "a", "requiredBy", ["x.service"]],
  ["a dependency of a unit on itself is dropped", { a: { requires: ["a"], after: ["a"] } }, "a", "requires", []],
  ["every unit that requires A is listed, in load order", { b: { requires: ["a"] }, c: { requires: ["a"] } }, "a", "requiredBy", ["b.service", "c.service"]],
];

for (const [behaviour, units, unit, relation, expected] of edges) {
  test(`graph: ${behaviour}`, () => {
    assert.deepEqual(graphNode(graphOf(units), `${unit}.service`)[relation], expected);
  });
}

test("graph: a unit that is named but not loaded is a not-found node", () => {
  const graph = graphOf({ b: { requires: ["a"] } });
  assert.equal(graph.nodes.get("a.service")?.load, "not-found");
  assert.equal(graph.nodes.get("b.service")?.load, "loaded");
});

test("graph: a unit's load state is kept (bad-setting units stay in the graph)", () => {
  const graph = graphOf({ a: { load: "bad-setting", requires: ["b"] } });
  assert.equal(graphNode(graph, "a.service").load, "bad-setting");
  assert.deepEqual(graphNode(graph, "b.service").requiredBy, ["a.service"]);
});

test("graph: a name the graph never saw is an empty not-found node", () => {
  const node = graphNode(graphOf({}), "nowhere.service");
  assert.equal(node.load, "not-found");
  assert.deepEqual(node.after, []);
});

test("graph: a unit listed twice keeps its first definition", () => {
  const graph = buildDependencyGraph([
    { name: "a.service", load: "loaded", dependencies: null, install: { wantedBy: ["x.service"], requiredBy: [] } },
    { name: "a.service", load: "error", dependencies: null, install: { wantedBy: ["y.service"], requiredBy: [] } },
  ]);
  assert.equal(graphNode(graph, "a.service").load, "loaded");
  assert.deepEqual(graphNode(graph, "a.service").wantedBy, ["x.service"]);
});

test("graph: built from real unit files through graphUnitOf", () => {
  const host = { runtimeRoot: "/run", home: "/root", userName: "root", uid: 0, groupName: "root", gid: 0 };
  const load = (name: string, text: string) => {
    const built = buildUnitModel(name, [{ path: `/units/${name}`, syntax: lexUnitFile(text) }], host);
    return graphUnitOf({ name, load: "loaded", model: built.model });
  };
  const graph = buildDependencyGraph([
    load("db.service", "[Service]\nExecStart=/bin/db\n[Install]\nWantedBy=app.service\n"),
    load("app.service", "[Unit]\nRequires=db.service\nAfter=db.service network.target\n[Service]\nExecStart=/bin/app\n"),
    graphUnitOf({ name: "broken.service", load: "error", model: null }),
  ]);
  assert.deepEqual(graphNode(graph, "app.service").requires, ["db.service"]);
  assert.deepEqual(graphNode(graph, "app.service").wants, ["db.service"]);
  assert.deepEqual(graphNode(graph, "db.service").before, ["app.service"]);
  assert.equal(graphNode(graph, "network.target").load, "not-found");
  assert.equal(graphNode(graph, "broken.service").load, "error");
});

const managed: [string, boolean][] = [
  ["web.service", true],
  ["web.socket", true],
  ["network-online.target", false],
  ["dev-sda.device", false],
  ["not a unit", false],
];
for (const [name, expected] of managed) {
  test(`graph: ${name} is ${expected ? "" : "not "}a type steward runs`, () => {
    assert.equal(isManagedUnitName(name), expected);
  });
}

test("ordering cycles: A After B After C After A is found with all three, in After= order", () => {
  const graph = graphOf({ a: { after: ["b"] }, b: { after: ["c"] }, c: { after: ["a"] }, d: { after: ["a"] } });
  assert.deepEqual(findOrderingCycles(graph), [["a.service", "b.service", "c.service"]]);
});

test("ordering cycles: two separate cycles are both found; an acyclic graph has none", () => {
  const graph = graphOf({ a: { after: ["b"] }, b: { after: ["a"] }, x: { before: ["y"] }, y: { before: ["x"] }, z: { after: ["a", "x"] } });
  assert.deepEqual(findOrderingCycles(graph), [
    ["a.service", "b.service"],
    ["x.service", "y.service"],
  ]);
  assert.deepEqual(findOrderingCycles(graphOf({ a: {}, b: { after: ["a"] }, c: { after: ["a", "b"] } })), []);
});

test("ordering cycles: After= and Before= between the same two units is a cycle", () => {
  assert.deepEqual(findOrderingCycles(graphOf({ a: { after: ["b"], before: ["b"] }, b: {} })), [["a.service", "b.service"]]);
});

test("findCycle: reports the cycle from its smallest name, and null without one", () => {
  const edges: Record<string, string[]> = { d: ["b"], b: ["c"], c: ["d"], a: ["b"] };
  assert.deepEqual(findCycle(["a", "b", "c", "d"], (n) => edges[n] ?? []), ["b", "c", "d"]);
  assert.equal(findCycle(["a", "b"], (n) => (n === "a" ? ["b"] : [])), null);
  assert.equal(describeCycle(["b", "c", "d"]), "b → c → d → b");
});

test("findCycle: a long chain does not overflow the stack", () => {
  const size = 100_000;
  const next = (n: string) => {
    const i = Number(n);
    return i + 1 < size ? [String(i + 1)] : [];
  };
  assert.equal(findCycle(["0"], next), null);
  assert.deepEqual(findCycle(["0"], (n) => (n === String(size - 1) ? ["0"] : next(n)))?.length, size);
});
