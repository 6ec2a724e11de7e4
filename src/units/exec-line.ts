// Exec*= command lines (systemd.service(5) "Command lines"): prefixes, quoting, and the
// $VAR / ${VAR} expansion that happens later, when the command is about to run.
import { extractWordLenient, splitWords } from "./quoted-words.js";
import type { Expansion } from "./specifiers.js";

/** Where a bare executable name is looked up (systemd's fixed search path since v239). */
export const EXEC_SEARCH_PATH: readonly string[] = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/**
 * "+": User=/Group= and sandboxing are not applied; "!": only User=/Group=/SupplementaryGroups= are not
 * applied; "!!": as "!" but only where the kernel lacks ambient capabilities (steward treats it as normal then).
 */
export type ExecPrivileges = "normal" | "full" | "no-setuid" | "ambient";

export interface ExecCommand {
  /** Absolute path, or a bare file name to look up in EXEC_SEARCH_PATH when the command runs. */
  readonly path: string;
  /** argv[0] included: the path as written, or the second word with "@". Words are raw until expandExecWords(). */
  readonly argv: readonly string[];
  /** "-": a failure of this command is recorded but counts as success. */
  readonly ignoreFailure: boolean;
  /** "@": argv[0] was given separately. */
  readonly argv0Override: boolean;
  /** ":": no $VAR expansion. */
  readonly noEnvExpansion: boolean;
  readonly privileges: ExecPrivileges;
  /** True when `path` is a bare name. */
  readonly searchesPath: boolean;
  /** Per argv word: whether expandExecWords() has anything to do there. */
  readonly expandsEnvironment: readonly boolean[];
}

export interface ExecLineParse {
  readonly commands: readonly ExecCommand[];
  readonly warnings: readonly string[];
  /** Set when the line is invalid; with the "-" prefix systemd only warns and drops the command. */
  readonly error: string | null;
}

export type WordExpander = (word: string) => Expansion;

const keepWord: WordExpander = (word) => ({ ok: true, value: word });

const WHITESPACE = " \t\n\r";
const NAME_MAX = 255;
const PATH_MAX = 4096;

interface Prefixes {
  ignoreFailure: boolean;
  argv0Override: boolean;
  noEnvExpansion: boolean;
  privileges: ExecPrivileges;
}

// Each prefix may appear once, in any order; "+" excludes "!" and "!!" and vice versa.
function takePrefixes(word: string): { prefixes: Prefixes; rest: string } {
  const prefixes: Prefixes = { ignoreFailure: false, argv0Override: false, noEnvExpansion: false, privileges: "normal" };
  let i = 0;
  for (; i < word.length; i++) {
    const ch = word.charAt(i);
    if (ch === "-" && !prefixes.ignoreFailure) prefixes.ignoreFailure = true;
    else if (ch === "@" && !prefixes.argv0Override) prefixes.argv0Override = true;
    else if (ch === ":" && !prefixes.noEnvExpansion) prefixes.noEnvExpansion = true;
    else if (ch === "+" && prefixes.privileges === "normal") prefixes.privileges = "full";
    else if (ch === "!" && prefixes.privileges === "normal") prefixes.privileges = "no-setuid";
    else if (ch === "!" && prefixes.privileges === "no-setuid") prefixes.privileges = "ambient";
    else break;
  }
  return { prefixes, rest: word.slice(i) };
}

function isSafeString(text: string): boolean {
  return !/[\x00-\x1f\x7f"'\\]/.test(text);
}

function impliesDirectory(path: string): boolean {
  const last = path.slice(path.lastIndexOf("/") + 1);
  return path.endsWith("/") || last === "." || last === "..";
}

function isValidFileName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && Buffer.byteLength(name) <= NAME_MAX;
}

function isValidAbsolutePath(path: string): boolean {
  return Buffer.byteLength(path) < PATH_MAX && path.split("/").every((part) => Buffer.byteLength(part) <= NAME_MAX);
}

