// `steward status` for people: systemctl's shape, one block per unit.
import type { ActiveState, ListEntry, UnitStatus } from "../api/types.js";
import type { styler} from "./style.js";
import { alignColumns, visibleLength } from "./style.js";

type Style = ReturnType<typeof styler>;

function activeColour(active: ActiveState): "green" | "red" | "yellow" | "gray" {
  switch (active) {
    case "active":
    case "reloading":
      return "green";
    case "failed":
      return "red";
    case "activating":
    case "deactivating":
      return "yellow";
    case "inactive":
      return "gray";
  }
}

function since(iso: string | null, now: Date): string {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  const ago = seconds < 60 ? `${seconds}s` : seconds < 3600 ? `${Math.floor(seconds / 60)}min ${seconds % 60}s` : `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}min`;
  return ` since ${new Date(iso).toISOString()}; ${ago} ago`;
}

export function formatStatus(units: readonly UnitStatus[], style: Style, now = new Date()): string {
  // The same for every unit: said once, above them.
  const degraded = (units[0]?.degraded ?? []).map((d) => style("yellow", `steward is degraded: ${d.message}`) + "\n").join("");
  return (degraded ? `${degraded}\n` : "") + units.map((unit) => formatOne(unit, style, now)).join("\n");
}

function formatOne(unit: UnitStatus, style: Style, now: Date): string {
  const dot = style(activeColour(unit.active), "●");
  const lines = [`${dot} ${unit.name}${unit.description ? ` - ${unit.description}` : ""}`];
  const field = (label: string, value: string) => lines.push(`${label.padStart(11)}: ${value}`);
  field("Loaded", `${unit.load}${unit.fragmentPath ? ` (${unit.fragmentPath})` : ""}`);
  if (unit.loadError) {
    const where = `${unit.loadError.file}${unit.loadError.line !== null ? `:${unit.loadError.line}` : ""}`;
    field("Error", style("red", `${where}: ${unit.loadError.key ? `${unit.loadError.key}=: ` : ""}${unit.loadError.message}`));
  }
  if (unit.needsRestart) field("Warning", style("yellow", "the unit file changed on disk; restart to apply it"));
  const activeText = `${unit.active} (${unit.sub})`;
  field("Active", `${style(activeColour(unit.active), activeText)}${since(unit.activeSince, now)}${unit.result && unit.result !== "success" ? ` (Result: ${unit.result})` : ""}`);
  if (unit.mainPid !== null) field("Main PID", String(unit.mainPid));
  else if (unit.mainExit) field("Main PID", `(${unit.mainExit})`);
  if (unit.controlPid !== null) field("Control PID", String(unit.controlPid));
  if (unit.statusText) field("Status", JSON.stringify(unit.statusText));
  if (unit.errno !== null) field("Error", `errno ${unit.errno}`);
  if (unit.restarts > 0) field("Restarts", String(unit.restarts));
  if (unit.listen) for (const l of unit.listen) field("Listen", `${l.address} (${l.kind})`);
  if (unit.fdStore.length > 0) field("FD Store", unit.fdStore.map((f) => `${f.name} (${f.kind})`).join(", "));
  field("Tracking", unit.tracking === "tree" ? "process tree (no cgroup)" : "cgroup");
  if (unit.cpuUsageUsec !== null) field("CPU", `${(unit.cpuUsageUsec / 1e6).toFixed(3)}s`);
  if (unit.memoryBytes !== null) field("Memory", `${(unit.memoryBytes / 1048576).toFixed(1)}M`);
  if (unit.recentLogs.length > 0) {
    lines.push("");
    for (const line of unit.recentLogs) lines.push(`${style("gray", line.time)} ${line.stream === "steward" ? style("cyan", line.text) : line.text}`);
  }
  return lines.join("\n") + "\n";
}

export function formatList(entries: readonly ListEntry[], style: Style): string {
  const rows = [["UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION"].map((h) => style("bold", h))];
  for (const e of entries) {
    rows.push([e.name, e.load, style(activeColour(e.active), e.active), e.sub, e.description ?? ""]);
  }
  return alignColumns(rows, visibleLength).join("\n") + `\n\n${entries.length} units listed.\n`;
}
