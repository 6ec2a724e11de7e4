// The vocabulary of a socket unit's life (systemd.socket(5); protocols.md §2): the states steward
// supports, what persists across them, the events the manager feeds in and the effects it must
// carry out. The reducer that moves between them is stepSocket() in socket.ts.
//
// States (systemd's names):
//   dead        no listeners
//   start-open  open-listeners was asked for; `opened` / `open-failed` answers it
//   listening   listeners open and watched for readability
//   running     Accept=no: the service was started (or is running), the listeners stay open and
//               the kernel keeps queuing, but they are not watched (systemd stops polling while
//               the service runs and resumes when it stops)
//   failed      listeners closed after a failure: result resources (binding, accept, a hang-up
//               on a listener), trigger-limit-hit, service-start-limit-hit or start-limit-hit
// steward runs no ExecStartPre=/ExecStartPost=/ExecStopPre=/ExecStopPost= for sockets (those
// keys are "not supported" at load) and does not chown sockets in a helper process (the
// manager applies SocketUser=/SocketGroup= while binding), so systemd's start-pre,
// start-chown, start-post, stop-pre*, stop-post and final-sig* states do not exist here: a
// start goes dead → start-open → listening, a stop or a failure closes the listeners at once.
// TimeoutSec= therefore has nothing to time and no timer is ever armed (see socket.ts).
//
// Contract with the manager (src/manager/):
// - Every event carries `now`, CLOCK_MONOTONIC in µs (the trigger and start limits count on it).
// - Effects are carried out in order. `open-listeners` is answered by `opened` (one fd per
//   Listener, in configuration order) or `open-failed` (the manager has closed whatever it had
//   opened for that attempt) before any other event of this socket.
// - `watch-listeners`/`unwatch-listeners` add/remove the listener fds to/from the readability
//   watch; a readable listener is reported as `incoming`, POLLHUP/POLLERR on one as
//   `listener-error`. An `incoming` outside `listening` is stale and ignored.
// - `service-changed` reports the triggered service (Accept=no) whenever its state changes AND
//   whenever a job for it ends (systemd calls trigger_notify from job_finish too), so a start job
//   that failed without a state change (a condition, a missing unit) puts the socket back to
//   listening. It is also sent while the socket is dead: the socket refuses to start while its
//   service is active.
// - `start-service` becomes a start request to the job engine; `start-refused` becomes its
//   `action-refused {result: "failed"}` for this socket's start job. The manager refuses a start
//   itself when the socket's service is not loaded ("Socket service X not loaded, refusing.").
// - Accept=yes: `accept-connection` asks the manager to accept() on that listener; it answers
//   `accepted` (the connection fd and what getsockname/getpeername/SO_PEERCRED say) or
//   `accept-failed`. The reducer owns the connection fd from `accepted` on: it either hands it
//   to `start-instance` (which owns it from then: the instance's only socket fd, named
//   "connection") or asks to `close-connection` it. The manager reports `instance-stopped`
//   when an instance that start-instance created is dead or failed (its connection closed).
// - Log level "debug" for things worth a trace only; messages do not name the unit.
import type { JobType, UnitActiveState } from "./jobs-model.js";
import type { LogLevel, StartLimitWindow } from "./service-state.js";
import { formatListenAddress } from "../units/listen-address-format.js";
import type { Listener } from "../units/socket-address.js";
import type { BindIpv6Only, SocketSection } from "../units/socket-section.js";

/** systemd's socket results, less those of the Exec*= commands steward does not run. */
export type SocketResult = "success" | "resources" | "start-limit-hit" | "trigger-limit-hit" | "service-start-limit-hit";

export type SocketState =
  | { readonly kind: "dead" }
  | { readonly kind: "failed" }
  | { readonly kind: "start-open" }
  /** fds: one per Listener, in configuration order. */
  | { readonly kind: "listening"; readonly fds: readonly number[] }
  | { readonly kind: "running"; readonly fds: readonly number[] };

