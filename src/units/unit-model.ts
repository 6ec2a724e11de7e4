// Builds a unit's typed model from its lexed files: the fragment first, then its drop-ins in
// order, each assignment applied to a draft; then the defaults systemd derives and its checks.
// Pure: the files come in as text already lexed, the host facts on the context.
import { EXEC_SETTINGS_NOT_SUPPORTED } from "./exec-settings.js";
import { defaultInstallSection, INSTALL_SECTION } from "./install-section.js";
import type { InstallSection } from "./install-section.js";
import type { CheckFinding, SectionCheck, SiteLookup } from "./section-check.js";
import { finishServiceSection } from "./service-checks.js";
import { defaultServiceSection, SERVICE_SECTION, SERVICE_SECTION_NOT_SUPPORTED } from "./service-section.js";
import type { ServiceSection } from "./service-section.js";
import type { SettingInput, SettingOutcome, SettingSite, SettingTable, UnitFileProblem, UnitFileWarning } from "./setting-table.js";
import { defaultSocketSection, finishSocketSection, SOCKET_SECTION, SOCKET_SECTION_NOT_SUPPORTED } from "./socket-section.js";
import type { SocketSection } from "./socket-section.js";
import { expandSpecifiers } from "./specifiers.js";
import type { SpecifierContext, SpecifierHost } from "./specifiers.js";
import type { UnitFileSyntax } from "./unit-lexer.js";
import { parseUnitName } from "./unit-name.js";
import { defaultUnitSection, UNIT_SECTION, UNIT_SECTION_NOT_SUPPORTED } from "./unit-section.js";
import type { UnitSection } from "./unit-section.js";

export interface UnitSource {
  readonly path: string;
  readonly syntax: UnitFileSyntax;
}

interface ModelBase {
  readonly name: string;
  readonly unit: UnitSection;
  /** null when no file has an [Install] section. */
  readonly install: InstallSection | null;
}

export interface ServiceUnitModel extends ModelBase {
  readonly kind: "service";
  readonly service: ServiceSection;
}

export interface SocketUnitModel extends ModelBase {
  readonly kind: "socket";
  readonly socket: SocketSection;
}

export type UnitModel = ServiceUnitModel | SocketUnitModel;

export interface UnitModelBuild {
  /** Built from the settings that were valid, even when there are errors (for Description= in status). */
  readonly model: UnitModel;
  /** Settings that could not be applied, in file order; the first is the unit's loadError. */
  readonly errors: readonly UnitFileProblem[];
  readonly warnings: readonly UnitFileWarning[];
  /** The first file that could not be parsed at all: systemd's load state "error" rather than "bad-setting". */
  readonly syntaxError: UnitFileProblem | null;
}

interface SectionApplier {
  handle(key: string, input: SettingInput): SettingOutcome | "unknown";
  readonly notSupported: ReadonlySet<string>;
}

function applier<D>(draft: D, table: SettingTable<D>, notSupported: ReadonlySet<string>): SectionApplier {
  return {
    handle: (key, input) => {
      const handler = table.get(key);
      return handler === undefined ? "unknown" : handler(draft, input);
    },
    notSupported,
  };
}

// Old spellings systemd still reads in [Service].
const SERVICE_KEYS_OF_UNIT = new Set(["StartLimitInterval", "StartLimitBurst"]);

/** What applying the files collects besides the drafts. */
interface BuildLog {
  readonly errors: UnitFileProblem[];
  readonly warnings: UnitFileWarning[];
  /** Where each "Section.Key" was last applied, for the final checks' messages. */
  readonly sites: Map<string, SettingSite>;
  syntaxError: UnitFileProblem | null;
  hasInstall: boolean;
}

