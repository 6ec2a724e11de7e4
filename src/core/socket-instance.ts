// Accept=yes instances (systemd.socket(5), protocols.md §2.4): how an accepted connection's
// service instance is named, the REMOTE_ADDR/REMOTE_PORT it gets, what counts as its source for
// MaxConnectionsPerSource=, and which accept() errors are only a connection that went away.
//
// Naming follows systemd v257's instance_from_socket() (socket.c): "N-LOCAL:PORT-REMOTE:PORT"
// for IP, where N counts the connections this socket accepted so far (0 first); IPv6 addresses
// as inet_ntop() prints them, without brackets, except that when both ends are IPv4-mapped
// ("::ffff:a.b.c.d") they are written as plain IPv4; "N-PID-UID" for AF_UNIX from the peer's
// credentials, "N-unknown" when the peer is in another namespace. (v258 adds the socket cookie:
// "N-COOKIE-..."; steward keeps the v257 form.)
import type { ConnectionPeer } from "./socket-state.js";

const V4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

function v4FromMapped(address: string): string | null {
  return V4_MAPPED.exec(address)?.[1] ?? null;
}

/** sockaddr_pretty(translate_ipv6=true): an IPv4-mapped IPv6 address is shown as IPv4. */
function prettyAddress(address: string): string {
  return v4FromMapped(address) ?? address;
}

/** The instance part of the connection's unit name, e.g. "0-127.0.0.1:7-127.0.0.1:51234". */
export function connectionInstanceName(accepted: number, peer: ConnectionPeer): string {
  if (peer.family === "unix") {
    const credentials = peer.credentials;
    return credentials === null ? `${accepted}-unknown` : `${accepted}-${credentials.pid}-${credentials.uid}`;
  }
  let local = peer.local.address;
  let remote = peer.remote.address;
  // systemd translates only when both ends are IPv4-mapped (a dual-stack socket, an IPv4 client).
  const localV4 = v4FromMapped(local);
  const remoteV4 = v4FromMapped(remote);
  if (localV4 !== null && remoteV4 !== null) {
    local = localV4;
    remote = remoteV4;
  }
  return `${accepted}-${local}:${peer.local.port}-${remote}:${peer.remote.port}`;
}

/** "echo@.service" + "0-..." → "echo@0-....service". */
export function instanceUnitName(template: string, instance: string): string {
  const at = template.indexOf("@.");
  return at < 0 ? template : `${template.slice(0, at + 1)}${instance}${template.slice(at + 1)}`;
}

/**
 * REMOTE_ADDR and REMOTE_PORT (CGI-style) for IP peers, as systemd sets them for the
 * instance's processes; for an AF_UNIX peer REMOTE_ADDR is its path or "@name" when it has
 * one (newer systemd; v257 sets nothing for AF_UNIX), and there is no REMOTE_PORT.
 */
export function remoteEnvironment(peer: ConnectionPeer): Record<string, string> {
  if (peer.family === "unix") {
    const address = peer.remoteAddress;
    return address === null || address === "" ? {} : { REMOTE_ADDR: address };
  }
  return { REMOTE_ADDR: prettyAddress(peer.remote.address), REMOTE_PORT: String(peer.remote.port) };
}

/**
 * What MaxConnectionsPerSource= counts by: the remote IP address, or the peer's UID for
 * AF_UNIX; null (not limited) when the peer's credentials are unknown.
 */
export function connectionSource(peer: ConnectionPeer): string | null {
  if (peer.family === "unix") return peer.credentials === null ? null : `UID ${peer.credentials.uid}`;
  return prettyAddress(peer.remote.address);
}

// systemd's ERRNO_IS_ACCEPT_AGAIN: the connection went away between poll() and accept(), or
// the wake-up was spurious. Anything else fails the socket with "resources".
const ACCEPT_AGAIN: ReadonlySet<string> = new Set([
  "EAGAIN",
  "EINTR",
  "EOPNOTSUPP",
  "ECONNABORTED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENETDOWN",
  "ENETRESET",
  "ENETUNREACH",
  "ENONET",
  "ENOPROTOOPT",
  "ENOTCONN",
  "EPIPE",
  "EPROTO",
  "ESHUTDOWN",
  "ETIMEDOUT",
]);

export function isTransientAcceptError(code: string): boolean {
  return ACCEPT_AGAIN.has(code);
}
