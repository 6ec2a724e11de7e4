// A service's file descriptor store (protocols.md §3; systemd's service.c service_add_fd_store,
// service_remove_fd_store, on_fd_store_io, service_release_fd_store, service_collect_fds) as a
// plain value, and the fds a service is handed at start (sockets, then the store).
//
// Functions (each returns the new store and what the manager must do, in this order: unwatch,
// close, watch; and the log lines):
//   addToStore(store, {fds, name, poll}, max)   FDSTORE=1 (+ FDNAME=, FDPOLL=0)
//   removeFromStore(store, name)                 FDSTOREREMOVE=1 + FDNAME=
//   hangUp(store, fd, error?)                    POLLHUP/POLLERR on a watched stored fd
//   releaseStore(store, preserve, reason)        FileDescriptorStorePreserve= at the moments
//                                                systemd releases the store
//   collectFds(sockets, store, socketsOrder?)    the fds passed at exec and their LISTEN_* env
//   describeStoredFd(facts)                      "tcp-listener 0.0.0.0:8080", "pipe", ... for status
//
// Ownership: every fd handed to addToStore is, from then on, either in the store or in exactly
// one closeFds list — never both, never twice (the fast-check property in
// test/core/fd-store.test.ts). The store holds the manager's copies; the service gets dups.
//
// Decisions:
// - Identity: the manager computes, for every fd pushed, a key such that two fds have equal keys
//   exactly when systemd's same_fd() calls them the same (same open file description: kcmp
//   KCMP_FILE, or an equal inode where kcmp is unavailable). A pushed fd whose key is already in
//   the store — including one pushed earlier in the same message — is closed, not stored twice.
// - As systemd, the limit is checked before de-duplication: once the store holds
//   FileDescriptorStoreMax= entries, every remaining fd of the message is closed with one warning
//   (also when the max is 0: the store is off, the sender still sees success).
// - Stored fds are passed in insertion order, oldest first. systemd prepends (newest first) and
//   documents the order as arbitrary — its order even flips over a daemon-reexec — so no
//   service can rely on it; insertion order is the predictable choice.
// - Sockets are passed before stored fds; within a socket unit in Listen*= order; between socket
//   units (systemd: hash order, "unspecified") in the order of the service's Sockets=, then the
//   others by unit name.
// - FDPOLL=0 entries are never watched, so a hang-up reported for one is ignored. A watched fd
//   that cannot be polled (epoll says EPERM: regular files, memfds) is just not watched by the
//   manager; it stays in the store with poll true and never hangs up.
import { FD_NAME_STORED, isValidFdName, listenEnv } from "../protocol/listen-env.js";
import type { FdInspection } from "../sys/sockets.js";
import type { FdStorePreserve } from "../units/service-section.js";
import type { LogLevel } from "./service-state.js";

export interface StoredFd {
  /** The manager's copy. */
  readonly fd: number;
  /** FDNAME=, or "stored"; names need not be unique. */
  readonly name: string;
  /** Equal for fds systemd's same_fd() calls the same (see the header). */
  readonly identity: string;
  /** Watched for POLLHUP/POLLERR (FDPOLL=0 turns it off). */
  readonly poll: boolean;
}

export interface FdStore {
  /** In insertion order, oldest first. */
  readonly entries: readonly StoredFd[];
}

export const EMPTY_FD_STORE: FdStore = { entries: [] };

export interface FdToStore {
  readonly fd: number;
  readonly identity: string;
}

/** One FDSTORE=1 message. */
export interface FdStoreAdd {
  readonly fds: readonly FdToStore[];
  /** FDNAME=; null: "stored". */
  readonly name: string | null;
  /** false for FDPOLL=0. */
  readonly poll: boolean;
}

export interface FdStoreLog {
  readonly level: LogLevel;
  readonly message: string;
}

export interface FdStoreChange {
  readonly store: FdStore;
  /** Remove from the hang-up watch (before closing). */
  readonly unwatch: readonly number[];
  /** Close these; each fd the store was given appears in one closeFds list at most once. */
  readonly closeFds: readonly number[];
  /** Add to the hang-up watch: an epoll set with no events, so only POLLHUP/POLLERR fire. */
  readonly watch: readonly number[];
  readonly logs: readonly FdStoreLog[];
}

function unchanged(store: FdStore, logs: readonly FdStoreLog[] = []): FdStoreChange {
  return { store, unwatch: [], closeFds: [], watch: [], logs };
}

