// readiness.ts: the rule behind status --ready-check and GET /ready, as a table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readinessOf, type ReadinessInput } from "../../src/manager/readiness.js";
import { parseReadyAddress } from "../../src/manager/ready-http.js";

type Unit = ReadinessInput["units"][number];
const unit = (name: string, active: Unit["active"], extra: Partial<Unit> = {}): Unit => ({ name, load: "loaded", active, sub: active === "active" ? "running" : "dead", result: null, ...extra });

const rows: { name: string; input: ReadinessInput; ready: boolean; reason?: RegExp }[] = [
  { name: "before the initial start is queued: not ready", input: { phase: "starting", units: [], jobs: new Map() }, ready: false, reason: /initial start/ },
  { name: "while shutting down: not ready", input: { phase: "stopping", units: [unit("a.service", "active")], jobs: new Map() }, ready: false, reason: /shutting down/ },
  { name: "every unit active: ready", input: { phase: "running", units: [unit("a.service", "active"), unit("b.service", "reloading")], jobs: new Map() }, ready: true },
  { name: "inactive units nobody asked for are ignored", input: { phase: "running", units: [unit("a.service", "active"), unit("tmpl@.service", "inactive")], jobs: new Map() }, ready: true },
  { name: "a failed unit: not ready, with its result", input: { phase: "running", units: [unit("a.service", "failed", { result: "exit-code" })], jobs: new Map() }, ready: false, reason: /a\.service \(failed: exit-code\)/ },
  { name: "an activating unit (auto-restart): not ready", input: { phase: "running", units: [unit("a.service", "activating", { sub: "auto-restart" })], jobs: new Map() }, ready: false, reason: /activating: auto-restart/ },
  { name: "an inactive unit with a start job waiting: not ready", input: { phase: "running", units: [unit("c.service", "inactive")], jobs: new Map([["c.service", "start"]]) }, ready: false, reason: /c\.service \(start job pending, inactive\)/ },
  { name: "a unit that is not loaded is ignored", input: { phase: "running", units: [unit("x.service", "inactive", { load: "bad-setting" })], jobs: new Map() }, ready: true },
  { name: "several: all named in one line", input: { phase: "running", units: [unit("b.service", "failed"), unit("a.service", "deactivating", { sub: "stop-sigterm" })], jobs: new Map() }, ready: false, reason: /^2 units are not ready: a\.service .*, b\.service/ },
];

for (const row of rows) {
  test(`readiness: ${row.name}`, () => {
    const answer = readinessOf(row.input);
    assert.equal(answer.ready, row.ready, JSON.stringify(answer));
    if (row.reason) assert.match(answer.reason ?? "", row.reason);
    else assert.equal(answer.reason, null);
  });
}

test("--ready-port: PORT, HOST:PORT and [V6]:PORT; loopback by default; nonsense refused", () => {
  assert.deepEqual(parseReadyAddress("8080"), { host: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseReadyAddress("0.0.0.0:9000"), { host: "0.0.0.0", port: 9000 });
  assert.deepEqual(parseReadyAddress("[::]:9000"), { host: "::", port: 9000 });
  for (const bad of ["", "http", "1.2.3.4:", "70000", "a:b:c"]) assert.equal(parseReadyAddress(bad), null, bad);
});
