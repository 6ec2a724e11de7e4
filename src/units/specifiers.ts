// "%" specifiers in unit files (systemd.unit(5) "Specifiers"). Pure: every fact about the host
// comes in on the context; a specifier whose fact is missing is an error that says so.
import { nameWithoutSuffix, parseUnitName, unescapeUnitNamePart, unescapeUnitNamePath } from "./unit-name.js";
import type { UnitName } from "./unit-name.js";

/** What the unit's own name and file do not tell. Optional facts that are absent make their specifier an error. */
export interface SpecifierHost {
  /** %t: /run for the system manager, $XDG_RUNTIME_DIR for a user's (not steward's own runtime dir). */
  readonly runtimeRoot: string;
  /** %S, %C, %L, %E, %D: /var/lib, /var/cache, /var/log, /etc, /usr/share for the system (XDG dirs for a user). */
  readonly stateRoot?: string;
  readonly cacheRoot?: string;
  readonly logsRoot?: string;
  readonly configRoot?: string;
  readonly dataRoot?: string;
  /** %h, %s: the manager's user's home and shell. */
  readonly home: string;
  readonly shell?: string;
  /** %u %U %g %G: the manager's user and group. */
  readonly userName: string;
  readonly uid: number;
  readonly groupName?: string;
  readonly gid?: number;
  /** %H (and %l, its first label), %q, %m, %b, %v, %a. */
  readonly hostname?: string;
  readonly prettyHostname?: string;
  readonly machineId?: string;
  readonly bootId?: string;
  readonly kernelRelease?: string;
  readonly architecture?: string;
  /** os-release(5) fields for %o %w %B %W %M %A (ID, VERSION_ID, BUILD_ID, VARIANT_ID, IMAGE_ID, IMAGE_VERSION). */
  readonly osRelease?: Readonly<Record<string, string>>;
  /** %T, %V: default /tmp and /var/tmp. */
  readonly tmpDir?: string;
  readonly varTmpDir?: string;
}

export interface SpecifierContext extends SpecifierHost {
  /** The unit whose settings are expanded (an instance name for an instantiated template). */
  readonly unitName: string;
  /** %y, %Y: the unit's fragment file. */
  readonly fragmentPath?: string | null;
}

/** Which of systemd's tables applies: "unit" for most settings, "unit-name" where the result is a unit name. */
export type SpecifierTable = "unit" | "unit-name";

export type Expansion = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

type Resolved = string | { readonly error: string };

// systemd's unit_name_printf() table: only what is safe inside a unit name.
const UNIT_NAME_SPECIFIERS = new Set("ijnNpaAbBHlqmMovwWgGuU");

const OS_RELEASE_FIELDS: Readonly<Record<string, string>> = {
  o: "ID",
  w: "VERSION_ID",
  B: "BUILD_ID",
  W: "VARIANT_ID",
  M: "IMAGE_ID",
  A: "IMAGE_VERSION",
};

function fact(value: string | number | undefined, what: string): Resolved {
  return value === undefined ? { error: `${what} is not known here` } : String(value);
}

function unescaped(text: string | null, what: string): Resolved {
  return text ?? { error: `${what} is not a validly escaped string` };
}

function lastPrefixComponent(name: UnitName): string {
  const dash = name.prefix.lastIndexOf("-");
  return dash < 0 ? name.prefix : name.prefix.slice(dash + 1);
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

function resolveSpecifier(letter: string, unit: UnitName, context: SpecifierContext): Resolved | null {
  switch (letter) {
    case "n":
      return unit.name;
    case "N":
      return nameWithoutSuffix(unit);
    case "p":
      return unit.prefix;
    case "P":
      return unescaped(unescapeUnitNamePart(unit.prefix), "the prefix");
    case "i":
      return unit.instance ?? "";
    case "I":
      return unescaped(unescapeUnitNamePart(unit.instance ?? ""), "the instance");
    case "j":
      return lastPrefixComponent(unit);
    case "J":
      return unescaped(unescapeUnitNamePart(lastPrefixComponent(unit)), "the last prefix component");
    case "f":
      return unit.instance !== null && unit.instance !== ""
        ? unescaped(unescapeUnitNamePath(unit.instance), "the instance")
        : unescaped(unescapeUnitNamePath(unit.prefix), "the prefix");
    case "y":
      return context.fragmentPath ?? { error: "the unit has no fragment file" };
    case "Y":
      return context.fragmentPath ? directoryOf(context.fragmentPath) : { error: "the unit has no fragment file" };
    case "t":
      return context.runtimeRoot;
    case "S":
      return fact(context.stateRoot, "the state directory root");
    case "C":
      return fact(context.cacheRoot, "the cache directory root");
    case "L":
      return fact(context.logsRoot, "the logs directory root");
    case "E":
      return fact(context.configRoot, "the configuration directory root");
    case "D":
      return fact(context.dataRoot, "the shared data directory root");
    case "d":
      return `${context.runtimeRoot}/credentials/${unit.name}`;
    case "h":
      return context.home;
    case "s":
      return fact(context.shell, "the user's shell");
    case "u":
      return context.userName;
    case "U":
      return String(context.uid);
    case "g":
      return fact(context.groupName, "the group name");
    case "G":
      return fact(context.gid, "the group id");
    case "H":
      return fact(context.hostname, "the host name");
    case "l":
      return context.hostname === undefined ? fact(undefined, "the host name") : (context.hostname.split(".")[0] ?? "");
    case "q":
      return fact(context.prettyHostname ?? context.hostname, "the pretty host name");
    case "m":
      return fact(context.machineId, "the machine ID");
    case "b":
      return fact(context.bootId, "the boot ID");
    case "v":
      return fact(context.kernelRelease, "the kernel release");
    case "a":
      return fact(context.architecture, "the architecture");
    case "T":
      return context.tmpDir ?? "/tmp";
    case "V":
      return context.varTmpDir ?? "/var/tmp";
    case "o":
    case "w":
    case "B":
    case "W":
    case "M":
    case "A": {
      const field = OS_RELEASE_FIELDS[letter] ?? "";
      // systemd: a field missing from os-release expands to nothing.
      return context.osRelease === undefined ? fact(undefined, "os-release") : (context.osRelease[field] ?? "");
    }
    case "c":
    case "r":
    case "R":
      return { error: "it names a control group path, which systemd deprecated and steward does not support" };
    default:
      return null;
  }
}

/**
 * Expands every "%x" in `text`. "%%" is a literal "%"; "%" before a character that is not a letter
 * or digit (and a trailing "%") stays as written; an unknown letter or digit is an error, as in systemd.
 */
export function expandSpecifiers(text: string, context: SpecifierContext, table: SpecifierTable = "unit"): Expansion {
  if (!text.includes("%")) return { ok: true, value: text };
  const unit = parseUnitName(context.unitName);
  if (unit === null) return { ok: false, error: `'${context.unitName}' is not a valid unit name` };
  let value = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch !== "%" || i + 1 >= text.length) {
      value += ch;
      continue;
    }
    const letter = text.charAt(++i);
    if (letter === "%") {
      value += "%";
      continue;
    }
    if (!/^[0-9A-Za-z]$/.test(letter)) {
      value += "%" + letter;
      continue;
    }
    const resolved = table === "unit-name" && !UNIT_NAME_SPECIFIERS.has(letter) ? null : resolveSpecifier(letter, unit, context);
    if (resolved === null) return { ok: false, error: `unknown specifier '%${letter}'` };
    if (typeof resolved !== "string") return { ok: false, error: `cannot expand '%${letter}': ${resolved.error}` };
    value += resolved;
  }
  return { ok: true, value };
}