/** service_add_fd_store_set: store a message's fds, up to FileDescriptorStoreMax= (`max`). */
export function addToStore(store: FdStore, add: FdStoreAdd, max: number): FdStoreChange {
  const logs: FdStoreLog[] = [];
  let name = add.name ?? FD_NAME_STORED;
  if (!isValidFdName(name)) {
    logs.push({ level: "warning", message: "Passed FDNAME= name is invalid, ignoring." });
    name = FD_NAME_STORED;
  }
  const entries = [...store.entries];
  const closeFds: number[] = [];
  const watch: number[] = [];
  for (const [i, pushed] of add.fds.entries()) {
    if (entries.length >= max) {
      logs.push({ level: "warning", message: `Cannot store more fds than FileDescriptorStoreMax=${max}, closing remaining.` });
      closeFds.push(...add.fds.slice(i).map((rest) => rest.fd));
      break;
    }
    if (entries.some((entry) => entry.identity === pushed.identity)) {
      logs.push({ level: "debug", message: `Suppressing duplicate fd ${pushed.fd} in fd store.` });
      closeFds.push(pushed.fd);
      continue;
    }
    entries.push({ fd: pushed.fd, name, identity: pushed.identity, poll: add.poll });
    if (add.poll) watch.push(pushed.fd);
    logs.push({ level: "debug", message: `Added fd ${pushed.fd} (${name}) to fd store.` });
  }
  return { store: { entries }, unwatch: [], closeFds, watch, logs };
}

/** Drops the given entries: unwatch those watched, close all. */
function drop(store: FdStore, dropped: readonly StoredFd[], logs: FdStoreLog[]): FdStoreChange {
  if (dropped.length === 0) return unchanged(store, logs);
  const gone = new Set(dropped);
  return {
    store: { entries: store.entries.filter((entry) => !gone.has(entry)) },
    unwatch: dropped.filter((entry) => entry.poll).map((entry) => entry.fd),
    closeFds: dropped.map((entry) => entry.fd),
    watch: [],
    logs,
  };
}

/** FDSTOREREMOVE=1: closes every entry of that name. */
export function removeFromStore(store: FdStore, name: string): FdStoreChange {
  const dropped = store.entries.filter((entry) => entry.name === name);
  const logs = dropped.map((entry) => ({ level: "debug" as const, message: `Got explicit request to remove fd ${entry.fd} (${name}), closing.` }));
  return drop(store, dropped, logs);
}

/** on_fd_store_io: a stored fd hung up (or errored): the peer is gone, so is the entry. */
export function hangUp(store: FdStore, fd: number, error = false): FdStoreChange {
  const entry = store.entries.find((candidate) => candidate.fd === fd);
  // FDPOLL=0 entries are not watched: a hang-up for one is stale news.
  if (entry === undefined || !entry.poll) return unchanged(store);
  const event = error ? "EPOLLERR" : "EPOLLHUP";
  return drop(store, [entry], [{ level: "debug", message: `Received ${event} on stored fd ${fd} (${entry.name}), closing.` }]);
}

/**
 * When the manager asks whether to let the store go:
 * - "service-dead": the service reached dead or failed, also on its way into an automatic
 *   restart (systemd's service_enter_dead). Releases only with Preserve=no.
 * - "unit-inactive": the unit is inactive or failed for good — no restart pending and no job
 *   queued for it (systemd's unit_release_resources). Releases unless Preserve=yes; this is
 *   how Preserve=restart (the default) keeps fds across restarts but not across a stop.
 * - "unit-unloaded": the unit is gone (removed by daemon-reload, or the manager exits without
 *   re-executing). Releases always; Preserve=yes keeps fds only until here.
 * - "clean": an explicit request to drop the store (systemctl clean --what=fdstore); the caller
 *   checks that the unit is inactive. Releases always.
 */
export type FdStoreReleaseReason = "service-dead" | "unit-inactive" | "unit-unloaded" | "clean";

export function releaseStore(store: FdStore, preserve: FdStorePreserve, reason: FdStoreReleaseReason): FdStoreChange {
  const release =
    reason === "service-dead" ? preserve === "no" : reason === "unit-inactive" ? preserve !== "yes" : true;
  if (!release || store.entries.length === 0) return unchanged(store);
  return drop(store, store.entries, [{ level: "debug", message: "Releasing all stored fds." }]);
}

/** The open listener fds of one socket unit that triggers the service. */
export interface SocketFds {
  readonly unit: string;
  /** FileDescriptorName= (default: the socket unit's name; "connection" for an Accept=yes connection). */
  readonly name: string;
  readonly fds: readonly number[];
}

/** An Accept=yes instance gets its connection, and nothing of the listening sockets. */
export function connectionFds(socketUnit: string, connectionFd: number): SocketFds {
  return { unit: socketUnit, name: "connection", fds: [connectionFd] };
}

