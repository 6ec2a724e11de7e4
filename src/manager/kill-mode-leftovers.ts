// KillMode=process and KillMode=none leave processes of a service running after it
// stopped. systemd says so: KillMode=none draws a warning that it is unsafe, and every
// process that outlives its unit's stop is named ("Unit process PID (comm) remains
// running after unit stopped."). steward does the same, in the unit's log: such a
// process is no longer stopped by anyone, and a container's PID 1 reaps it only when it
// ends by itself (or everything ends with the container).
import { readFileSync } from "node:fs";
import type { KillMode } from "../units/kill-settings.js";
import { procIsOurs } from "./proc.js";
import type { ProcessTable } from "./process-table.js";

function commandName(pid: number): string | null {
  if (!procIsOurs()) return null;
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

export class KillModeLeftovers {
  readonly #warnedNone = new Set<string>();

  /** Once per unit and manager: what KillMode=none means, when the unit first starts. */
  starting(killMode: KillMode, say: (line: string) => void, unit: string): void {
    if (killMode !== "none" || this.#warnedNone.has(unit)) return;
    this.#warnedNone.add(unit);
    say(
      "Unit configured to use KillMode=none: steward will not stop any of its processes, not even the main one; " +
        "they outlive every stop and restart. Use KillMode=mixed or control-group to have them stopped.",
    );
  }

  /** After a stop: names each process of the unit still running (KillMode=process or none). */
  stopped(killMode: KillMode, unit: string, processes: ProcessTable, say: (line: string) => void): number[] {
    if (killMode !== "process" && killMode !== "none") return [];
    const survivors = processes.membersOf(unit);
    for (const pid of survivors) {
      const comm = commandName(pid);
      say(`Unit process ${pid}${comm ? ` (${comm})` : ""} remains running after unit stopped (KillMode=${killMode}).`);
    }
    return survivors;
  }
}
