// The [Unit] section (systemd.unit(5)): description, dependencies and ordering, start rate
// limit, conditions and asserts.
import { booleanSetting, normalizeAbsolutePath, stringSetting, timeSetting, unsignedSetting } from "./setting-kinds.js";
import { invalid, settingTable } from "./setting-table.js";
import type { Draft, SettingHandler, SettingTable } from "./setting-table.js";
import { splitWords } from "./quoted-words.js";
import { parseUnitName } from "./unit-name.js";

export const DEPENDENCY_KEYS = {
  Requires: "requires",
  Requisite: "requisite",
  Wants: "wants",
  BindsTo: "bindsTo",
  PartOf: "partOf",
  Upholds: "upholds",
  Conflicts: "conflicts",
  Before: "before",
  After: "after",
  OnFailure: "onFailure",
  OnSuccess: "onSuccess",
  PropagatesReloadTo: "propagatesReloadTo",
  ReloadPropagatedFrom: "reloadPropagatedFrom",
  JoinsNamespaceOf: "joinsNamespaceOf",
} as const;

export type DependencyKind = (typeof DEPENDENCY_KEYS)[keyof typeof DEPENDENCY_KEYS];

/** Unit names, in the order written, without duplicates. */
export type UnitDependencies = { readonly [K in DependencyKind]: readonly string[] };

// Conditions whose parameter is a path (specifiers expanded, must be absolute).
const PATH_CONDITIONS = [
  "PathExists",
  "PathExistsGlob",
  "PathIsDirectory",
  "PathIsSymbolicLink",
  "PathIsMountPoint",
  "PathIsReadWrite",
  "PathIsEncrypted",
  "DirectoryNotEmpty",
  "FileNotEmpty",
  "FileIsExecutable",
  "NeedsUpdate",
] as const;

const STRING_CONDITIONS = [
  "FirstBoot",
  "Architecture",
  "Firmware",
  "Virtualization",
  "Host",
  "KernelCommandLine",
  "KernelVersion",
  "Credential",
  "Security",
  "Capability",
  "ACPower",
  "Memory",
  "CPUFeature",
  "CPUs",
  "Environment",
  "User",
  "Group",
  "ControlGroupController",
  "OSRelease",
  "MemoryPressure",
  "CPUPressure",
  "IOPressure",
] as const;

export type ConditionKind = (typeof PATH_CONDITIONS)[number] | (typeof STRING_CONDITIONS)[number];

/** One Condition*= or Assert*= check, recorded for the manager to evaluate. */
export interface UnitCondition {
  readonly kind: ConditionKind;
  /** "|": a triggering condition (at least one of them must hold). */
  readonly trigger: boolean;
  /** "!": the check is negated. */
  readonly negate: boolean;
  readonly parameter: string;
}

export interface UnitSection {
  readonly description: string | null;
  readonly documentation: readonly string[];
  readonly dependencies: UnitDependencies;
  /** Starts allowed per interval; interval 0 turns the limit off. */
  readonly startLimitIntervalUsec: number;
  readonly startLimitBurst: number;
  readonly defaultDependencies: boolean;
  readonly stopWhenUnneeded: boolean;
  readonly refuseManualStart: boolean;
  readonly refuseManualStop: boolean;
  readonly conditions: readonly UnitCondition[];
  readonly asserts: readonly UnitCondition[];
}

export type UnitSectionDraft = Draft<Omit<UnitSection, "dependencies">> & { dependencies: Draft<UnitDependencies> };

/** DefaultStartLimitIntervalSec=10s, DefaultStartLimitBurst=5 (systemd-system.conf(5)). */
const START_LIMIT_INTERVAL_USEC = 10_000_000;
const START_LIMIT_BURST = 5;

function noDependencies(): Draft<UnitDependencies> {
  return {
    requires: [],
    requisite: [],
    wants: [],
    bindsTo: [],
    partOf: [],
    upholds: [],
    conflicts: [],
    before: [],
    after: [],
    onFailure: [],
    onSuccess: [],
    propagatesReloadTo: [],
    reloadPropagatedFrom: [],
    joinsNamespaceOf: [],
  };
}

export function defaultUnitSection(): UnitSectionDraft {
  return {
    description: null,
    documentation: [],
    dependencies: noDependencies(),
    startLimitIntervalUsec: START_LIMIT_INTERVAL_USEC,
    startLimitBurst: START_LIMIT_BURST,
    defaultDependencies: true,
    stopWhenUnneeded: false,
    refuseManualStart: false,
    refuseManualStop: false,
    conditions: [],
    asserts: [],
  };
}