/** The triggered service (Accept=no) as last reported by `service-changed`. */
export interface TriggeredService {
  readonly active: UnitActiveState;
  /** The service's sub-state by systemd's name ("running", "auto-restart", ...); null: unknown. */
  readonly sub: string | null;
  /** The job queued or running for it, if any. */
  readonly job: JobType | null;
  /** Its start limit was hit (systemd's unit start_limit_hit, sticky until a start passes it). */
  readonly startLimitHit: boolean;
}

/** An Accept=yes instance still running (systemd's n_connections, and the per-source count). */
export interface SocketConnection {
  readonly unit: string;
  /** The peer's source for MaxConnectionsPerSource=; null: not limited per source. */
  readonly source: string | null;
}

/** What persists across states. */
export interface SocketRuntime {
  /** The first non-success result of the current cycle sticks (reset on start). */
  readonly result: SocketResult;
  readonly startLimit: StartLimitWindow;
  /** TriggerLimitIntervalSec=/TriggerLimitBurst=: activations counted like systemd's ratelimit. */
  readonly triggerLimit: StartLimitWindow;
  readonly service: TriggeredService;
  /** NAccepted: connections handed to an instance, ever; numbers the instances. */
  readonly accepted: number;
  /** NRefused: connections dropped (limits). */
  readonly refused: number;
  readonly connections: readonly SocketConnection[];
}

export interface SocketSnapshot {
  readonly state: SocketState;
  readonly runtime: SocketRuntime;
}

/** An address as getsockname()/getpeername() gave it: numeric, IPv6 without brackets. */
export interface InetEndpoint {
  readonly address: string;
  readonly port: number;
}

/** Who is on the other end of an accepted connection. */
export type ConnectionPeer =
  | { readonly family: "inet" | "inet6"; readonly local: InetEndpoint; readonly remote: InetEndpoint }
  | {
      readonly family: "unix";
      /** SO_PEERCRED; null when the peer is in another PID/user namespace (ENODATA). */
      readonly credentials: { readonly pid: number; readonly uid: number } | null;
      /** The peer's bound path or "@name"; null or "" when unnamed. */
      readonly remoteAddress: string | null;
    };

interface At {
  readonly now: number;
}

export type SocketEvent =
  | (At & { readonly kind: "start-requested" | "stop-requested" | "reset-failed-requested" })
  /** The answer to open-listeners: one fd per Listener, in configuration order. */
  | (At & { readonly kind: "opened"; readonly fds: readonly number[] })
  /** open-listeners failed at Listener number `listener` (an index); errno name and message. */
  | (At & { readonly kind: "open-failed"; readonly listener: number; readonly code: string; readonly message: string })
  /** A watched listener is readable: a connection or a datagram is waiting. */
  | (At & { readonly kind: "incoming"; readonly listenerIndex: number })
  /** POLLHUP (hangUp) or POLLERR on a watched listener. */
  | (At & { readonly kind: "listener-error"; readonly listenerIndex: number; readonly hangUp: boolean })
  | (At & {
      readonly kind: "service-changed";
      readonly active: UnitActiveState;
      readonly sub?: string | null;
      readonly job?: JobType | null;
      readonly startLimitHit?: boolean;
    })
  | (At & { readonly kind: "accepted"; readonly listenerIndex: number; readonly fd: number; readonly peer: ConnectionPeer })
  | (At & { readonly kind: "accept-failed"; readonly listenerIndex: number; readonly code: string; readonly message: string })
  | (At & { readonly kind: "instance-stopped"; readonly unit: string });

/** What binding needs besides the Listener itself. */
export interface ListenOptions {
  readonly backlog: number;
  readonly socketMode: number;
  readonly directoryMode: number;
  readonly socketUser: string | null;
  readonly socketGroup: string | null;
  readonly reusePort: boolean;
  readonly bindIpv6Only: BindIpv6Only;
  readonly passCredentials: boolean;
}

