// How a section's settings are described: a table from key to a handler that applies one
// assignment to a draft of the section, and the problems that come out of it.
import type { Expansion, SpecifierContext, SpecifierTable } from "./specifiers.js";

/** A setting that could not be applied. It marks the unit bad-setting. */
export interface UnitFileProblem {
  readonly file: string;
  readonly line: number | null;
  readonly key: string | null;
  readonly message: string;
}

/** Something systemd would log and then ignore: the unit still loads. */
export interface UnitFileWarning {
  readonly file: string;
  readonly line: number | null;
  readonly message: string;
}

/** Where an assignment was written. */
export interface SettingSite {
  readonly file: string;
  readonly line: number;
  readonly key: string;
}

/** One assignment as a handler sees it. */
export interface SettingInput {
  readonly value: string;
  readonly site: SettingSite;
  /** The unit's name and the host facts its specifiers expand to. */
  readonly context: SpecifierContext;
  /** Expands "%" specifiers with the unit's context. */
  expand(text: string, table?: SpecifierTable): Expansion;
  warn(message: string): void;
}

export interface InvalidSetting {
  readonly invalid: string;
}

export type SettingOutcome = InvalidSetting | undefined;

export type SettingHandler<D> = (draft: D, input: SettingInput) => SettingOutcome;

export type SettingTable<D> = ReadonlyMap<string, SettingHandler<D>>;

export function invalid(message: string): InvalidSetting {
  return { invalid: message };
}

export function settingTable<D>(handlers: Readonly<Record<string, SettingHandler<D>>>): SettingTable<D> {
  return new Map(Object.entries(handlers));
}

/** Lets a table written for a part of a draft (say, its kill settings) serve the whole draft. */
export function liftTable<Outer, Inner>(table: SettingTable<Inner>, part: (draft: Outer) => Inner): SettingTable<Outer> {
  const lifted = new Map<string, SettingHandler<Outer>>();
  for (const [key, handler] of table) lifted.set(key, (draft, input) => handler(part(draft), input));
  return lifted;
}

export function mergeTables<D>(...tables: readonly SettingTable<D>[]): SettingTable<D> {
  const merged = new Map<string, SettingHandler<D>>();
  for (const table of tables) for (const [key, handler] of table) merged.set(key, handler);
  return merged;
}

/** Mutable twin of a model type, for drafts built up one assignment at a time. */
export type Draft<T> = { -readonly [K in keyof T]: T[K] };
