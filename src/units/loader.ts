// Finds and reads unit files: the only part of src/units/ that touches the disk.
//
// Precedence, as systemd's unit search path (/etc before /run before /usr/lib): directories are
// given in priority order, and a unit's fragment is the first file of that name found; later
// directories never override it. Drop-ins are gathered from every directory:
//   name.service.d/, the template's web@.service.d/ for an instance, the dash-prefix
//   directories (foo-bar-baz.service → foo-bar-.service.d/, foo-.service.d/), and last the
//   top-level service.d/ (socket.d/);
// all *.conf files among them are applied after the fragment in lexical order of file name, and
// of two files with the same name the one from the more specific (or higher-priority) directory wins.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { lexUnitFile } from "./unit-lexer.js";
import { buildUnitModel } from "./unit-model.js";
import type { UnitModel, UnitSource } from "./unit-model.js";
import type { UnitFileWarning } from "./setting-table.js";
import type { SpecifierHost } from "./specifiers.js";
import { isValidUnitPrefix, parseUnitName, templateOf } from "./unit-name.js";
import type { UnitName } from "./unit-name.js";

export type LoadState = "loaded" | "not-found" | "bad-setting" | "error";

/** Why a unit is not loaded. file and line are null when no single file or line is to blame. */
export interface LoadError {
  readonly file: string | null;
  readonly line: number | null;
  readonly key: string | null;
  readonly message: string;
}

export interface LoadedUnit {
  readonly name: string;
  readonly load: LoadState;
  readonly loadError: LoadError | null;
  readonly warnings: readonly UnitFileWarning[];
  readonly fragmentPath: string | null;
  readonly dropInPaths: readonly string[];
  /** Present whenever the files could be read and parsed, also for bad-setting (for Description=). */
  readonly model: UnitModel | null;
}

