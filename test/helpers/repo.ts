// Where things are, from a test compiled into dist/test/ or run from test/.
import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "native"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root above " + import.meta.url);
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRepoRoot();

/** A fixture program under test/fixtures/. */
export function fixture(name: string): string {
  return join(repoRoot, "test", "fixtures", name);
}

/** The absolute path of a program on PATH (tests spawn through sys.spawn, which takes absolute paths). */
export function which(program: string): string {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`${program} is not on PATH`);
}

/** Like which(), but null when the program is missing (a test then skips with the reason). */
export function findProgram(program: string): string | null {
  try {
    return which(program);
  } catch {
    return null;
  }
}

export const isRoot = process.getuid?.() === 0;
