// Turning a [Service] draft into the final section: the values systemd derives when a unit
// leaves them unset (service_add_extras), then the combinations it refuses (service_verify).
import { finishExecSettings } from "./exec-settings.js";
import { finishKillSettings } from "./kill-settings.js";
import { FindingList } from "./section-check.js";
import type { SectionCheck, SiteLookup } from "./section-check.js";
import { DEFAULT_TIMEOUT_USEC } from "./service-section.js";
import type { NotifyAccess, ServiceSection, ServiceSectionDraft, ServiceType } from "./service-section.js";

function deriveType(draft: ServiceSectionDraft): ServiceType {
  if (draft.type !== null) return draft.type;
  return draft.commands.ExecStart.length > 0 ? "simple" : "oneshot";
}

// protocols.md §1.6: notify types, a watchdog or an fd store need the notify socket, so
// NotifyAccess= unset or none becomes main.
function deriveNotifyAccess(draft: ServiceSectionDraft, type: ServiceType): NotifyAccess {
  const access = draft.notifyAccess ?? "none";
  const needsNotify =
    type === "notify" || type === "notify-reload" || draft.watchdogUsec > 0 || draft.fileDescriptorStoreMax > 0;
  return access === "none" && needsNotify ? "main" : access;
}

export function finishServiceSection(draft: ServiceSectionDraft, siteOf: SiteLookup): SectionCheck<ServiceSection> {
  const findings = new FindingList(siteOf);
  const type = deriveType(draft);
  const { ExecStart: execStart, ExecStop: execStop } = draft.commands;

  let restartUsec = draft.restartUsec;
  if (draft.restartMaxDelayUsec === Infinity && draft.restartSteps > 0) {
    findings.warn("RestartSteps", "Service has RestartSteps= but no RestartMaxDelaySec= setting, ignoring");
  }
  if (draft.restartMaxDelayUsec !== Infinity && draft.restartSteps === 0) {
    findings.warn("RestartMaxDelaySec", "Service has RestartMaxDelaySec= but no RestartSteps= setting, ignoring");
  }
  if (draft.restartMaxDelayUsec < restartUsec) {
    findings.warn("RestartMaxDelaySec", "RestartMaxDelaySec= is smaller than RestartSec=, lowering RestartSec= to it");
    restartUsec = draft.restartMaxDelayUsec;
  }
  if (draft.runtimeMaxUsec !== Infinity && type === "oneshot") {
    findings.warn("RuntimeMaxSec", "RuntimeMaxSec= has no effect with Type=oneshot, ignoring");
  }

  if (execStart.length === 0 && execStop.length === 0) {
    findings.error("ExecStart", "Service has no ExecStart= and no ExecStop= setting. Refusing.");
  } else if (type !== "oneshot" && execStart.length === 0) {
    findings.error("Type", `Service has no ExecStart= setting, which is only allowed for Type=oneshot services (Type=${type}). Refusing.`);
  } else if (!draft.remainAfterExit && execStart.length === 0) {
    findings.error("ExecStart", "Service has no ExecStart= setting and does not have RemainAfterExit=yes. Refusing.");
  }
  if (type !== "oneshot" && execStart.length > 1) {
    findings.error("ExecStart", `Service has more than one ExecStart= command, which is only allowed for Type=oneshot services (Type=${type}). Refusing.`);
  }
  if (type === "oneshot" && (draft.restart === "always" || draft.restart === "on-success")) {
    findings.error("Restart", `Restart=${draft.restart} is not allowed for Type=oneshot services. Refusing.`);
  }
  if (type === "oneshot" && draft.exitType === "cgroup") {
    findings.error("ExitType", "ExitType=cgroup is not allowed for Type=oneshot services. Refusing.");
  }

  const section: ServiceSection = {
    ...draft,
    type,
    restartUsec,
    // systemd: a oneshot service has no start timeout unless one is set.
    timeoutStartUsec: draft.timeoutStartUsec ?? (type === "oneshot" ? Infinity : DEFAULT_TIMEOUT_USEC),
    notifyAccess: deriveNotifyAccess(draft, type),
    // DefaultOOMPolicy=stop (systemd-system.conf(5)).
    oomPolicy: draft.oomPolicy ?? "stop",
    commands: { ...draft.commands },
    exec: finishExecSettings(draft.exec),
    kill: finishKillSettings(draft.kill),
  };
  return { section, errors: findings.errors, warnings: findings.warnings };
}
