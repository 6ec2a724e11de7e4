// Where the manager listens: $NOTIFY_SOCKET, as sd_notify(3) reads it. steward's
// client speaks AF_UNIX only: "/path" or "@abstract" (the "@" becomes a NUL).
// libsystemd also accepts vsock:CID:PORT for VMs; we refuse it, and everything
// else, with an error that names the address.
import { printable } from "../protocol/printable.js";

/** A NOTIFY_SOCKET that names no AF_UNIX socket. */
export class NotifyAddressError extends Error {
  /** EAFNOSUPPORT for vsock addresses, EINVAL for anything else. */
  readonly code: "EAFNOSUPPORT" | "EINVAL";
  readonly address: string;

  constructor(address: string, code: "EAFNOSUPPORT" | "EINVAL", reason: string) {
    super(`NOTIFY_SOCKET=${printable(address)}: ${reason}`);
    this.name = "NotifyAddressError";
    this.code = code;
    this.address = address;
  }
}

/**
 * The notify socket's address, or null when NOTIFY_SOCKET is unset or empty
 * (libsystemd reports EINVAL for an empty one; we take it as "no manager", the
 * usual way to switch notifications off for one command). Throws
 * NotifyAddressError for any address other than "/path" or "@name".
 */
export function notifySocketAddress(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const address = env["NOTIFY_SOCKET"];
  if (address === undefined || address === "") return null;
  if (address.startsWith("/")) return address;
  if (address.startsWith("@")) {
    if (address.length === 1) throw new NotifyAddressError(address, "EINVAL", "an abstract address needs a name after \"@\"");
    return address;
  }
  if (/^vsock(-stream|-dgram|-seqpacket)?:/.test(address)) {
    throw new NotifyAddressError(address, "EAFNOSUPPORT", "vsock addresses are not supported; only \"/path\" and \"@abstract\" are");
  }
  throw new NotifyAddressError(address, "EINVAL", "not an absolute path or an \"@abstract\" name");
}
