// A set of fds watched in one epoll set; each member is reported once, then leaves the set.
import { native, type NativeHandle } from "./native.js";

/**
 * "readable": reported when readable (a pidfd whose process exited).
 * "hangup": registered with no events, reported on POLLHUP/POLLERR only.
 * Remove an fd before closing it: epoll watches the open file, not the number.
 */
export class WatchSet {
  readonly #handle: NativeHandle;
  #closed = false;

  constructor(kind: "readable" | "hangup", onReady: (fds: number[]) => void) {
    this.#handle = native.watchSetCreate(kind, onReady);
  }

  add(fd: number): void {
    native.watchSetAdd(this.#handle, fd);
  }

  /** Returns whether the fd was a member. */
  remove(fd: number): boolean {
    return native.watchSetRemove(this.#handle, fd);
  }

  unref(): this {
    native.refHandle(this.#handle, false);
    return this;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    native.closeHandle(this.#handle);
  }
}
