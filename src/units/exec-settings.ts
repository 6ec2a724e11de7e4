// How a unit's processes are set up (systemd.exec(5)): environment, credentials, working
// directory, umask, resource limits, standard I/O.
import { splitWords } from "./quoted-words.js";
import { isResourceLimitName, parseResourceLimit, RESOURCE_LIMIT_UNITS } from "./resource-limits.js";
import type { ResourceLimit, ResourceLimitName } from "./resource-limits.js";
import { isValidUserOrGroupName, modeSetting, normalizeAbsolutePath, stringSetting } from "./setting-kinds.js";
import { invalid, settingTable } from "./setting-table.js";
import type { Draft, SettingHandler, SettingInput, SettingTable } from "./setting-table.js";
import { DEFAULT_STANDARD_ERROR, DEFAULT_STANDARD_INPUT, resolveStandardOutput } from "./standard-io.js";
import { standardInputSetting, standardOutputSetting } from "./standard-io.js";
import type { StandardInput, StandardOutput } from "./standard-io.js";
import type { WordOptions } from "./quoted-words.js";

export type WorkingDirectory =
  | { readonly kind: "path"; readonly path: string; readonly missingOk: boolean }
  /** "~": the home directory of User= (or of the manager's user). */
  | { readonly kind: "home"; readonly missingOk: boolean };

export interface EnvironmentFileReference {
  readonly path: string;
  /** Written with a "-" prefix: a missing file is not an error. */
  readonly optional: boolean;
}

export interface ExecSettings {
  /** Environment= assignments, later ones replacing earlier ones of the same name. */
  readonly environment: ReadonlyMap<string, string>;
  readonly environmentFiles: readonly EnvironmentFileReference[];
  readonly passEnvironment: readonly string[];
  /** Names, or NAME=VALUE assignments that are removed only when they match exactly. */
  readonly unsetEnvironment: readonly string[];
  /** null: the manager's choice (systemd: / for the system manager, the user's home for a user's). */
  readonly workingDirectory: WorkingDirectory | null;
  readonly user: string | null;
  readonly group: string | null;
  readonly supplementaryGroups: readonly string[];
  readonly umask: number;
  readonly limits: Readonly<Partial<Record<ResourceLimitName, ResourceLimit>>>;
  readonly nice: number | null;
  readonly syslogIdentifier: string | null;
  readonly standardInput: StandardInput;
  readonly standardOutput: StandardOutput;
  readonly standardError: StandardOutput;
}

export function defaultExecSettings(): Draft<ExecSettings> {
  return {
    environment: new Map(),
    environmentFiles: [],
    passEnvironment: [],
    unsetEnvironment: [],
    workingDirectory: null,
    user: null,
    group: null,
    supplementaryGroups: [],
    umask: 0o022,
    limits: {},
    nice: null,
    syslogIdentifier: null,
    standardInput: DEFAULT_STANDARD_INPUT,
    // "inherit" until finishExecSettings() knows what stdin is.
    standardOutput: { kind: "inherit" },
    standardError: DEFAULT_STANDARD_ERROR,
  };
}

