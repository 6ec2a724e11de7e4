// The [Install] section (systemd.unit(5) "[Install] Section Options"), recorded as written.
// steward has no enable step; the manager decides what these mean (DESIGN.md: `up` starts
// the units that have this section).
import { invalid, settingTable } from "./setting-table.js";
import type { Draft, SettingHandler, SettingTable } from "./setting-table.js";
import { splitWords } from "./quoted-words.js";
import { isValidUnitInstance, parseUnitName } from "./unit-name.js";

export interface InstallSection {
  readonly wantedBy: readonly string[];
  readonly requiredBy: readonly string[];
  readonly upheldBy: readonly string[];
  readonly alias: readonly string[];
  readonly also: readonly string[];
  /** The instance a template is enabled as when none is named. */
  readonly defaultInstance: string | null;
}

export type InstallSectionDraft = Draft<InstallSection>;

export function defaultInstallSection(): InstallSectionDraft {
  return { wantedBy: [], requiredBy: [], upheldBy: [], alias: [], also: [], defaultInstance: null };
}

type NameList = "wantedBy" | "requiredBy" | "upheldBy" | "alias" | "also";

function unitNames(list: NameList): SettingHandler<InstallSectionDraft> {
  return (draft, input) => {
    if (input.value === "") {
      draft[list] = [];
      return undefined;
    }
    const split = splitWords(input.value, { unquote: true, retainEscapes: true });
    if ("error" in split) return invalid(`Invalid syntax: ${input.value}`);
    const names = [...draft[list]];
    for (const word of split.words) {
      const expanded = input.expand(word, "unit-name");
      if (!expanded.ok) return invalid(`Failed to resolve unit specifiers in '${word}': ${expanded.error}`);
      if (parseUnitName(expanded.value) === null) return invalid(`Invalid unit name: ${expanded.value}`);
      if (!names.includes(expanded.value)) names.push(expanded.value);
    }
    draft[list] = names;
  };
}

const defaultInstance: SettingHandler<InstallSectionDraft> = (draft, input) => {
  if (input.value === "") {
    draft.defaultInstance = null;
    return undefined;
  }
  const expanded = input.expand(input.value, "unit-name");
  if (!expanded.ok) return invalid(`Failed to resolve unit specifiers in '${input.value}': ${expanded.error}`);
  if (!isValidUnitInstance(expanded.value)) return invalid(`Invalid instance name: ${expanded.value}`);
  draft.defaultInstance = expanded.value;
};

export const INSTALL_SECTION: SettingTable<InstallSectionDraft> = settingTable<InstallSectionDraft>({
  WantedBy: unitNames("wantedBy"),
  RequiredBy: unitNames("requiredBy"),
  UpheldBy: unitNames("upheldBy"),
  Alias: unitNames("alias"),
  Also: unitNames("also"),
  DefaultInstance: defaultInstance,
});
