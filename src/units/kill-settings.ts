// How a unit's processes are stopped (systemd.kill(5)).
import { constants } from "node:os";
import { booleanSetting, enumSetting, signalSetting } from "./setting-kinds.js";
import { settingTable } from "./setting-table.js";
import type { Draft, SettingTable } from "./setting-table.js";

const { SIGABRT, SIGKILL, SIGTERM } = constants.signals;

export const KILL_MODES = ["control-group", "mixed", "process", "none"] as const;
export type KillMode = (typeof KILL_MODES)[number];

export interface KillSettings {
  readonly killMode: KillMode;
  /** First signal of a stop, always followed by SIGCONT. */
  readonly killSignal: number;
  /** Used instead of killSignal when the stop is part of a restart (unset: killSignal). */
  readonly restartKillSignal: number;
  /** Sent when the stop timeout runs out (if sendSigkill). */
  readonly finalKillSignal: number;
  /** Sent on watchdog timeout and in the "abort" failure modes. */
  readonly watchdogSignal: number;
  readonly sendSigkill: boolean;
  /** Also send SIGHUP right after killSignal (for shells). */
  readonly sendSighup: boolean;
}

export type KillSettingsDraft = Omit<Draft<KillSettings>, "restartKillSignal"> & { restartKillSignal: number | null };

export function defaultKillSettings(): KillSettingsDraft {
  return {
    killMode: "control-group",
    killSignal: SIGTERM,
    restartKillSignal: null,
    finalKillSignal: SIGKILL,
    watchdogSignal: SIGABRT,
    sendSigkill: true,
    sendSighup: false,
  };
}

export function finishKillSettings(draft: KillSettingsDraft): KillSettings {
  return { ...draft, restartKillSignal: draft.restartKillSignal ?? draft.killSignal };
}

export const KILL_SETTINGS: SettingTable<KillSettingsDraft> = settingTable<KillSettingsDraft>({
  KillMode: enumSetting(KILL_MODES, (d, mode) => (d.killMode = mode ?? "control-group")),
  KillSignal: signalSetting((d, signal) => (d.killSignal = signal ?? SIGTERM)),
  RestartKillSignal: signalSetting((d, signal) => (d.restartKillSignal = signal)),
  FinalKillSignal: signalSetting((d, signal) => (d.finalKillSignal = signal ?? SIGKILL)),
  WatchdogSignal: signalSetting((d, signal) => (d.watchdogSignal = signal ?? SIGABRT)),
  SendSIGKILL: booleanSetting((d, send) => (d.sendSigkill = send ?? true)),
  SendSIGHUP: booleanSetting((d, send) => (d.sendSighup = send ?? false)),
});