const LOADABLE_TYPES = new Set(["service", "socket"]);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function listDirectory(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

// systemd's dash-prefix chain: "foo-bar-baz" → "foo-bar-", and "foo-bar-" → "foo-".
function shorterDashPrefix(prefix: string): string | null {
  let candidate = prefix;
  let chopped = false;
  for (;;) {
    const dash = candidate.lastIndexOf("-");
    if (dash <= 0) return null;
    if (dash < candidate.length - 1 || chopped) return candidate.slice(0, dash + 1);
    candidate = candidate.slice(0, dash);
    chopped = true;
  }
}

/** Drop-in directory names for a unit, most specific first (without the top-level "service.d"). */
export function dropInDirectoryNames(name: UnitName): string[] {
  return [...new Set(dropInDirectoryChain(name))];
}

function dropInDirectoryChain(name: UnitName): string[] {
  const names: string[] = [`${name.name}.d`];
  if (name.form === "instance") {
    const template = parseUnitName(templateOf(name.name) ?? "");
    if (template !== null) names.push(...dropInDirectoryChain(template));
  }
  const prefix = shorterDashPrefix(name.prefix);
  if (prefix === null || !isValidUnitPrefix(prefix)) return names;
  const instancePart = name.instance === null ? "" : `@${name.instance}`;
  const shorter = parseUnitName(`${prefix}${instancePart}.${name.type}`);
  if (shorter !== null) names.push(...dropInDirectoryChain(shorter));
  return names;
}

export class UnitLoader {
  constructor(
    /** In priority order: the first one that has a unit's file provides it. */
    readonly directories: readonly string[],
    readonly host: SpecifierHost,
  ) {}

  /** Names of every .service and .socket unit with a file, templates excluded, sorted. */
  unitNames(): string[] {
    return this.namesWhere((name) => name.form !== "template");
  }

  /** Templates ("name@.service") found; they are only ever loaded as instances. */
  templateNames(): string[] {
    return this.namesWhere((name) => name.form === "template");
  }

  loadAll(): LoadedUnit[] {
    return this.unitNames().map((name) => this.load(name));
  }

  /** An instance of a template, with specifiers expanded for that instance: "web@8080.service". */
  loadInstance(name: string): LoadedUnit {
    const parsed = parseUnitName(name);
    if (parsed?.form !== "instance") return this.failed(name, "not-found", `${name} is not an instance name (name@instance.type)`);
    return this.load(name);
  }

  /** Loads a unit by its whole name; an instance uses its own file if there is one, else its template's. */
  load(name: string): LoadedUnit {
    const parsed = parseUnitName(name);
    if (parsed === null) return this.failed(name, "not-found", `Invalid unit name: ${name}`);
    if (!LOADABLE_TYPES.has(parsed.type)) return this.failed(name, "not-found", `steward loads only .service and .socket units: ${name}`);
    if (parsed.form === "template") return this.failed(name, "not-found", `${name} is a template; only its instances can be loaded`);
    const fragmentPath = this.findFragment(name) ?? this.findFragment(templateOf(name) ?? "");
    if (fragmentPath === null) {
      return this.failed(name, "not-found", `Unit ${name} not found in ${this.directories.join(", ") || "(no unit directories)"}`);
    }
    const dropInPaths = this.findDropIns(parsed);
    const sources: UnitSource[] = [];
    const warnings: UnitFileWarning[] = [];
    for (const path of [fragmentPath, ...dropInPaths]) {
      const text = this.readText(path, warnings);
      if (typeof text !== "string") {
        return { ...this.failed(name, "error", text.error, path), fragmentPath, dropInPaths };
      }
      sources.push({ path, syntax: lexUnitFile(text) });
    }
    const built = buildUnitModel(name, sources, this.host);
    const loadError = built.syntaxError ?? built.errors[0] ?? null;
    return {
      name,
      load: loadError === null ? "loaded" : built.syntaxError !== null ? "error" : "bad-setting",
      loadError,
      warnings: [...warnings, ...built.warnings],
      fragmentPath,
      dropInPaths,
      model: built.model,
    };
  }

  private namesWhere(accept: (name: UnitName) => boolean): string[] {
    const names = new Set<string>();
    for (const directory of this.directories) {
      for (const entry of listDirectory(directory)) {
        const parsed = parseUnitName(entry);
        if (parsed === null || !LOADABLE_TYPES.has(parsed.type) || !accept(parsed)) continue;
        if (isFile(join(directory, entry))) names.add(entry);
      }
    }
    return [...names].sort();
  }

  private findFragment(name: string): string | null {
    if (name === "") return null;
    for (const directory of this.directories) {
      const path = join(directory, name);
      if (isFile(path)) return path;
    }
    return null;
  }

  private findDropIns(name: UnitName): string[] {
    const searched: string[] = [];
    for (const directory of this.directories) {
      for (const dropInDirectory of dropInDirectoryNames(name)) searched.push(join(directory, dropInDirectory));
    }
    // The top-level type directory is the most generic: any other drop-in of the same name beats it.
    for (const directory of this.directories) searched.push(join(directory, `${name.type}.d`));
    const chosen = new Map<string, string>();
    for (const path of searched) {
      for (const entry of listDirectory(path)) {
        if (!entry.endsWith(".conf") || entry.startsWith(".") || chosen.has(entry)) continue;
        const file = join(path, entry);
        if (isFile(file)) chosen.set(entry, file);
      }
    }
    return [...chosen.keys()].sort().map((entry) => chosen.get(entry) ?? entry);
  }

  private readText(path: string, warnings: UnitFileWarning[]): string | { error: string } {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = error instanceof Error && "code" in error ? String(error.code) : "unknown error";
      return { error: `Failed to read ${basename(path)}: ${code}` };
    }
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      warnings.push({ file: path, line: null, message: "File is not valid UTF-8; invalid bytes were replaced" });
      return new TextDecoder("utf-8").decode(bytes);
    }
  }

  private failed(name: string, load: LoadState, message: string, file: string | null = null): LoadedUnit {
    return {
      name,
      load,
      loadError: { file, line: null, key: null, message },
      warnings: [],
      fragmentPath: null,
      dropInPaths: [],
      model: null,
    };
  }
}