export interface CollectedFds {
  /** To place at 3, 4, ... */
  readonly fds: readonly number[];
  readonly names: readonly string[];
  readonly socketFdCount: number;
  readonly storedFdCount: number;
  /** LISTEN_FDS and LISTEN_FDNAMES (none when no fd is passed); LISTEN_PID is the spawner's. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * service_collect_fds: the sockets' fds first (socket units in the order of `socketsOrder`,
 * the service's Sockets=, then the others by name; each unit's fds in Listen*= order), then
 * the stored fds, oldest first. A socket unit listed twice counts once.
 */
export function collectFds(sockets: readonly SocketFds[], store: FdStore, socketsOrder: readonly string[] = []): CollectedFds {
  const rank = (unit: string): number => {
    const index = socketsOrder.indexOf(unit);
    return index < 0 ? socketsOrder.length : index;
  };
  const ordered = [...sockets].sort((a, b) => rank(a.unit) - rank(b.unit) || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  const seen = new Set<string>();
  const fds: number[] = [];
  const names: string[] = [];
  for (const socket of ordered) {
    if (seen.has(socket.unit)) continue;
    seen.add(socket.unit);
    for (const fd of socket.fds) {
      fds.push(fd);
      names.push(socket.name);
    }
  }
  const socketFdCount = fds.length;
  for (const entry of store.entries) {
    fds.push(entry.fd);
    names.push(entry.name);
  }
  return { fds, names, socketFdCount, storedFdCount: store.entries.length, env: listenEnv(names) };
}

/** What the manager learned of a stored fd: inspectFd(), and /proc/self/fd's link without " (deleted)". */
export interface StoredFdFacts {
  readonly inspection: FdInspection;
  readonly target: string | null;
}

/**
 * The `kind` of a status fdStore entry: the same kind words as the client's fd-kind.ts
 * ("tcp-listener", "tcp", "udp", "unix-stream-listener", "unix-stream", "unix-seqpacket",
 * "unix-dgram", "netlink", "socket", "fifo", "pipe", "memfd", "file", "directory", "device",
 * "unknown"), then the local address or path, the peer of a connected socket ("peer ..."),
 * and the size of a memfd or file: "tcp-listener 0.0.0.0:8080", "tcp 127.0.0.1:8080 peer
 * 127.0.0.1:40112", "unix-stream", "memfd memfd:state, 4096 bytes", "pipe", "file /var/x, 12 bytes".
 */
export function describeStoredFd(facts: StoredFdFacts): string {
  const { inspection, target } = facts;
  const label = (...parts: (string | null | undefined)[]): string => parts.filter((part) => part !== null && part !== undefined && part !== "").join(" ");
  const bytes = `, ${inspection.size} bytes`;
  switch (inspection.type) {
    case "socket":
      return describeSocket(inspection.socket, label);
    case "fifo":
      // Anonymous pipes and FIFOs share S_IFIFO; /proc tells them apart.
      return target === null || target.startsWith("pipe:[") ? "pipe" : label("fifo", target);
    case "file":
      if (target?.startsWith("/memfd:")) return `${label("memfd", target.slice(1))}${bytes}`;
      return `${label("file", target)}${bytes}`;
    case "directory":
      return label("directory", target);
    case "char":
    case "block":
      return label("device", target);
    case "link":
    case "unknown":
      return "unknown";
  }
}

type Label = (...parts: (string | null | undefined)[]) => string;

function inetAddress(family: string, host: string | null | undefined, port: number | null | undefined): string | null {
  if (host === null || host === undefined || host === "") return null;
  const shown = family === "inet6" ? `[${host}]` : host;
  return port === null || port === undefined ? shown : `${shown}:${port}`;
}

function describeSocket(socket: FdInspection["socket"], label: Label): string {
  if (socket === undefined) return "socket";
  const peer = (address: string | null): string | null => (address === null || address === "" ? null : `peer ${address}`);
  switch (socket.family) {
    case "inet":
    case "inet6": {
      const local = inetAddress(socket.family, socket.localAddress, socket.localPort);
      const remote = peer(inetAddress(socket.family, socket.peerAddress, socket.peerPort));
      if (socket.type === "stream") return socket.listening ? label("tcp-listener", local) : label("tcp", local, remote);
      if (socket.type === "dgram") return label("udp", local, remote);
      return label("socket", local);
    }
    case "unix": {
      const local = socket.localAddress ?? null;
      const remote = peer(socket.peerAddress);
      switch (socket.type) {
        case "stream":
          return socket.listening ? label("unix-stream-listener", local) : label("unix-stream", local, remote);
        case "seqpacket":
          return socket.listening ? label("unix-seqpacket-listener", local) : label("unix-seqpacket", local, remote);
        case "dgram":
          return label("unix-dgram", local, remote);
        case "raw":
        case "other":
          return label("socket", local);
      }
      break;
    }
    case "netlink":
      return "netlink";
    case "other":
      break;
  }
  return "socket";
}
