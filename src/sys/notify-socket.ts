// The notify socket: datagrams with the sender's kernel credentials and fds.
import { chmodSync } from "node:fs";
import { native, type NativeHandle } from "./native.js";

export interface NotifyDatagram {
  data: Buffer;
  /** The sender's credentials as the kernel saw them; null if the datagram carried none. */
  pid: number | null;
  uid: number | null;
  gid: number | null;
  /** Received fds (close-on-exec), now owned by whoever handles the datagram. */
  fds: number[];
  /** Longer than 4096 bytes or more fds than fit: its fds are already closed. */
  truncated: boolean;
}

/** A bound notify socket ("/path" or "@abstract"), read in batches on readiness. */
export class NotifySocket {
  readonly address: string;
  readonly fd: number;
  readonly #watch: NativeHandle;
  #closed = false;

  constructor(address: string, onDatagrams: (datagrams: NotifyDatagram[]) => void) {
    this.address = address;
    this.fd = native.notifyBind(address);
    try {
      // Writable by every user: services may run as anyone, and only kernel credentials are trusted.
      if (address.startsWith("/")) chmodSync(address, 0o666);
      this.#watch = native.notifyWatch(this.fd, (data, records) => onDatagrams(unpack(data, records)));
    } catch (error) {
      native.close(this.fd);
      throw error;
    }
  }

  unref(): this {
    native.refHandle(this.#watch, false);
    return this;
  }

  /** Stops reading and closes the socket (a path-bound socket's file stays; the caller removes it). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    native.closeHandle(this.#watch);
    native.close(this.fd);
  }
}

// The addon's record layout (native/notify.c).
const RECORD_HEAD = 7;

function unpack(data: Buffer, records: Int32Array): NotifyDatagram[] {
  const datagrams: NotifyDatagram[] = [];
  for (let at = 0; at < records.length; ) {
    const offset = records[at]!, length = records[at + 1]!, pid = records[at + 2]!;
    const nfds = records[at + 6]!;
    const credentials = pid >= 0;
    datagrams.push({
      data: data.subarray(offset, offset + length),
      pid: credentials ? pid : null,
      uid: credentials ? records[at + 3]! >>> 0 : null,
      gid: credentials ? records[at + 4]! >>> 0 : null,
      fds: nfds === 0 ? [] : Array.from(records.subarray(at + RECORD_HEAD, at + RECORD_HEAD + nfds)),
      truncated: records[at + 5] === 1,
    });
    at += RECORD_HEAD + nfds;
  }
  return datagrams;
}

export interface SendOptions {
  fds?: readonly number[];
  /** Send with explicit credentials naming this PID (privileged unless it is our own). */
  pid?: number;
  /** Fail with EAGAIN instead of blocking when the receiver's queue is full. */
  dontWait?: boolean;
}

/** Sends one datagram to a notify socket; returns the bytes sent. */
export function sendNotify(address: string, data: Buffer | string, options: SendOptions = {}): number {
  const payload = typeof data === "string" ? Buffer.from(data) : data;
  return native.notifySend(address, payload, options.fds ?? [], options.pid ?? 0, options.dontWait ?? false);
}