export type SocketEffect =
  | { readonly kind: "open-listeners"; readonly listeners: readonly Listener[]; readonly options: ListenOptions }
  /** remove (RemoveOnStop=): also unlink `paths`, the file nodes (AF_UNIX paths, FIFOs). */
  | { readonly kind: "close-listeners"; readonly fds: readonly number[]; readonly remove: boolean; readonly paths: readonly string[] }
  | { readonly kind: "watch-listeners"; readonly fds: readonly number[] }
  | { readonly kind: "unwatch-listeners"; readonly fds: readonly number[] }
  /** FlushPending=yes: drop queued connections and data before listening again. */
  | { readonly kind: "flush-listeners"; readonly fds: readonly number[] }
  | { readonly kind: "start-service"; readonly unit: string }
  /** This socket's start job fails; the state does not change. */
  | { readonly kind: "start-refused"; readonly reason: string }
  | { readonly kind: "accept-connection"; readonly listenerIndex: number; readonly fd: number }
  | { readonly kind: "close-connection"; readonly fd: number }
  | {
      readonly kind: "start-instance";
      /** "echo@.service" */
      readonly template: string;
      /** "0-127.0.0.1:7-127.0.0.1:51234" */
      readonly instanceName: string;
      /** "echo@0-127.0.0.1:7-127.0.0.1:51234.service" */
      readonly unit: string;
      readonly connectionFd: number;
      /** REMOTE_ADDR / REMOTE_PORT for the instance's processes. */
      readonly environment: Readonly<Record<string, string>>;
    }
  | { readonly kind: "log"; readonly level: LogLevel; readonly message: string };

export interface SocketStep extends SocketSnapshot {
  readonly effects: readonly SocketEffect[];
}

export function initialSocketRuntime(): SocketRuntime {
  return {
    result: "success",
    startLimit: { begin: null, starts: 0 },
    triggerLimit: { begin: null, starts: 0 },
    service: { active: "inactive", sub: null, job: null, startLimitHit: false },
    accepted: 0,
    refused: 0,
    connections: [],
  };
}

export function initialSocketSnapshot(): SocketSnapshot {
  return { state: { kind: "dead" }, runtime: initialSocketRuntime() };
}

/** systemd's socket state_translation_table, for the states steward has. */
export function socketActiveState(state: SocketState): UnitActiveState {
  switch (state.kind) {
    case "dead":
      return "inactive";
    case "failed":
      return "failed";
    case "start-open":
      return "activating";
    case "listening":
    case "running":
      return "active";
  }
}

export function socketSubState(state: SocketState): string {
  return state.kind;
}

/** The listener fds the socket holds open in this state (none while dead, failed or opening). */
export function listenerFdsOf(state: SocketState): readonly number[] {
  return state.kind === "listening" || state.kind === "running" ? state.fds : [];
}

/** The binding options of a [Socket] section. */
export function listenOptions(section: SocketSection): ListenOptions {
  return {
    backlog: section.backlog,
    socketMode: section.socketMode,
    directoryMode: section.directoryMode,
    socketUser: section.socketUser,
    socketGroup: section.socketGroup,
    reusePort: section.reusePort,
    bindIpv6Only: section.bindIpv6Only,
    passCredentials: section.passCredentials,
  };
}

/** The file nodes RemoveOnStop= removes: AF_UNIX socket paths and FIFOs (not abstract names). */
export function listenerPaths(listeners: readonly Listener[]): string[] {
  const paths: string[] = [];
  for (const listener of listeners) {
    if (listener.kind === "fifo") paths.push(listener.path);
    else if (listener.address.family === "unix") paths.push(listener.address.path);
  }
  return paths;
}

const LISTEN_KIND: Readonly<Record<Listener["kind"], string>> = {
  stream: "Stream",
  datagram: "Datagram",
  "sequential-packet": "SequentialPacket",
  fifo: "FIFO",
};

/** The `listen` field of status: systemctl's "Listen: [::]:8080 (Stream)" as {kind, address}. */
export function describeListeners(section: SocketSection): { kind: string; address: string }[] {
  return section.listen.map((listener) => ({ kind: LISTEN_KIND[listener.kind], address: listenerAddress(listener) }));
}

/** "[::]:8080", "127.0.0.1:80", "/run/x.sock", "@name", or a FIFO's path. */
export function listenerAddress(listener: Listener): string {
  if (listener.kind === "fifo") return listener.path;
  return formatListenAddress(listener.address);
}
