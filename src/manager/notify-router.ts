// The manager's notify socket (RUNTIME_DIR/notify): every datagram is parsed,
// attributed to a unit by the sender's kernel credentials, and handed on; one
// that cannot be is refused with the sender's PID and the reason. Its fds are
// the router's until a unit takes them: whatever is not taken is closed.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseNotify, type NotifyMessage } from "../protocol/notify-message.js";
import { closeFd, NotifySocket, type NotifyDatagram } from "../sys/index.js";

export interface NotifyDelivery {
  senderPid: number;
  senderUid: number;
  message: NotifyMessage;
  /** Attached fds; set an entry to -1 to take it (it is then not closed). */
  fds: number[];
}

export interface NotifyRouterHooks {
  /** The unit the sender belongs to, or null. */
  unitOf(pid: number): string | null;
  deliver(unit: string, delivery: NotifyDelivery): void;
  /** A refused datagram: the unit if known, and a message naming the sender and the reason. */
  refuse(unit: string | null, message: string): void;
  warn(unit: string, message: string): void;
}

export class NotifyRouter {
  readonly address: string;
  readonly #socket: NotifySocket;
  readonly #hooks: NotifyRouterHooks;

  constructor(runtimeDir: string, hooks: NotifyRouterHooks) {
    this.address = join(runtimeDir, "notify");
    this.#hooks = hooks;
    // A manager that died left its socket file; ours is the runtime directory now (its lock is held).
    rmSync(this.address, { force: true });
    this.#socket = new NotifySocket(this.address, (batch) => batch.forEach((d) => this.#route(d)));
  }

  close(): void {
    this.#socket.close();
    rmSync(this.address, { force: true });
  }

  #route(datagram: NotifyDatagram): void {
    try {
      this.#dispatch(datagram);
    } finally {
      for (const fd of datagram.fds) if (fd >= 0) closeFd(fd);
    }
  }

  #dispatch(datagram: NotifyDatagram): void {
    const { pid, uid } = datagram;
    if (pid === null || uid === null) {
      this.#hooks.refuse(null, "ignoring a notify message without credentials");
      return;
    }
    const unit = this.#hooks.unitOf(pid);
    if (datagram.truncated) {
      this.#hooks.refuse(unit, `ignoring a notify message from pid ${pid}: longer than 4096 bytes or too many fds`);
      return;
    }
    const parsed = parseNotify(datagram.data, datagram.fds.length);
    if (!parsed.ok) {
      this.#hooks.refuse(unit, `ignoring a notify message from pid ${pid}: ${parsed.reason}`);
      return;
    }
    // A barrier is answered by closing its fd, which the finally above does, after
    // every earlier datagram of this batch was handled.
    if (parsed.message.barrier) return;
    if (unit === null) {
      this.#hooks.refuse(null, `ignoring a notify message from pid ${pid}: it belongs to no unit`);
      return;
    }
    for (const warning of parsed.warnings) this.#hooks.warn(unit, `notify message from pid ${pid}: ${warning}`);
    this.#hooks.deliver(unit, { senderPid: pid, senderUid: uid, message: parsed.message, fds: datagram.fds });
  }
}
