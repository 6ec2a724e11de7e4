// The [Service] section (systemd.service(5)): what runs, how readiness is known, when to
// restart, and the timeouts. Defaults are systemd's, written in defaultServiceSection().
import { constants } from "node:os";
import { parseExecLine } from "./exec-line.js";
import type { ExecCommand } from "./exec-line.js";
import { defaultExecSettings, EXEC_SETTINGS } from "./exec-settings.js";
import type { ExecSettings } from "./exec-settings.js";
import { defaultKillSettings, KILL_SETTINGS } from "./kill-settings.js";
import type { KillSettings, KillSettingsDraft } from "./kill-settings.js";
import { splitWords } from "./quoted-words.js";
import {
  booleanSetting,
  emptyExitStatusSet,
  enumSetting,
  exitStatusSetting,
  normalizeAbsolutePath,
  parseBoolean,
  signalSetting,
  timeSetting,
  unsignedSetting,
} from "./setting-kinds.js";
import type { ExitStatusSet } from "../protocol/exit-status.js";
import { invalid, liftTable, mergeTables, settingTable } from "./setting-table.js";
import type { Draft, SettingHandler, SettingTable } from "./setting-table.js";
import { parseUnitName } from "./unit-name.js";

/** systemd's types, less dbus and idle, plus steward's "stop": ready when the main process SIGSTOPs itself (upstart's `expect stop`). */
export const SERVICE_TYPES = ["simple", "exec", "forking", "oneshot", "notify", "notify-reload", "stop"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const RESTART_POLICIES = ["no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export const NOTIFY_ACCESS = ["none", "main", "exec", "all"] as const;
export type NotifyAccess = (typeof NOTIFY_ACCESS)[number];

export const TIMEOUT_FAILURE_MODES = ["terminate", "abort", "kill"] as const;
export type TimeoutFailureMode = (typeof TIMEOUT_FAILURE_MODES)[number];

export const OOM_POLICIES = ["continue", "stop", "kill"] as const;
export type OomPolicy = (typeof OOM_POLICIES)[number];

export const EXEC_COMMAND_KINDS = [
  "ExecCondition",
  "ExecStartPre",
  "ExecStart",
  "ExecStartPost",
  "ExecReload",
  "ExecStop",
  "ExecStopPost",
] as const;
export type ExecCommandKind = (typeof EXEC_COMMAND_KINDS)[number];

export type FdStorePreserve = "no" | "yes" | "restart";

/** Times are microseconds; Infinity means "no limit". */
export interface ServiceSection {
  readonly type: ServiceType;
  /** "main": the service ends with its main process; "cgroup": when its last process is gone. */
  readonly exitType: "main" | "cgroup";
  readonly commands: Readonly<Record<ExecCommandKind, readonly ExecCommand[]>>;
  readonly restart: RestartPolicy;
  readonly restartMode: "normal" | "direct" | "debug";
  readonly restartUsec: number;
  readonly restartSteps: number;
  readonly restartMaxDelayUsec: number;
  readonly restartPreventExitStatus: ExitStatusSet;
  readonly restartForceExitStatus: ExitStatusSet;
  readonly successExitStatus: ExitStatusSet;
  readonly timeoutStartUsec: number;
  readonly timeoutStopUsec: number;
  /** null: use timeoutStopUsec. */
  readonly timeoutAbortUsec: number | null;
  readonly timeoutStartFailureMode: TimeoutFailureMode;
  readonly timeoutStopFailureMode: TimeoutFailureMode;
  readonly runtimeMaxUsec: number;
  /** 0: no watchdog. */
  readonly watchdogUsec: number;
  /** Absolute; a relative PIDFile= is taken relative to the runtime root (%t). */
  readonly pidFile: string | null;
  readonly guessMainPid: boolean;
  readonly remainAfterExit: boolean;
  readonly notifyAccess: NotifyAccess;
  readonly reloadSignal: number;
  /** Socket units whose fds this service receives (in addition to the ones that name it). */
  readonly sockets: readonly string[];
  readonly fileDescriptorStoreMax: number;
  readonly fileDescriptorStorePreserve: FdStorePreserve;
  /** Recorded; the manager decides what it can do about OOM kills. */
  readonly oomPolicy: OomPolicy;
  readonly nonBlocking: boolean;
  readonly exec: ExecSettings;
  readonly kill: KillSettings;
}

/** Fields that are derived from others when left unset are null here until finishServiceSection(). */
export type ServiceSectionDraft = Omit<
  Draft<ServiceSection>,
  "type" | "timeoutStartUsec" | "notifyAccess" | "oomPolicy" | "commands" | "exec" | "kill"
> & {
  type: ServiceType | null;
  timeoutStartUsec: number | null;
  notifyAccess: NotifyAccess | null;
  oomPolicy: OomPolicy | null;
  commands: Record<ExecCommandKind, readonly ExecCommand[]>;
  exec: Draft<ExecSettings>;
  kill: KillSettingsDraft;
};

/** DefaultTimeoutStartSec=, DefaultTimeoutStopSec= (90s) and DefaultRestartSec= (100ms) of systemd-system.conf(5). */
export const DEFAULT_TIMEOUT_USEC = 90_000_000;
export const DEFAULT_RESTART_USEC = 100_000;
const SIGHUP = constants.signals.SIGHUP;

export function defaultServiceSection(): ServiceSectionDraft {
  return {
    type: null,
    exitType: "main",
    commands: {
      ExecCondition: [],
      ExecStartPre: [],
      ExecStart: [],
      ExecStartPost: [],
      ExecReload: [],
      ExecStop: [],
      ExecStopPost: [],
    },
    restart: "no",
    restartMode: "normal",
    restartUsec: DEFAULT_RESTART_USEC,
    restartSteps: 0,
    restartMaxDelayUsec: Infinity,
    restartPreventExitStatus: emptyExitStatusSet(),
    restartForceExitStatus: emptyExitStatusSet(),
    successExitStatus: emptyExitStatusSet(),
    timeoutStartUsec: null,
    timeoutStopUsec: DEFAULT_TIMEOUT_USEC,
    timeoutAbortUsec: null,
    timeoutStartFailureMode: "terminate",
    timeoutStopFailureMode: "terminate",
    runtimeMaxUsec: Infinity,
    watchdogUsec: 0,
    pidFile: null,
    guessMainPid: true,
    remainAfterExit: false,
    notifyAccess: null,
    reloadSignal: SIGHUP,
    sockets: [],
    fileDescriptorStoreMax: 0,
    fileDescriptorStorePreserve: "restart",
    oomPolicy: null,
    nonBlocking: false,
    exec: defaultExecSettings(),
    kill: defaultKillSettings(),
  };
}

function execCommands(kind: ExecCommandKind): SettingHandler<ServiceSectionDraft> {
  return (draft, input) => {
    if (input.value === "") {
      draft.commands[kind] = [];
      return undefined;
    }
    const parsed = parseExecLine(input.value, (word) => input.expand(word));
    for (const warning of parsed.warnings) input.warn(`${kind}=: ${warning}`);
    if (parsed.error !== null) return invalid(parsed.error);
    draft.commands[kind] = [...draft.commands[kind], ...parsed.commands];
  };
}

const serviceType: SettingHandler<ServiceSectionDraft> = (draft, input) => {
  const { value } = input;
  if (value === "idle") {
    // systemd's idle only delays the start for console output's sake.
    input.warn("Type=idle is treated as Type=simple");
    draft.type = "simple";
    return undefined;
  }
  if (value === "dbus") return invalid("Type=dbus is not supported: steward does not watch the D-Bus bus");
  return enumSetting(SERVICE_TYPES, (d: ServiceSectionDraft, type) => (d.type = type))(draft, input);
};

// systemd turns /var/run/ into /run/ with a notice, and puts a relative PID file under %t.
const pidFile: SettingHandler<ServiceSectionDraft> = (draft, input) => {
  if (input.value === "") {
    draft.pidFile = null;
    return undefined;
  }
  const expanded = input.expand(input.value);
  if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
  const absolute = expanded.value.startsWith("/") ? expanded.value : `${input.context.runtimeRoot}/${expanded.value}`;
  const normalized = normalizeAbsolutePath(absolute);
  if ("error" in normalized) return invalid(`PIDFile= ${normalized.error}`);
  let path = normalized.path;
  if (/^\/(proc|sys|dev)(\/|$)/.test(path)) return invalid(`PIDFile= path is below an API file system: ${path}`);
  if (path.startsWith("/var/run/")) {
    path = path.slice("/var".length);
    input.warn(`PIDFile= references a path below legacy directory /var/run/, updating ${normalized.path} → ${path}`);
  }
  draft.pidFile = path;
};

const sockets: SettingHandler<ServiceSectionDraft> = (draft, input) => {
  if (input.value === "") {
    draft.sockets = [];
    return undefined;
  }
  const split = splitWords(input.value);
  if ("error" in split) return invalid(`Invalid syntax: ${input.value}`);
  const names = [...draft.sockets];
  for (const word of split.words) {
    const expanded = input.expand(word, "unit-name");
    if (!expanded.ok) return invalid(`Failed to resolve unit specifiers in '${word}': ${expanded.error}`);
    if (parseUnitName(expanded.value)?.type !== "socket") return invalid(`Sockets= must name socket units: ${expanded.value}`);
    if (!names.includes(expanded.value)) names.push(expanded.value);
  }
  draft.sockets = names;
};

// "restart", or a boolean for "yes"/"no".
const fdStorePreserve: SettingHandler<ServiceSectionDraft> = (draft, { value }) => {
  if (value === "" || value === "restart") {
    draft.fileDescriptorStorePreserve = "restart";
    return undefined;
  }
  const keep = parseBoolean(value);
  if (keep === null) return invalid(`Invalid FileDescriptorStorePreserve= value '${value}' (expected no, yes or restart)`);
  draft.fileDescriptorStorePreserve = keep ? "yes" : "no";
};

const timeoutStartAndStop = timeSetting<ServiceSectionDraft>(
  (d, usec) => {
    d.timeoutStartUsec = usec;
    d.timeoutStopUsec = usec ?? DEFAULT_TIMEOUT_USEC;
  },
  { zeroMeansInfinity: true },
);

const SERVICE_OWN_SETTINGS: SettingTable<ServiceSectionDraft> = settingTable<ServiceSectionDraft>({
  Type: serviceType,
  ExitType: enumSetting(["main", "cgroup"] as const, (d, type) => (d.exitType = type ?? "main")),
  ...Object.fromEntries(EXEC_COMMAND_KINDS.map((kind) => [kind, execCommands(kind)])),
  Restart: enumSetting(RESTART_POLICIES, (d, policy) => (d.restart = policy ?? "no")),
  RestartMode: enumSetting(["normal", "direct", "debug"] as const, (d, mode) => (d.restartMode = mode ?? "normal")),
  RestartSec: timeSetting((d, usec) => (d.restartUsec = usec ?? DEFAULT_RESTART_USEC)),
  RestartSteps: unsignedSetting((d, steps) => (d.restartSteps = steps ?? 0)),
  RestartMaxDelaySec: timeSetting((d, usec) => (d.restartMaxDelayUsec = usec ?? Infinity)),
  RestartPreventExitStatus: exitStatusSetting(
    (d) => d.restartPreventExitStatus,
    (d, set) => (d.restartPreventExitStatus = set),
  ),
  RestartForceExitStatus: exitStatusSetting(
    (d) => d.restartForceExitStatus,
    (d, set) => (d.restartForceExitStatus = set),
  ),
  SuccessExitStatus: exitStatusSetting(
    (d) => d.successExitStatus,
    (d, set) => (d.successExitStatus = set),
  ),
  TimeoutSec: timeoutStartAndStop,
  TimeoutStartSec: timeSetting((d, usec) => (d.timeoutStartUsec = usec), { zeroMeansInfinity: true }),
  TimeoutStopSec: timeSetting((d, usec) => (d.timeoutStopUsec = usec ?? DEFAULT_TIMEOUT_USEC), { zeroMeansInfinity: true }),
  TimeoutAbortSec: timeSetting((d, usec) => (d.timeoutAbortUsec = usec)),
  TimeoutStartFailureMode: enumSetting(TIMEOUT_FAILURE_MODES, (d, mode) => (d.timeoutStartFailureMode = mode ?? "terminate")),
  TimeoutStopFailureMode: enumSetting(TIMEOUT_FAILURE_MODES, (d, mode) => (d.timeoutStopFailureMode = mode ?? "terminate")),
  RuntimeMaxSec: timeSetting((d, usec) => (d.runtimeMaxUsec = usec ?? Infinity)),
  WatchdogSec: timeSetting((d, usec) => (d.watchdogUsec = usec ?? 0)),
  PIDFile: pidFile,
  GuessMainPID: booleanSetting((d, on) => (d.guessMainPid = on ?? true)),
  RemainAfterExit: booleanSetting((d, on) => (d.remainAfterExit = on ?? false)),
  NotifyAccess: enumSetting(NOTIFY_ACCESS, (d, access) => (d.notifyAccess = access)),
  ReloadSignal: signalSetting((d, signal) => (d.reloadSignal = signal ?? SIGHUP)),
  Sockets: sockets,
  FileDescriptorStoreMax: unsignedSetting((d, max) => (d.fileDescriptorStoreMax = max ?? 0)),
  FileDescriptorStorePreserve: fdStorePreserve,
  OOMPolicy: enumSetting(OOM_POLICIES, (d, policy) => (d.oomPolicy = policy)),
  NonBlocking: booleanSetting((d, on) => (d.nonBlocking = on ?? false)),
});

export const SERVICE_SECTION: SettingTable<ServiceSectionDraft> = mergeTables(
  liftTable(EXEC_SETTINGS, (d: ServiceSectionDraft) => d.exec),
  liftTable(KILL_SETTINGS, (d: ServiceSectionDraft) => d.kill),
  SERVICE_OWN_SETTINGS,
);

/** [Service] keys of systemd's that steward does not act on (besides the exec ones). */
export const SERVICE_SECTION_NOT_SUPPORTED: ReadonlySet<string> = new Set([
  "BusName",
  "OpenFile",
  "RuntimeRandomizedExtraSec",
  "USBFunctionDescriptors",
  "USBFunctionStrings",
  "ExecReloadPost",
]);
