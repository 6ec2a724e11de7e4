// examples/container/: what can be checked without a container runtime. Its units load
// with steward's own loader without an error or a warning, the Dockerfile copies what
// exists and starts `steward up` with options steward accepts, and the pod spec's probe
// asks what steward serves.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseReadyAddress } from "../../src/manager/ready-http.js";
import { UnitLoader } from "../../src/units/loader.js";
import { repoRoot } from "../helpers/repo.js";

const example = join(repoRoot, "examples", "container");

test("examples/container: every unit loads without an error or a warning, and each is started by up ([Install])", () => {
  const loader = new UnitLoader([join(example, "units")], { runtimeRoot: "/run", home: "/root", userName: "root", uid: 0 });
  const units = loader.loadAll();
  assert.deepEqual(units.map((u) => u.name), ["web.service", "worker.service"]);
  for (const unit of units) {
    assert.equal(unit.load, "loaded", `${unit.name}: ${JSON.stringify(unit.loadError)}`);
    assert.deepEqual(unit.warnings, [], unit.name);
    assert.ok(unit.model?.install, `${unit.name} has an [Install] section`);
  }
});

test("examples/container: the Dockerfile copies files that exist and its ENTRYPOINT is a valid steward up", () => {
  const dockerfile = readFileSync(join(example, "Dockerfile"), "utf8");
  for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
    assert.ok(source !== undefined && existsSync(join(repoRoot, source)), `COPY ${source}: no such file in the repository`);
  }
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  assert.ok(entrypoint, "an exec-form ENTRYPOINT");
  const argv = JSON.parse(entrypoint) as string[];
  assert.deepEqual(argv.slice(0, 4), ["steward", "up", "--units", "/etc/steward/units"]);
  const port = argv[argv.indexOf("--ready-port") + 1] ?? "";
  assert.deepEqual(parseReadyAddress(port), { host: "0.0.0.0", port: 9090 });
  // The app files the units start are the ones the image gets.
  for (const file of ["web.mjs", "worker.sh"]) assert.ok(existsSync(join(example, "app", file)), file);
  const pod = readFileSync(join(example, "pod.yaml"), "utf8");
  assert.match(pod, /readinessProbe:\s+httpGet:\s+path: \/ready\s+port: ready/);
  assert.match(pod, /containerPort: 9090/);
  assert.match(pod, /"steward", "status", "--ready-check"/);
});
