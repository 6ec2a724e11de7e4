// Listening sockets and FIFOs, and what an fd is.
import { native, type NativeFdInspection } from "./native.js";

export type SocketFamily = "inet" | "inet6" | "unix";
export type SocketType = "stream" | "dgram" | "seqpacket";

export interface SocketSpec {
  family: SocketFamily;
  type: SocketType;
  /** Numeric address for inet/inet6; empty or absent binds every address. */
  host?: string;
  port?: number;
  /** For unix: "/path" or "@abstract". */
  path?: string;
  /** Default: SOMAXCONN. */
  backlog?: number;
  /** Default: true for stream and seqpacket. */
  listen?: boolean;
  reusePort?: boolean;
  /** Default: true for inet/inet6. */
  reuseAddress?: boolean;
  /** Default: true, as systemd hands sockets to services. */
  nonBlocking?: boolean;
  /** IPV6_V6ONLY; absent keeps the kernel's default. */
  ipv6Only?: boolean;
  /** For a unix socket on a path: file mode and owner, set before listen(). */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Creates a bound (and, where the type listens, listening) close-on-exec socket. */
export function createSocket(spec: SocketSpec): number {
  return native.socketCreate(spec);
}

export interface FifoSpec {
  path: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Creates (or reuses) a FIFO and opens it read-write, so it never sees EOF. */
export function createFifo(spec: FifoSpec): number {
  return native.fifoCreate(spec.path, spec.mode ?? 0o666, spec.uid ?? -1, spec.gid ?? -1);
}

export type FdInspection = NativeFdInspection;

export function inspectFd(fd: number): FdInspection {
  return native.fdInspect(fd);
}

/** The kernel's record of who is at the other end of a connected unix socket. */
export function peerCredentials(fd: number): { pid: number; uid: number; gid: number } {
  return native.peerCredentials(fd);
}

/** One accepted connection (Accept=yes) and what the kernel says of its two ends. */
export interface AcceptedConnection {
  /** Close-on-exec and blocking; the caller owns it. */
  fd: number;
  family: "inet" | "inet6" | "unix";
  /** Numeric; for unix sockets the bound path, "@name", or "" when unnamed. */
  localAddress: string;
  localPort: number | null;
  /** Null in the rare case the peer is gone before it could be asked. */
  remoteAddress: string | null;
  remotePort: number | null;
  /** SO_PEERCRED of a unix peer; null for IP, or when the peer is in another namespace. */
  credentials: { pid: number; uid: number } | null;
}

/** Accepts one waiting connection; throws EAGAIN (never blocks) when none waits. */
export function acceptConnection(listenerFd: number): AcceptedConnection {
  return native.socketAccept(listenerFd);
}
