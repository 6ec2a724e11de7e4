// The [Socket] section (systemd.socket(5); protocols.md §2.3): what to listen on, and how the
// listeners are handed to the service.
import { FindingList } from "./section-check.js";
import type { SectionCheck, SiteLookup } from "./section-check.js";
import {
  booleanSetting,
  enumSetting,
  isValidFdName,
  isValidUserOrGroupName,
  modeSetting,
  normalizeAbsolutePath,
  timeSetting,
  unsignedSetting,
} from "./setting-kinds.js";
import { invalid, settingTable } from "./setting-table.js";
import type { Draft, SettingHandler, SettingInput, SettingTable } from "./setting-table.js";
import { parseListenAddress } from "./socket-address.js";
import type { Listener, ListenSocketKind } from "./socket-address.js";
import { changeUnitType, parseUnitName } from "./unit-name.js";

export const BIND_IPV6_ONLY = ["default", "both", "ipv6-only"] as const;
export type BindIpv6Only = (typeof BIND_IPV6_ONLY)[number];

/** Times are microseconds. */
export interface SocketSection {
  /** In the order written; all of them are passed to the service, as fds 3, 4, ... */
  readonly listen: readonly Listener[];
  /** Accept=yes: one service instance per connection, which gets only that connection. */
  readonly accept: boolean;
  /** The service to activate: Service=, else this socket's name as .service (a template "name@.service" with Accept=yes). */
  readonly service: string;
  /** LISTEN_FDNAMES entry: FileDescriptorName=, else the socket unit's name ("connection" with Accept=yes). */
  readonly fileDescriptorName: string;
  /** listen() backlog; the kernel caps it at net.core.somaxconn. */
  readonly backlog: number;
  readonly socketMode: number;
  readonly directoryMode: number;
  readonly socketUser: string | null;
  readonly socketGroup: string | null;
  readonly reusePort: boolean;
  readonly bindIpv6Only: BindIpv6Only;
  readonly removeOnStop: boolean;
  readonly maxConnections: number;
  /** 0: no per-source limit. */
  readonly maxConnectionsPerSource: number;
  readonly passCredentials: boolean;
  readonly flushPending: boolean;
  readonly triggerLimitIntervalUsec: number;
  readonly triggerLimitBurst: number;
  readonly timeoutUsec: number;
}

export type SocketSectionDraft = Omit<
  Draft<SocketSection>,
  "service" | "fileDescriptorName" | "triggerLimitIntervalUsec" | "triggerLimitBurst"
> & {
  service: string | null;
  fileDescriptorName: string | null;
  triggerLimitIntervalUsec: number | null;
  triggerLimitBurst: number | null;
};

/** v257 listens with SOMAXCONN_DELUXE (INT_MAX-ish, capped by the kernel). */
const DEFAULT_BACKLOG = 4294967295;
const DEFAULT_TIMEOUT_USEC = 90_000_000;

export function defaultSocketSection(): SocketSectionDraft {
  return {
    listen: [],
    accept: false,
    service: null,
    fileDescriptorName: null,
    backlog: DEFAULT_BACKLOG,
    socketMode: 0o666,
    directoryMode: 0o755,
    socketUser: null,
    socketGroup: null,
    reusePort: false,
    bindIpv6Only: "default",
    removeOnStop: false,
    maxConnections: 64,
    maxConnectionsPerSource: 0,
    passCredentials: false,
    flushPending: false,
    triggerLimitIntervalUsec: null,
    triggerLimitBurst: null,
    timeoutUsec: DEFAULT_TIMEOUT_USEC,
  };
}

// systemd rewrites the legacy /var/run/ to /run/ and says so.
function withoutVarRun(path: string, input: SettingInput): string {
  if (!path.startsWith("/var/run/")) return path;
  const patched = path.slice("/var".length);
  input.warn(`${input.site.key}= references a path below legacy directory /var/run/, updating ${path} → ${patched}`);
  return patched;
}

