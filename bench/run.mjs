// npm run bench: every benchmark in turn. Figures only; nothing here fails a build.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
for (const script of ["notify.mjs"]) {
  console.log(`== bench/${script}`);
  spawnSync(process.execPath, [`${here}${script}`], { stdio: "inherit" });
}
