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
      this.#watch = native.notifyWatch(this.fd, onDatagrams);
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