function listenSocket(kind: ListenSocketKind): SettingHandler<SocketSectionDraft> {
  return (draft, input) => {
    if (input.value === "") {
      // Any Listen*= assignment that is empty drops every listener written before it.
      draft.listen = [];
      return undefined;
    }
    const expanded = input.expand(input.value);
    if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
    const text = expanded.value.startsWith("/") ? withoutVarRun(expanded.value, input) : expanded.value;
    const address = parseListenAddress(text);
    if ("error" in address) return invalid(address.error);
    if (kind === "sequential-packet" && address.family === "inet") {
      return invalid(`ListenSequentialPacket= needs an AF_UNIX address: ${text}`);
    }
    draft.listen = [...draft.listen, { kind, address }];
  };
}

const listenFifo: SettingHandler<SocketSectionDraft> = (draft, input) => {
  if (input.value === "") {
    draft.listen = [];
    return undefined;
  }
  const expanded = input.expand(input.value);
  if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
  const normalized = normalizeAbsolutePath(expanded.value);
  if ("error" in normalized) return invalid(`ListenFIFO= ${normalized.error}`);
  if (/^\/(proc|sys|dev)(\/|$)/.test(normalized.path)) return invalid(`ListenFIFO= path is below an API file system: ${normalized.path}`);
  draft.listen = [...draft.listen, { kind: "fifo", path: withoutVarRun(normalized.path, input) }];
};

const service: SettingHandler<SocketSectionDraft> = (draft, input) => {
  if (input.value === "") {
    draft.service = null;
    return undefined;
  }
  const expanded = input.expand(input.value, "unit-name");
  if (!expanded.ok) return invalid(`Failed to resolve unit specifiers in '${input.value}': ${expanded.error}`);
  const name = parseUnitName(expanded.value);
  if (name?.type !== "service" || name.form === "template") return invalid(`Service= must name a service unit: ${expanded.value}`);
  draft.service = expanded.value;
};

const fileDescriptorName: SettingHandler<SocketSectionDraft> = (draft, input) => {
  if (input.value === "") {
    draft.fileDescriptorName = null;
    return undefined;
  }
  const expanded = input.expand(input.value);
  if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
  if (!isValidFdName(expanded.value)) return invalid(`Invalid file descriptor name: ${expanded.value}`);
  draft.fileDescriptorName = expanded.value;
};

function owner(assign: (draft: SocketSectionDraft, name: string | null) => void): SettingHandler<SocketSectionDraft> {
  return (draft, input) => {
    if (input.value === "") {
      assign(draft, null);
      return undefined;
    }
    const expanded = input.expand(input.value);
    if (!expanded.ok) return invalid(`Failed to resolve specifiers in '${input.value}': ${expanded.error}`);
    if (!isValidUserOrGroupName(expanded.value)) return invalid(`Invalid user/group name or numeric ID: ${expanded.value}`);
    assign(draft, expanded.value);
  };
}

export const SOCKET_SECTION: SettingTable<SocketSectionDraft> = settingTable<SocketSectionDraft>({
  ListenStream: listenSocket("stream"),
  ListenDatagram: listenSocket("datagram"),
  ListenSequentialPacket: listenSocket("sequential-packet"),
  ListenFIFO: listenFifo,
  Accept: booleanSetting((d, on) => (d.accept = on ?? false)),
  Service: service,
  FileDescriptorName: fileDescriptorName,
  Backlog: unsignedSetting((d, backlog) => (d.backlog = backlog ?? DEFAULT_BACKLOG)),
  SocketMode: modeSetting((d, mode) => (d.socketMode = mode ?? 0o666)),
  DirectoryMode: modeSetting((d, mode) => (d.directoryMode = mode ?? 0o755)),
  SocketUser: owner((d, name) => (d.socketUser = name)),
  SocketGroup: owner((d, name) => (d.socketGroup = name)),
  ReusePort: booleanSetting((d, on) => (d.reusePort = on ?? false)),
  BindIPv6Only: enumSetting(BIND_IPV6_ONLY, (d, mode) => (d.bindIpv6Only = mode ?? "default")),
  RemoveOnStop: booleanSetting((d, on) => (d.removeOnStop = on ?? false)),
  MaxConnections: unsignedSetting((d, max) => (d.maxConnections = max ?? 64)),
  MaxConnectionsPerSource: unsignedSetting((d, max) => (d.maxConnectionsPerSource = max ?? 0)),
  PassCredentials: booleanSetting((d, on) => (d.passCredentials = on ?? false)),
  FlushPending: booleanSetting((d, on) => (d.flushPending = on ?? false)),
  TriggerLimitIntervalSec: timeSetting((d, usec) => (d.triggerLimitIntervalUsec = usec)),
  TriggerLimitBurst: unsignedSetting((d, burst) => (d.triggerLimitBurst = burst)),
  TimeoutSec: timeSetting((d, usec) => (d.timeoutUsec = usec ?? DEFAULT_TIMEOUT_USEC), { zeroMeansInfinity: true }),
});

