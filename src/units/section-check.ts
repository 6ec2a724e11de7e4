// What a section's final checks report: problems tied to a key, and to where that key was
// last written when it was written at all.
import type { SettingSite } from "./setting-table.js";

export interface CheckFinding {
  readonly key: string | null;
  readonly message: string;
  readonly site: SettingSite | null;
}

export interface SectionCheck<T> {
  readonly section: T;
  readonly errors: readonly CheckFinding[];
  readonly warnings: readonly CheckFinding[];
}

/** Where a key of this section was last assigned, if anywhere. */
export type SiteLookup = (key: string) => SettingSite | null;

export class FindingList {
  readonly errors: CheckFinding[] = [];
  readonly warnings: CheckFinding[] = [];

  constructor(private readonly siteOf: SiteLookup) {}

  error(key: string | null, message: string): void {
    this.errors.push({ key, message, site: key === null ? null : this.siteOf(key) });
  }

  warn(key: string | null, message: string): void {
    this.warnings.push({ key, message, site: key === null ? null : this.siteOf(key) });
  }
}
