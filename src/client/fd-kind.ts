// What an fd a service was handed is, in a few words: the kind (a small fixed
// set a program can switch on) and the address or path, where it has one.
import { fdTarget, inspectFd, type FdInspection } from "../sys/index.js";

/**
 * | kind | what | address |
 * |---|---|---|
 * | `tcp-listener`, `tcp` | listening / connected TCP (IPv4 or IPv6) | local `1.2.3.4:80`, `[::]:80` |
 * | `udp` | UDP | local address |
 * | `unix-stream-listener`, `unix-stream` | AF_UNIX stream, listening / not | `/path`, `@abstract`, null if unnamed |
 * | `unix-seqpacket-listener`, `unix-seqpacket` | AF_UNIX seqpacket | as above |
 * | `unix-dgram` | AF_UNIX datagram | as above |
 * | `netlink` | AF_NETLINK | null |
 * | `socket` | any other socket (raw, SCTP, vsock...) | null |
 * | `fifo` | a named pipe | its path |
 * | `pipe` | an anonymous pipe | null |
 * | `memfd` | a memfd (memfd_create) | its name, e.g. `memfd:state` |
 * | `file`, `directory`, `device` | a regular file, a directory, a char or block device | its path |
 * | `unknown` | anything else | null |
 */
export type FdKind =
  | "tcp-listener"
  | "tcp"
  | "udp"
  | "unix-stream-listener"
  | "unix-stream"
  | "unix-seqpacket-listener"
  | "unix-seqpacket"
  | "unix-dgram"
  | "netlink"
  | "socket"
  | "fifo"
  | "pipe"
  | "memfd"
  | "file"
  | "directory"
  | "device"
  | "unknown";

export interface FdDescription {
  kind: FdKind;
  address: string | null;
}

/** Describes an open fd; throws (EBADF) when it is not open. */
export function describeFd(fd: number): FdDescription {
  const info = inspectFd(fd);
  switch (info.type) {
    case "socket":
      return describeSocket(info.socket);
    case "fifo": {
      // Anonymous pipes and FIFOs share S_IFIFO; /proc tells them apart.
      const target = targetOf(fd);
      return target === null || target.startsWith("pipe:[") ? { kind: "pipe", address: null } : { kind: "fifo", address: target };
    }
    case "file": {
      const target = targetOf(fd);
      if (target?.startsWith("/memfd:")) return { kind: "memfd", address: target.slice(1) };
      return { kind: "file", address: target };
    }
    case "directory":
      return { kind: "directory", address: targetOf(fd) };
    case "char":
    case "block":
      return { kind: "device", address: targetOf(fd) };
    case "link":
    case "unknown":
      return { kind: "unknown", address: null };
  }
}

/** "tcp-listener 0.0.0.0:8080", "pipe": the kind and address as one label. */
export function fdLabel(description: FdDescription): string {
  return description.address === null ? description.kind : `${description.kind} ${description.address}`;
}

function describeSocket(socket: FdInspection["socket"]): FdDescription {
  if (socket === undefined) return { kind: "socket", address: null };
  switch (socket.family) {
    case "inet":
    case "inet6": {
      const host = socket.localAddress ?? "";
      const port = socket.localPort ?? null;
      const address = host === "" ? null : `${socket.family === "inet6" ? `[${host}]` : host}${port === null ? "" : `:${port}`}`;
      if (socket.type === "stream") return { kind: socket.listening ? "tcp-listener" : "tcp", address };
      if (socket.type === "dgram") return { kind: "udp", address };
      return { kind: "socket", address };
    }
    case "unix": {
      const address = socket.localAddress ? socket.localAddress : null;
      switch (socket.type) {
        case "stream":
          return { kind: socket.listening ? "unix-stream-listener" : "unix-stream", address };
        case "seqpacket":
          return { kind: socket.listening ? "unix-seqpacket-listener" : "unix-seqpacket", address };
        case "dgram":
          return { kind: "unix-dgram", address };
        case "raw":
        case "other":
          return { kind: "socket", address };
      }
      break;
    }
    case "netlink":
      return { kind: "netlink", address: null };
    case "other":
      break;
  }
  return { kind: "socket", address: null };
}

/** What /proc/self/fd says, without the " (deleted)" of an unlinked file. */
function targetOf(fd: number): string | null {
  try {
    return fdTarget(fd).replace(/ \(deleted\)$/, "");
  } catch {
    return null;
  }
}
