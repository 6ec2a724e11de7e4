// The loaded units: what the unit directories said at the last (re)load, and a
// fingerprint of each unit's files so that status can say when a running unit's
// file changed (daemon-reload restarts nothing).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readSpecifierHost } from "../units/host-facts.js";
import { UnitLoader, type LoadedUnit } from "../units/loader.js";

export interface RegisteredUnit {
  readonly loaded: LoadedUnit;
  /** Hash of the fragment and drop-ins as loaded. */
  readonly fingerprint: string;
}

function fingerprint(unit: LoadedUnit): string {
  const hash = createHash("sha256");
  for (const path of [unit.fragmentPath, ...unit.dropInPaths]) {
    if (!path) continue;
    hash.update(path).update("\0");
    try {
      hash.update(readFileSync(path));
    } catch {
      hash.update("(unreadable)");
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}

export class UnitRegistry {
  readonly #units = new Map<string, RegisteredUnit>();
  #loader: UnitLoader;

  readonly directories: readonly string[];

  constructor(directories: readonly string[]) {
    this.directories = directories.map((dir) => resolve(dir));
    this.#loader = new UnitLoader(this.directories, readSpecifierHost());
  }

  /** Loads every unit of the directories; returns the names now known. */
  loadAll(): string[] {
    this.#loader = new UnitLoader(this.directories, readSpecifierHost());
    this.#units.clear();
    for (const loaded of this.#loader.loadAll()) this.#units.set(loaded.name, { loaded, fingerprint: fingerprint(loaded) });
    return [...this.#units.keys()];
  }

  /** A unit by name, loading instances of templates (and not-found units) on first use. */
  get(name: string): RegisteredUnit {
    let unit = this.#units.get(name);
    if (!unit) {
      const loaded = this.#loader.load(name);
      unit = { loaded, fingerprint: fingerprint(loaded) };
      if (loaded.load !== "not-found") this.#units.set(name, unit);
    }
    return unit;
  }

  has(name: string): boolean {
    return this.#units.has(name);
  }

  names(): string[] {
    return [...this.#units.keys()].sort();
  }

  /** Reads the unit as it is on disk now, without replacing what is registered. */
  reread(name: string): RegisteredUnit {
    const loaded = this.#loader.load(name);
    return { loaded, fingerprint: fingerprint(loaded) };
  }

  /** Unloads a unit (an Accept=yes instance that is done). */
  forget(name: string): void {
    this.#units.delete(name);
  }

  replace(name: string, unit: RegisteredUnit): void {
    this.#units.set(name, unit);
  }
}
