// Listen*= addresses of socket units (systemd.socket(5)): "PORT", "a.b.c.d:PORT",
// "[v6]:PORT[%dev]", "/path" (AF_UNIX) and "@name" (abstract namespace).
import { isIPv4, isIPv6 } from "node:net";

export type ListenAddress =
  /** host null: any address; a bare port listens dual-stack as BindIPv6Only= decides. */
  | {
      readonly family: "inet";
      readonly host: string | null;
      readonly version: 4 | 6 | null;
      readonly port: number;
      readonly interface: string | null;
    }
  | { readonly family: "unix"; readonly path: string }
  | { readonly family: "abstract"; readonly name: string };

export type ListenSocketKind = "stream" | "datagram" | "sequential-packet";

export type Listener =
  | { readonly kind: ListenSocketKind; readonly address: ListenAddress }
  | { readonly kind: "fifo"; readonly path: string };

// sun_path is 108 bytes, one of which ends the path (or starts the abstract name).
const UNIX_PATH_MAX = 107;

function parsePort(text: string): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

function isInterfaceName(name: string): boolean {
  return /^[^\s/:%]{1,15}$/.test(name);
}

export function parseListenAddress(text: string): ListenAddress | { error: string } {
  if (text.startsWith("/")) {
    if (Buffer.byteLength(text) > UNIX_PATH_MAX) return { error: `AF_UNIX path is too long: ${text}` };
    return { family: "unix", path: text };
  }
  if (text.startsWith("@")) {
    const name = text.slice(1);
    if (name === "" || Buffer.byteLength(name) > UNIX_PATH_MAX - 1) return { error: `Invalid abstract socket name: ${text}` };
    return { family: "abstract", name };
  }
  if (text.startsWith("vsock")) return { error: `AF_VSOCK addresses are not supported by steward: ${text}` };

  const onlyPort = parsePort(text);
  if (onlyPort !== null) return { family: "inet", host: null, version: null, port: onlyPort, interface: null };
  if (/^[0-9]+$/.test(text)) return { error: `Port out of range: ${text}` };

  // "[v6]:PORT", with an interface as "[v6%dev]:PORT" or "[v6]:PORT%dev".
  const v6 = /^\[([^\]%]+)(?:%([^\]]*))?\]:([0-9]+)(?:%(.*))?$/.exec(text);
  const v4 = /^([0-9.]+):([0-9]+)(?:%(.*))?$/.exec(text);
  const host = v6?.[1] ?? v4?.[1] ?? "";
  const port = parsePort(v6?.[3] ?? v4?.[2] ?? "");
  const iface = v6?.[2] ?? v6?.[4] ?? v4?.[3] ?? null;
  const version = v6 !== null && isIPv6(host) ? 6 : v4 !== null && isIPv4(host) ? 4 : null;
  if (version === null || port === null) {
    return { error: `Failed to parse address '${text}' (expected PORT, IPv4:PORT, [IPv6]:PORT, /path or @name)` };
  }
  if (iface !== null && !isInterfaceName(iface)) return { error: `Invalid network interface name in '${text}'` };
  return { family: "inet", host, version, port, interface: iface };
}

export { formatListenAddress } from "./listen-address-format.js";
