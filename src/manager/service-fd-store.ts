// One service's fd store in the running manager (protocols.md §3): the fds
// themselves, their hang-up watch, and the decisions of src/core/fd-store.ts
// carried out. Every fd handed in is either kept here or closed.
import {
  addToStore, describeStoredFd, EMPTY_FD_STORE, hangUp, releaseStore, removeFromStore,
  type FdStore, type FdStoreChange, type FdStoreReleaseReason,
} from "../core/fd-store.js";
import type { NotifyMessage } from "../protocol/notify-message.js";
import type { FdStorePreserve } from "../units/service-section.js";
import { closeFd, dupCloexec, fdIdentity, fdTarget, inspectFd, isSystemCallError, WatchSet } from "../sys/index.js";

export class ServiceFdStore {
  #store: FdStore = EMPTY_FD_STORE;
  #hangupWatch: WatchSet | null = null;
  /** Stored fds in the hang-up watch (memfds and files cannot be: epoll refuses them). */
  readonly #watched = new Set<number>();
  readonly #log: (message: string) => void;

  constructor(log: (message: string) => void) {
    this.#log = log;
  }

  get store(): FdStore {
    return this.#store;
  }

  get size(): number {
    return this.#store.entries.length;
  }

  /** FDSTORE=1 / FDSTOREREMOVE=1 from an allowed sender; the fds it keeps are set to -1 in `fds`. */
  take(message: NotifyMessage, fds: number[], max: number): void {
    if (message.fdStoreRemove && message.fdName !== null) this.#apply(removeFromStore(this.#store, message.fdName));
    if (!message.fdStore || message.mainPidFd) return;
    const pushed: { fd: number; identity: string }[] = [];
    for (const [i, fd] of fds.entries()) {
      if (fd < 0) continue;
      fds[i] = -1; // ours now: addToStore either keeps it or says to close it
      pushed.push({ fd, identity: fdIdentity(fd) });
    }
    if (pushed.length > 0) this.#apply(addToStore(this.#store, { fds: pushed, name: message.fdName, poll: message.fdPoll }, max));
  }

  /** Stores a duplicate of each of `other`'s fds, under the same name and poll setting. */
  copyFrom(other: ServiceFdStore, max: number): void {
    for (const entry of other.store.entries) {
      const fd = dupCloexec(entry.fd);
      this.#apply(addToStore(this.#store, { fds: [{ fd, identity: fdIdentity(fd) }], name: entry.name, poll: entry.poll }, max));
    }
  }

  release(preserve: FdStorePreserve, reason: FdStoreReleaseReason): void {
    if (this.size > 0) this.#apply(releaseStore(this.#store, preserve, reason));
  }

  /** status --json's fdStore. */
  describe(): { name: string; kind: string }[] {
    return this.#store.entries.map((entry) => {
      let target: string | null = null;
      try {
        target = fdTarget(entry.fd).replace(/ \(deleted\)$/, "");
      } catch {
        target = null;
      }
      return { name: entry.name, kind: describeStoredFd({ inspection: inspectFd(entry.fd), target }) };
    });
  }

  /** Releases everything (the unit is unloaded: manager exit). */
  dispose(preserve: FdStorePreserve): void {
    this.release(preserve, "unit-unloaded");
    this.#hangupWatch?.close();
    this.#hangupWatch = null;
  }

  #apply(change: FdStoreChange): void {
    this.#store = change.store;
    for (const fd of change.unwatch) if (this.#watched.delete(fd)) this.#hangupWatch?.remove(fd);
    for (const fd of change.closeFds) closeFd(fd);
    for (const fd of change.watch) {
      this.#hangupWatch ??= new WatchSet("hangup", (hungUp) => hungUp.forEach((gone) => this.#onHangUp(gone)));
      try {
        this.#hangupWatch.add(fd);
        this.#watched.add(fd);
      } catch (error) {
        // epoll cannot watch regular files and memfds (EPERM): kept, never hangs up (fd-store.ts).
        if (!isSystemCallError(error, "EPERM")) throw error;
      }
    }
    for (const log of change.logs) if (log.level !== "debug") this.#log(log.message);
  }

  /** A reported member has left the watch set already. */
  #onHangUp(fd: number): void {
    if (this.#watched.delete(fd)) this.#apply(hangUp(this.#store, fd));
  }
}