/** Collapses repeated slashes and "." components, as systemd's path_simplify(). */
export function simplifyPath(path: string): string {
  const absolute = path.startsWith("/");
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  const joined = parts.join("/");
  if (absolute) return "/" + joined;
  return joined === "" ? "." : joined;
}

function checkExecutablePath(path: string): string | null {
  if (path === "") return "Empty path in command line";
  if (!isSafeString(path)) return `Executable path contains special characters: ${path}`;
  if (impliesDirectory(path)) return `Executable path specifies a directory: ${path}`;
  const valid = path.startsWith("/") ? isValidAbsolutePath(path) : isValidFileName(path);
  return valid ? null : `Neither a valid executable name nor an absolute path: ${path}`;
}

function isCommandSeparator(text: string, pos: number, length: number): boolean {
  const after = pos + length;
  return after >= text.length || WHITESPACE.includes(text.charAt(after));
}

function skipWhitespace(text: string, pos: number): number {
  while (pos < text.length && WHITESPACE.includes(text.charAt(pos))) pos++;
  return pos;
}

/**
 * Parses one Exec*= value. A lone ";" word separates several commands on one line, which systemd
 * still accepts for compatibility (it no longer documents it); "\;" is a literal ";" argument.
 * Specifiers are expanded per word, after unquoting, by `expand`.
 */
export function parseExecLine(value: string, expand: WordExpander = keepWord): ExecLineParse {
  const commands: ExecCommand[] = [];
  const warnings: string[] = [];
  const done = (error: string | null): ExecLineParse => ({ commands, warnings, error });
  let pos = 0;
  let more = true;
  while (more) {
    more = false;
    const first = extractWordLenient(value, pos, { unquote: true, cunescape: true });
    if (first.kind === "end") break;
    if (first.kind === "error") return done(`${first.message}: ${value}`);
    if (first.kind === "word-with-unknown-escapes") warnings.push(`Ignoring unknown escape sequences: "${first.word}"`);
    pos = first.next;
    if (first.word === ";") {
      more = true;
      continue;
    }

    const { prefixes, rest } = takePrefixes(first.word);
    // With "-", a broken command is dropped with a warning instead of failing the unit.
    const fail = (message: string): ExecLineParse => {
      if (!prefixes.ignoreFailure) return done(message);
      warnings.push(`${message}, ignoring`);
      return done(null);
    };
    if (rest.startsWith("|")) return fail("The '|' prefix (run through a shell, systemd v258) is not supported");
    const path = expand(rest);
    if (!path.ok) return fail(`Failed to resolve specifiers in '${rest}': ${path.error}`);
    const pathProblem = checkExecutablePath(path.value);
    if (pathProblem !== null) return fail(pathProblem);

    const argv: string[] = prefixes.argv0Override ? [] : [path.value];
    while (pos < value.length) {
      if (value.charAt(pos) === ";" && isCommandSeparator(value, pos, 1)) {
        pos = skipWhitespace(value, pos + 1);
        more = true;
        break;
      }
      if (value.startsWith("\\;", pos) && isCommandSeparator(value, pos, 2)) {
        pos = skipWhitespace(value, pos + 2);
        argv.push(";");
        continue;
      }
      const step = extractWordLenient(value, pos, { unquote: true, cunescape: true });
      if (step.kind === "end") break;
      if (step.kind === "error") return fail(`${step.message}: ${value}`);
      if (step.kind === "word-with-unknown-escapes") warnings.push(`Ignoring unknown escape sequences: "${step.word}"`);
      pos = step.next;
      const word = expand(step.word);
      if (!word.ok) return fail(`Failed to resolve specifiers in '${step.word}': ${word.error}`);
      argv.push(word.value);
    }
    if (argv.length === 0) return fail(`Empty executable name or zeroeth argument: ${value}`);

    const simplified = simplifyPath(path.value);
    commands.push({
      path: simplified,
      argv,
      ignoreFailure: prefixes.ignoreFailure,
      argv0Override: prefixes.argv0Override,
      noEnvExpansion: prefixes.noEnvExpansion,
      privileges: prefixes.privileges,
      searchesPath: !simplified.startsWith("/"),
      expandsEnvironment: argv.map((word) => !prefixes.noEnvExpansion && word.includes("$")),
    });
  }
  return done(null);
}