// Space-separated unit names with "unit-name" specifiers. An empty assignment resets the list
// (systemd itself ignores an empty dependency assignment; DESIGN.md asks for resets everywhere).
function dependency(kind: DependencyKind): SettingHandler<UnitSectionDraft> {
  return (draft, input) => {
    if (input.value === "") {
      draft.dependencies[kind] = [];
      return undefined;
    }
    const split = splitWords(input.value, { retainEscapes: true });
    if ("error" in split) return invalid(`Invalid syntax: ${input.value}`);
    const names = [...draft.dependencies[kind]];
    for (const word of split.words) {
      const expanded = input.expand(word, "unit-name");
      if (!expanded.ok) return invalid(`Failed to resolve unit specifiers in '${word}': ${expanded.error}`);
      const parsed = parseUnitName(expanded.value);
      if (parsed === null || parsed.form === "template") return invalid(`Invalid unit name: ${expanded.value}`);
      if (!names.includes(expanded.value)) names.push(expanded.value);
    }
    draft.dependencies[kind] = names;
  };
}

function isDocumentationUrl(url: string): boolean {
  return /^(https?|file|info|man):\S+$/.test(url);
}

const documentation: SettingHandler<UnitSectionDraft> = (draft, input) => {
  if (input.value === "") {
    draft.documentation = [];
    return undefined;
  }
  const split = splitWords(input.value, { unquote: true, cunescape: true });
  if ("error" in split) return invalid(`Invalid syntax: ${input.value}`);
  for (const word of split.words) {
    const expanded = input.expand(word);
    if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${word}': ${expanded.error}`);
    // systemd drops an invalid URL with a warning; so does steward.
    if (isDocumentationUrl(expanded.value)) draft.documentation = [...draft.documentation, expanded.value];
    else input.warn(`Invalid URL, ignoring: ${expanded.value}`);
  }
};

function condition(kind: ConditionKind, list: "conditions" | "asserts", isPath: boolean): SettingHandler<UnitSectionDraft> {
  return (draft, input) => {
    // An empty assignment drops every condition (or assert) of any kind written before it.
    if (input.value === "") {
      draft[list] = [];
      return undefined;
    }
    let text = input.value;
    const trigger = text.startsWith("|");
    if (trigger) text = text.slice(1);
    const negate = text.startsWith("!");
    if (negate) text = text.slice(1);
    const expanded = input.expand(text);
    if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${text}': ${expanded.error}`);
    let parameter = expanded.value;
    if (isPath) {
      const normalized = normalizeAbsolutePath(parameter);
      if ("error" in normalized) return invalid(`${input.site.key}= ${normalized.error}`);
      parameter = normalized.path;
    }
    draft[list] = [...draft[list], { kind, trigger, negate, parameter }];
  };
}

function conditionHandlers(): Record<string, SettingHandler<UnitSectionDraft>> {
  const handlers: Record<string, SettingHandler<UnitSectionDraft>> = {};
  for (const kind of PATH_CONDITIONS) {
    handlers[`Condition${kind}`] = condition(kind, "conditions", true);
    handlers[`Assert${kind}`] = condition(kind, "asserts", true);
  }
  for (const kind of STRING_CONDITIONS) {
    handlers[`Condition${kind}`] = condition(kind, "conditions", false);
    handlers[`Assert${kind}`] = condition(kind, "asserts", false);
  }
  return handlers;
}

function dependencyHandlers(): Record<string, SettingHandler<UnitSectionDraft>> {
  return Object.fromEntries(Object.entries(DEPENDENCY_KEYS).map(([key, kind]) => [key, dependency(kind)]));
}

const startLimitInterval = timeSetting<UnitSectionDraft>((d, usec) => (d.startLimitIntervalUsec = usec ?? START_LIMIT_INTERVAL_USEC));

export const UNIT_SECTION: SettingTable<UnitSectionDraft> = settingTable<UnitSectionDraft>({
  Description: stringSetting((d, text) => (d.description = text)),
  Documentation: documentation,
  ...dependencyHandlers(),
  StartLimitIntervalSec: startLimitInterval,
  StartLimitInterval: startLimitInterval,
  StartLimitBurst: unsignedSetting((d, burst) => (d.startLimitBurst = burst ?? START_LIMIT_BURST)),
  DefaultDependencies: booleanSetting((d, on) => (d.defaultDependencies = on ?? true)),
  StopWhenUnneeded: booleanSetting((d, on) => (d.stopWhenUnneeded = on ?? false)),
  RefuseManualStart: booleanSetting((d, on) => (d.refuseManualStart = on ?? false)),
  RefuseManualStop: booleanSetting((d, on) => (d.refuseManualStop = on ?? false)),
  ...conditionHandlers(),
});

/** [Unit] keys systemd knows that steward accepts without acting on them. */
export const UNIT_SECTION_NOT_SUPPORTED: ReadonlySet<string> = new Set([
  "SourcePath",
  "OnFailureJobMode",
  "OnSuccessJobMode",
  "IgnoreOnIsolate",
  "AllowIsolate",
  "CollectMode",
  "FailureAction",
  "SuccessAction",
  "FailureActionExitStatus",
  "SuccessActionExitStatus",
  "StartLimitAction",
  "RebootArgument",
  "JobTimeoutSec",
  "JobRunningTimeoutSec",
  "JobTimeoutAction",
  "JobTimeoutRebootArgument",
  "SurviveFinalKillSignal",
]);
