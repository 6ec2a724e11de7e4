// Accept=yes (docs/sockets.md): every accepted connection runs as an instance of the socket's
// template service (echo@.service → echo@0-127.0.0.1:7-127.0.0.1:51234.service). The
// connection fd stays the manager's until the instance is down: it is the instance's one
// socket fd (LISTEN_FDS=1, named "connection") and, with StandardInput=socket, its stdio.
import { closeFd } from "../sys/index.js";

export interface Connection {
  /** The Accept=yes socket unit that accepted it. */
  readonly socket: string;
  readonly fd: number;
  /** REMOTE_ADDR and REMOTE_PORT for the instance's processes. */
  readonly env: Readonly<Record<string, string>>;
}

export class ConnectionInstances {
  readonly #byUnit = new Map<string, Connection>();

  add(unit: string, connection: Connection): void {
    const previous = this.#byUnit.get(unit);
    if (previous) closeFd(previous.fd);
    this.#byUnit.set(unit, connection);
  }

  of(unit: string): Connection | null {
    return this.#byUnit.get(unit) ?? null;
  }

  /** The instance is down: closes the manager's copy of its connection; returns the socket to tell. */
  release(unit: string): string | null {
    const connection = this.#byUnit.get(unit);
    if (!connection) return null;
    this.#byUnit.delete(unit);
    closeFd(connection.fd);
    return connection.socket;
  }

  closeAll(): void {
    for (const unit of [...this.#byUnit.keys()]) this.release(unit);
  }
}
