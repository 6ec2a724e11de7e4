// The status --json and list --json contracts (DESIGN.md), built from what the
// manager knows of a unit: its loaded definition, its runner, its log.
import { apiResult } from "../core/service-result.js";
import { activeState, controlPidOf, mainPidOf, subState } from "../core/service-state.js";
import type { ListEntry, UnitStatus } from "../api/types.js";
import { describeProcessEnd } from "../protocol/exit-status.js";
import type { LoadedUnit } from "../units/loader.js";
import { wallClockAt } from "./clock.js";
import type { LogStore } from "./logs/index.js";
import type { Degradation } from "./host-probe.js";
import type { ProcessTable } from "./process-table.js";
import { ServiceRunner } from "./service-runner.js";
import { describeListeners, socketActiveState, socketSubState } from "../core/socket-state.js";
import type { SocketRunner } from "./socket-runner.js";

export const STATUS_LOG_LINES = 10;

function iso(usec: number | null): string | null {
  return usec === null ? null : wallClockAt(usec).toISOString();
}

export function listEntry(loaded: LoadedUnit, unitRunner: ServiceRunner | SocketRunner | null): ListEntry {
  const runner = unitRunner instanceof ServiceRunner ? unitRunner : null;
  const state = runner?.snapshot.state ?? { kind: "dead" as const };
  const socketState = unitRunner !== null && !(unitRunner instanceof ServiceRunner) ? unitRunner.snapshot.state : null;
  return {
    name: loaded.name,
    load: loaded.load,
    active: socketState ? socketActiveState(socketState) : activeState(state),
    sub: socketState ? socketSubState(socketState) : subState(state),
    description: loaded.model?.unit.description ?? null,
  };
}

export function unitStatus(loaded: LoadedUnit, unitRunner: ServiceRunner | SocketRunner | null, log: LogStore, needsRestart: boolean, processes: ProcessTable, degraded: readonly Degradation[] = []): UnitStatus {
  const runner = unitRunner instanceof ServiceRunner ? unitRunner : null;
  const snapshot = runner?.snapshot;
  const state = snapshot?.state ?? { kind: "dead" as const };
  const runtime = snapshot?.runtime;
  const mainExit = runtime?.mainExit ?? null;
  return {
    ...listEntry(loaded, unitRunner),
    mainPid: mainPidOf(state),
    controlPid: controlPidOf(state),
    statusText: runtime?.statusText ?? null,
    errno: runtime?.errno ?? null,
    // A unit that never ran has no result yet.
    result: runtime && runtime.invocation > 0 ? apiResult(runtime.result) : null,
    restarts: runtime?.restarts ?? 0,
    readySince: iso(runtime?.readySince ?? null),
    activeSince: iso(runner?.facts.activeSince ?? null),
    notifyVariables: { ...runner?.facts.notifyVariables },
    tracking: processes.tracking,
    degraded: degraded.map((d) => ({ feature: d.feature, message: d.message })),
    // An overlapped restart's instance is tracked under a key of its own.
    ...usage(unitRunner && "trackingKey" in unitRunner ? unitRunner.trackingKey : loaded.name, processes),
    fdStore: runner?.describeFdStore() ?? [],
    listen: loaded.model?.kind === "socket" ? describeListeners(loaded.model.socket) : null,
    loadError: loaded.loadError
      ? { file: loaded.loadError.file, line: loaded.loadError.line, key: loaded.loadError.key, message: loaded.loadError.message }
      : null,
    needsRestart,
    fragmentPath: loaded.fragmentPath,
    mainExit: mainExit?.end ? describeProcessEnd(mainExit.end) : null,
    recentLogs: log.recent(STATUS_LOG_LINES).map((r) => ({ unit: loaded.name, time: r.time, stream: r.stream, text: r.text })),
  };
}

function usage(unit: string, processes: ProcessTable): { cpuUsageUsec: number | null; memoryBytes: number | null } {
  const figures = processes.cgroups?.usage(unit);
  return { cpuUsageUsec: figures?.cpuUsec ?? null, memoryBytes: figures?.memoryBytes ?? null };
}