export function finishExecSettings(draft: Draft<ExecSettings>): ExecSettings {
  return { ...draft, standardOutput: resolveStandardOutput(draft.standardInput, draft.standardOutput) };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidEnvironmentName(name: string): boolean {
  return ENV_NAME.test(name);
}

export function isValidEnvironmentAssignment(text: string): boolean {
  const equals = text.indexOf("=");
  return equals > 0 && isValidEnvironmentName(text.slice(0, equals));
}

/** Splits a value into words and expands specifiers in each; the first failure is the result. */
function expandedWords(input: SettingInput, options: WordOptions): string[] | { error: string } {
  const split = splitWords(input.value, options);
  if ("error" in split) return { error: `Invalid syntax (${split.error}): ${input.value}` };
  const words: string[] = [];
  for (const word of split.words) {
    const expanded = input.expand(word);
    if (!expanded.ok) return { error: `Failed to resolve specifiers in '${word}': ${expanded.error}` };
    words.push(expanded.value);
  }
  return words;
}

function appendUnique(list: readonly string[], more: readonly string[]): string[] {
  const result = [...list];
  for (const item of more) if (!result.includes(item)) result.push(item);
  return result;
}

const environment: SettingHandler<Draft<ExecSettings>> = (draft, input) => {
  if (input.value === "") {
    draft.environment = new Map();
    return undefined;
  }
  const words = expandedWords(input, { unquote: true, cunescape: true });
  if (!Array.isArray(words)) return invalid(words.error);
  const next = new Map(draft.environment);
  for (const word of words) {
    if (!isValidEnvironmentAssignment(word)) return invalid(`Invalid environment assignment: ${word}`);
    const equals = word.indexOf("=");
    next.set(word.slice(0, equals), word.slice(equals + 1));
  }
  draft.environment = next;
};

const environmentFile: SettingHandler<Draft<ExecSettings>> = (draft, input) => {
  if (input.value === "") {
    draft.environmentFiles = [];
    return undefined;
  }
  const expanded = input.expand(input.value);
  if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
  const optional = expanded.value.startsWith("-");
  const normalized = normalizeAbsolutePath(optional ? expanded.value.slice(1) : expanded.value);
  if ("error" in normalized) return invalid(`EnvironmentFile= ${normalized.error}`);
  draft.environmentFiles = [...draft.environmentFiles, { path: normalized.path, optional }];
};

function environmentNames(
  accept: (word: string) => boolean,
  options: WordOptions,
  list: (draft: Draft<ExecSettings>) => readonly string[],
  assign: (draft: Draft<ExecSettings>, names: readonly string[]) => void,
): SettingHandler<Draft<ExecSettings>> {
  return (draft, input) => {
    if (input.value === "") {
      assign(draft, []);
      return undefined;
    }
    const words = expandedWords(input, options);
    if (!Array.isArray(words)) return invalid(words.error);
    const bad = words.find((word) => !accept(word));
    if (bad !== undefined) return invalid(`Invalid environment variable name: ${bad}`);
    assign(draft, appendUnique(list(draft), words));
  };
}

const workingDirectory: SettingHandler<Draft<ExecSettings>> = (draft, input) => {
  if (input.value === "") {
    draft.workingDirectory = null;
    return undefined;
  }
  const missingOk = input.value.startsWith("-");
  const text = missingOk ? input.value.slice(1) : input.value;
  if (text === "~") {
    draft.workingDirectory = { kind: "home", missingOk };
    return undefined;
  }
  const expanded = input.expand(text);
  if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${text}': ${expanded.error}`);
  const normalized = normalizeAbsolutePath(expanded.value);
  if ("error" in normalized) return invalid(`WorkingDirectory= ${normalized.error}`);
  draft.workingDirectory = { kind: "path", path: normalized.path, missingOk };
};

function userOrGroup(assign: (draft: Draft<ExecSettings>, name: string | null) => void): SettingHandler<Draft<ExecSettings>> {
  return (draft, input) => {
    if (input.value === "") {
      assign(draft, null);
      return undefined;
    }
    const expanded = input.expand(input.value);
    if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
    if (!isValidUserOrGroupName(expanded.value)) return invalid(`Invalid user/group name or numeric ID: ${expanded.value}`);
    assign(draft, expanded.value);
  };
}

const supplementaryGroups: SettingHandler<Draft<ExecSettings>> = (draft, input) => {
  if (input.value === "") {
    draft.supplementaryGroups = [];
    return undefined;
  }
  const words = expandedWords(input, {});
  if (!Array.isArray(words)) return invalid(words.error);
  const bad = words.find((word) => !isValidUserOrGroupName(word));
  if (bad !== undefined) return invalid(`Invalid user/group name or numeric ID: ${bad}`);
  draft.supplementaryGroups = [...draft.supplementaryGroups, ...words];
};

const nice: SettingHandler<Draft<ExecSettings>> = (draft, { value }) => {
  if (value === "") {
    draft.nice = null;
    return undefined;
  }
  const level = /^[+-]?[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(level >= -20 && level <= 19)) return invalid(`Failed to parse nice priority (-20..19): ${value}`);
  draft.nice = level;
};

function resourceLimit(name: ResourceLimitName): SettingHandler<Draft<ExecSettings>> {
  return (draft, { value }) => {
    const limits = { ...draft.limits };
    if (value === "") delete limits[name];
    else {
      const parsed = parseResourceLimit(name, value);
      if ("error" in parsed) return invalid(parsed.error);
      limits[name] = parsed;
    }
    draft.limits = limits;
  };
}

function limitHandlers(): Record<string, SettingHandler<Draft<ExecSettings>>> {
  const handlers: Record<string, SettingHandler<Draft<ExecSettings>>> = {};
  for (const name of Object.keys(RESOURCE_LIMIT_UNITS)) {
    if (isResourceLimitName(name)) handlers[`Limit${name}`] = resourceLimit(name);
  }
  return handlers;
}

export const EXEC_SETTINGS: SettingTable<Draft<ExecSettings>> = settingTable<Draft<ExecSettings>>({
  Environment: environment,
  EnvironmentFile: environmentFile,
  // PassEnvironment= takes names literally; UnsetEnvironment= also accepts exact NAME=VALUE pairs.
  PassEnvironment: environmentNames(
    isValidEnvironmentName,
    { unquote: true },
    (d) => d.passEnvironment,
    (d, names) => (d.passEnvironment = names),
  ),
  UnsetEnvironment: environmentNames(
    (word) => isValidEnvironmentName(word) || isValidEnvironmentAssignment(word),
    { unquote: true, cunescape: true },
    (d) => d.unsetEnvironment,
    (d, names) => (d.unsetEnvironment = names),
  ),
  WorkingDirectory: workingDirectory,
  User: userOrGroup((d, name) => (d.user = name)),
  Group: userOrGroup((d, name) => (d.group = name)),
  SupplementaryGroups: supplementaryGroups,
  UMask: modeSetting((d, mode) => (d.umask = mode ?? 0o022)),
  Nice: nice,
  SyslogIdentifier: stringSetting((d, text) => (d.syslogIdentifier = text)),
  StandardInput: standardInputSetting((d, stdin) => (d.standardInput = stdin)),
  StandardOutput: standardOutputSetting((d, out) => (d.standardOutput = out), { kind: "inherit" }),
  StandardError: standardOutputSetting((d, out) => (d.standardError = out), DEFAULT_STANDARD_ERROR),
  ...limitHandlers(),
});

/** systemd.exec(5) and systemd.resource-control(5) keys steward knows of but does not apply (sandboxing, cgroup limits, directories). */
export const EXEC_SETTINGS_NOT_SUPPORTED: ReadonlySet<string> = new Set(
  `
  DynamicUser PAMName RootDirectory RootImage RuntimeDirectory StateDirectory CacheDirectory
  LogsDirectory ConfigurationDirectory RuntimeDirectoryMode StateDirectoryMode CacheDirectoryMode
  LogsDirectoryMode ConfigurationDirectoryMode RuntimeDirectoryPreserve PrivateTmp PrivateDevices
  PrivateNetwork PrivateUsers PrivateMounts PrivateIPC ProtectSystem ProtectHome ProtectKernelTunables
  ProtectKernelModules ProtectKernelLogs ProtectControlGroups ProtectClock ProtectHostname ProtectProc
  ProcSubset ReadWritePaths ReadOnlyPaths InaccessiblePaths ExecPaths NoExecPaths BindPaths
  BindReadOnlyPaths TemporaryFileSystem NoNewPrivileges CapabilityBoundingSet AmbientCapabilities
  SecureBits SystemCallFilter SystemCallArchitectures SystemCallErrorNumber RestrictAddressFamilies
  RestrictNamespaces RestrictRealtime RestrictSUIDSGID LockPersonality MemoryDenyWriteExecute
  RemoveIPC KeyringMode IOSchedulingClass IOSchedulingPriority CPUSchedulingPolicy
  CPUSchedulingPriority CPUAffinity OOMScoreAdjust TTYPath TTYReset TTYVHangup TTYVTDisallocate
  StandardInputText StandardInputData LogLevelMax LogExtraFields LogRateLimitIntervalSec
  LogRateLimitBurst SyslogFacility SyslogLevel SyslogLevelPrefix LoadCredential SetCredential
  ImportCredential Slice Delegate CPUAccounting CPUWeight CPUQuota MemoryAccounting MemoryMin
  MemoryLow MemoryHigh MemoryMax MemorySwapMax TasksAccounting TasksMax IOAccounting IOWeight
  IPAccounting IPAddressAllow IPAddressDeny DevicePolicy DeviceAllow SetLoginEnvironment
  UtmpIdentifier UtmpMode SELinuxContext AppArmorProfile
  `
    .trim()
    .split(/\s+/),
);
