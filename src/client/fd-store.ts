// The service's fd store (FDSTORE=1): fds the manager keeps for the service
// across its restarts and hands back, after the socket-activation fds, in
// LISTEN_FDS/LISTEN_FDNAMES under the name they were stored with. A service
// serializes its state into a memfd, stores it and its connections, exits,
// and finds them again with listenFds() on its next start.
import { isValidFdName } from "../protocol/listen-env.js";
import { printable } from "../protocol/printable.js";
import { notify } from "./notify.js";

export interface FdStoreAddOptions {
  /**
   * false sends FDPOLL=0: the manager does not watch these fds for
   * POLLHUP/POLLERR, and keeps them even after the peer hangs up. Default
   * true: a stored connection whose peer went away is dropped.
   */
  poll?: boolean;
}

function checkName(name: string): void {
  if (!isValidFdName(name)) {
    throw new TypeError(`fd store: "${printable(name)}" is not an fd name (1-255 printable ASCII characters, no ":")`);
  }
}

function checkFds(fds: readonly number[]): void {
  if (fds.length === 0) throw new TypeError("fd store: no fds to store");
  for (const fd of fds) {
    if (!Number.isSafeInteger(fd) || fd < 0) throw new RangeError(`fd store: ${fd} is not an fd`);
  }
}

export const fdStore = {
  /**
   * FDSTORE=1 + FDNAME=: store the fds (one message, one name for all). They
   * stay ours too: the manager gets copies. Names need not be unique. Returns
   * false when there is no manager; true means sent, not stored (a manager
   * with no room, FileDescriptorStoreMax=0, closes them).
   */
  add(name: string, fds: number | readonly number[], options: FdStoreAddOptions = {}): boolean {
    checkName(name);
    const list = typeof fds === "number" ? [fds] : fds;
    checkFds(list);
    const fields: Record<string, string | number> = { FDSTORE: 1, FDNAME: name };
    if (options.poll === false) fields.FDPOLL = 0;
    return notify(fields, { fds: list });
  },

  /** FDSTOREREMOVE=1 + FDNAME=: the manager closes and forgets every stored fd of that name. */
  remove(name: string): boolean {
    checkName(name);
    return notify({ FDSTOREREMOVE: 1, FDNAME: name });
  },
};