function serviceFor(socketName: string, accept: boolean): string {
  const parsed = parseUnitName(socketName);
  if (accept && parsed !== null) return `${parsed.prefix}@.service`;
  return changeUnitType(socketName, "service") ?? socketName;
}

/** Derived defaults (socket_add_extras) and the combinations systemd refuses (socket_verify). */
export function finishSocketSection(draft: SocketSectionDraft, socketName: string, siteOf: SiteLookup): SectionCheck<SocketSection> {
  const findings = new FindingList(siteOf);
  if (draft.listen.length === 0) {
    findings.error(null, "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing.");
  }
  if (draft.maxConnections === 0) findings.error("MaxConnections", "MaxConnections= setting too small. Refusing.");
  if (draft.accept && draft.listen.some((listener) => listener.kind === "fifo" || listener.kind === "datagram")) {
    findings.error("Accept", "Unit configured for accepting sockets, but sockets are non-accepting. Refusing.");
  }
  if (draft.accept && draft.service !== null) {
    findings.error("Service", "Explicit service configuration for accepting socket units not supported. Refusing.");
  }
  const section: SocketSection = {
    ...draft,
    service: draft.service ?? serviceFor(socketName, draft.accept),
    fileDescriptorName: draft.fileDescriptorName ?? (draft.accept ? "connection" : socketName),
    // TriggerLimitIntervalSec= 2s, TriggerLimitBurst= 20 (200 with Accept=yes).
    triggerLimitIntervalUsec: draft.triggerLimitIntervalUsec ?? 2_000_000,
    triggerLimitBurst: draft.triggerLimitBurst ?? (draft.accept ? 200 : 20),
  };
  return { section, errors: findings.errors, warnings: findings.warnings };
}

/** [Socket] keys systemd knows that steward does not act on. */
export const SOCKET_SECTION_NOT_SUPPORTED: ReadonlySet<string> = new Set([
  "ListenNetlink",
  "ListenSpecial",
  "ListenMessageQueue",
  "ListenUSBFunction",
  "SocketProtocol",
  "BindToDevice",
  "Symlinks",
  "Writable",
  "KeepAlive",
  "KeepAliveTimeSec",
  "KeepAliveIntervalSec",
  "KeepAliveProbes",
  "NoDelay",
  "Priority",
  "DeferAcceptSec",
  "ReceiveBuffer",
  "SendBuffer",
  "IPTOS",
  "IPTTL",
  "Mark",
  "FreeBind",
  "Transparent",
  "Broadcast",
  "PassSecurity",
  "PassPacketInfo",
  "Timestamping",
  "TCPCongestion",
  "PipeSize",
  "MessageQueueMaxMessages",
  "MessageQueueMessageSize",
  "ExecStartPre",
  "ExecStartPost",
  "ExecStopPre",
  "ExecStopPost",
  "PollLimitIntervalSec",
  "PollLimitBurst",
  "PassFileDescriptorsToExec",
]);
