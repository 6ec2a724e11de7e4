// Whether a service that reached its end restarts (systemd's service_shall_restart,
// protocols.md §4.4): a manual stop never, then RestartPreventExitStatus=, then
// RestartForceExitStatus=, then Restart= by the result.
import type { ServiceSection } from "../units/service-section.js";
import { endListed } from "./service-result.js";
import type { MainExit, ServiceResult } from "./service-state.js";

type RestartSettings = Pick<ServiceSection, "type" | "restart" | "restartPreventExitStatus" | "restartForceExitStatus">;

export interface RestartDecision {
  readonly restart: boolean;
  readonly reason: string;
}

export function shallRestart(settings: RestartSettings, result: ServiceResult, mainExit: MainExit | null): RestartDecision {
  const end = mainExit?.end ?? null;
  if (endListed(settings.restartPreventExitStatus, end)) return { restart: false, reason: "prevented by exit status" };
  if (endListed(settings.restartForceExitStatus, end)) {
    // A oneshot service never restarts on success (Restart=always/on-success are refused for it too).
    if (settings.type === "oneshot" && result === "success") return { restart: false, reason: "service type and exit status" };
    return { restart: true, reason: "forced by exit status" };
  }
  return { restart: restartPolicyAllows(settings.restart, result), reason: "restart setting" };
}

/** The Restart= table: which results each value restarts on. A skip (exec-condition) never restarts. */
export function restartPolicyAllows(policy: ServiceSection["restart"], result: ServiceResult): boolean {
  switch (policy) {
    case "no":
      return false;
    case "always":
      return result !== "exec-condition";
    case "on-success":
      return result === "success";
    case "on-failure":
      return result !== "success" && result !== "exec-condition";
    case "on-abnormal":
      return result !== "success" && result !== "exit-code" && result !== "exec-condition";
    case "on-watchdog":
      return result === "watchdog";
    case "on-abort":
      return result === "signal" || result === "core-dump";
  }
}
