// npm run bench: every figure in turn, then bench/results/latest.{json,md,svg}.
// Figures only; nothing here fails a build. Each script is bounded by its own caps and,
// here, by a timeout; one that fails leaves the others' figures standing.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { textTable, writeLatest } from "./lib/results.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const figures = [
  ["restart-latency", "restart-latency.mjs"],
  ["readiness-latency", "readiness-latency.mjs"],
  ["start-many", "start-many.mjs"],
  ["footprint", "footprint.mjs"],
  ["idle-cost", "idle-cost.mjs"],
  ["cli-latency", "cli-latency.mjs"],
  ["notify-throughput", "notify.mjs"],
  ["restart-under-load", "restart.mjs"],
  ["reap", "reap.mjs"],
];
const began = Date.now();
for (const [, script] of figures) {
  console.log(`== bench/${script}`);
  const result = spawnSync(process.execPath, [`${here}${script}`], { stdio: "inherit", timeout: 6 * 60_000, killSignal: "SIGTERM" });
  if (result.status !== 0) console.log(`bench/${script} ended with ${result.status ?? result.signal}; its figures may be missing`);
}
const rows = writeLatest(figures.map(([name]) => name));
console.log(`\n== all figures (${Math.round((Date.now() - began) / 1000)} s); written to bench/results/latest.{json,md,svg}\n`);
console.log(textTable(rows));