export type EnvironmentLookup = ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>;

export interface ExpandedWords {
  readonly argv: string[];
  /** Referenced but unset (systemd expands them to nothing and logs them). */
  readonly unsetVariables: string[];
  /** "$" followed by something that is not a variable name; expanded to nothing as well. */
  readonly invalidVariables: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isMap(env: EnvironmentLookup): env is ReadonlyMap<string, string> {
  return env instanceof Map;
}

function lookup(env: EnvironmentLookup, name: string): string | undefined {
  if (isMap(env)) return env.get(name);
  return Object.hasOwn(env, name) ? env[name] : undefined;
}

interface VariableUse {
  readonly env: EnvironmentLookup;
  readonly unset: Set<string>;
  readonly invalid: Set<string>;
}

function variable(name: string, use: VariableUse): string | undefined {
  if (!ENV_NAME.test(name)) {
    use.invalid.add(name);
    return undefined;
  }
  const value = lookup(use.env, name);
  if (value === undefined) use.unset.add(name);
  return value;
}

// "${NAME}" anywhere in a word becomes the value as one piece; "$$" is a literal "$". Anything else
// after "$" (including "${NAME:-default}", which systemd does not support here) stays as written.
function replaceInWord(word: string, use: VariableUse): string {
  let out = "";
  let copiedUpTo = 0;
  let state: "word" | "dollar" | "variable" = "word";
  for (let i = 0; i < word.length; i++) {
    const ch = word.charAt(i);
    if (state === "word") {
      if (ch === "$") state = "dollar";
    } else if (state === "dollar") {
      if (ch === "{") {
        out += word.slice(copiedUpTo, i - 1);
        copiedUpTo = i - 1;
        state = "variable";
      } else if (ch === "$") {
        out += word.slice(copiedUpTo, i);
        copiedUpTo = i + 1;
        state = "word";
      } else state = "word";
    } else if (ch === "}") {
      out += variable(word.slice(copiedUpTo + 2, i), use) ?? "";
      copiedUpTo = i + 1;
      state = "word";
    } else if (ch === ":") state = "word";
  }
  return out + word.slice(copiedUpTo);
}

/**
 * Expands environment variables in raw argv words as systemd does just before exec: a word that is
 * exactly "$NAME" becomes the value split at whitespace (quotes in the value group words; unset or
 * empty gives no word at all); "${NAME}" inside a word is replaced by the value as is.
 */
export function expandExecWords(words: readonly string[], env: EnvironmentLookup): ExpandedWords {
  const use: VariableUse = { env, unset: new Set(), invalid: new Set() };
  const argv: string[] = [];
  for (const word of words) {
    if (word.startsWith("$") && word.charAt(1) !== "{" && word.charAt(1) !== "$") {
      const value = variable(word.slice(1), use);
      if (value !== undefined) {
        const split = splitWords(value, { unquote: true, relaxed: true });
        if ("words" in split) argv.push(...split.words);
      }
      continue;
    }
    argv.push(replaceInWord(word, use));
  }
  return { argv, unsetVariables: [...use.unset].sort(), invalidVariables: [...use.invalid].sort() };
}

/** The argv a command runs with: expanded unless it carries the ":" prefix. */
export function execArgv(command: ExecCommand, env: EnvironmentLookup): ExpandedWords {
  if (command.noEnvExpansion) return { argv: [...command.argv], unsetVariables: [], invalidVariables: [] };
  return expandExecWords(command.argv, env);
}
