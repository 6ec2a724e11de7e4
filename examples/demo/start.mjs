// `npm start`: runs the demo stack under steward in the foreground.
// In another terminal: npx steward status, npx steward logs -f, npx steward restart api
// Ctrl-C stops everything.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runForeground } from "../../dist/src/manager/foreground.js";
import { resolveRuntimeDir } from "../../dist/src/api/paths.js";

const demo = dirname(fileURLToPath(import.meta.url));
process.env.DEMO_DIR = demo; // the unit files find their scripts through ${DEMO_DIR}
const runtimeDir = resolveRuntimeDir();
console.error(`demo: try 'npx steward status' in another terminal (runtime directory ${runtimeDir}); Ctrl-C stops it all`);
process.exitCode = await runForeground({ runtimeDir, unitDirs: [join(demo, "units")], units: [] });