function applySource(source: UnitSource, sections: ReadonlyMap<string, SectionApplier>, context: SpecifierContext, log: BuildLog): void {
  const file = source.path;
  for (const problem of source.syntax.problems) {
    if (problem.severity === "warning") {
      log.warnings.push({ file, line: problem.line, message: problem.message });
      continue;
    }
    const error = { file, line: problem.line, key: null, message: problem.message };
    log.syntaxError ??= error;
    log.errors.push(error);
  }
  for (const section of source.syntax.sections) {
    if (section.name.startsWith("X-")) continue;
    const applying = sections.get(section.name);
    if (applying === undefined) {
      log.warnings.push({ file, line: section.line, message: `Unknown section '${section.name}', ignoring` });
      continue;
    }
    if (section.name === "Install") log.hasInstall = true;
    for (const entry of section.entries) {
      if (entry.key.startsWith("X-")) continue;
      const site: SettingSite = { file, line: entry.line, key: entry.key };
      const input: SettingInput = {
        value: entry.value,
        site,
        context,
        expand: (text, table) => expandSpecifiers(text, context, table),
        warn: (message) => log.warnings.push({ file, line: entry.line, message }),
      };
      const target = section.name === "Service" && SERVICE_KEYS_OF_UNIT.has(entry.key) ? sections.get("Unit") : applying;
      const outcome = (target ?? applying).handle(entry.key, input);
      if (outcome === "unknown") {
        const message = applying.notSupported.has(entry.key)
          ? `${entry.key}= in [${section.name}] is not supported by steward, ignoring`
          : `Unknown key '${entry.key}' in section [${section.name}], ignoring`;
        log.warnings.push({ file, line: entry.line, message });
      } else if (outcome !== undefined) {
        log.errors.push({ file, line: entry.line, key: entry.key, message: outcome.invalid });
      } else log.sites.set(`${section.name}.${entry.key}`, site);
    }
  }
}

export function buildUnitModel(name: string, sources: readonly UnitSource[], host: SpecifierHost): UnitModelBuild {
  const type = parseUnitName(name)?.type;
  if (type !== "service" && type !== "socket") throw new RangeError(`steward builds only .service and .socket units, not ${name}`);
  const fragmentPath = sources[0]?.path ?? null;
  const context: SpecifierContext = { ...host, unitName: name, fragmentPath };
  const log: BuildLog = { errors: [], warnings: [], sites: new Map(), syntaxError: null, hasInstall: false };

  const unitDraft = defaultUnitSection();
  const installDraft = defaultInstallSection();
  const serviceDraft = defaultServiceSection();
  const socketDraft = defaultSocketSection();
  const sections = new Map<string, SectionApplier>([
    ["Unit", applier(unitDraft, UNIT_SECTION, UNIT_SECTION_NOT_SUPPORTED)],
    ["Install", applier(installDraft, INSTALL_SECTION, new Set())],
    type === "service"
      ? ["Service", applier(serviceDraft, SERVICE_SECTION, new Set([...EXEC_SETTINGS_NOT_SUPPORTED, ...SERVICE_SECTION_NOT_SUPPORTED]))]
      : ["Socket", applier(socketDraft, SOCKET_SECTION, SOCKET_SECTION_NOT_SUPPORTED)],
  ]);
  for (const source of sources) applySource(source, sections, context, log);

  const siteOf = (section: string): SiteLookup => (key) => log.sites.get(`${section}.${key}`) ?? null;
  // Findings of the final checks without a site of their own are blamed on the fragment.
  const collect = <T>(check: SectionCheck<T>): T => {
    const place = (finding: CheckFinding) => ({ file: finding.site?.file ?? fragmentPath ?? name, line: finding.site?.line ?? null });
    for (const finding of check.errors) log.errors.push({ ...place(finding), key: finding.key, message: finding.message });
    for (const finding of check.warnings) log.warnings.push({ ...place(finding), message: finding.message });
    return check.section;
  };
  const base = { name, unit: unitDraft, install: log.hasInstall ? installDraft : null };
  const model: UnitModel =
    type === "service"
      ? { ...base, kind: "service", service: collect(finishServiceSection(serviceDraft, siteOf("Service"))) }
      : { ...base, kind: "socket", socket: collect(finishSocketSection(socketDraft, name, siteOf("Socket"))) };
  return { model, errors: log.errors, warnings: log.warnings, syntaxError: log.syntaxError };
}
