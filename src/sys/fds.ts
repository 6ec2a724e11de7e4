// fd utilities: close, duplicate, close-on-exec, identity, and counting.
import { readdirSync, readlinkSync } from "node:fs";
import { native } from "./native.js";

export function closeFd(fd: number): void {
  native.close(fd);
}

/** A copy of the fd at 3 or above, close-on-exec. */
export function dupCloexec(fd: number): number {
  return native.dupCloexec(fd);
}

/** Sets or clears FD_CLOEXEC; returns the previous setting. */
export function setCloexec(fd: number, on: boolean): boolean {
  return native.setCloexec(fd, on);
}

/** Equal for every fd that refers to the same inode with the same access mode (a cheap de-duplication key; a pipe's two ends differ). */
export function fdIdentity(fd: number): string {
  const { dev, ino, mode, accessMode } = native.fdIdentity(fd);
  return `${dev}:${ino}:${mode & 0o170000}:${accessMode}`;
}

/** Whether two fds share one open file description; null where kcmp is not allowed. */
export function sameOpenFile(a: number, b: number): boolean | null {
  return native.fdsSameFile(a, b);
}

export function pipe(): { readEnd: number; writeEnd: number } {
  const [readEnd, writeEnd] = native.pipe();
  return { readEnd, writeEnd };
}

export function socketPair(type: "stream" | "dgram" | "seqpacket" = "stream"): [number, number] {
  return native.socketPair(type);
}

export function memfd(name: string): number {
  return native.memfdCreate(name);
}

/** The fds this process has open now, in ascending order. */
export function openFds(): number[] {
  // readdir itself holds one fd on the directory while listing; drop the one that no longer exists.
  return readdirSync("/proc/self/fd")
    .map(Number)
    .filter((fd) => {
      try {
        readlinkSync(`/proc/self/fd/${fd}`);
        return true;
      } catch {
        return false;
      }
    })
    .sort((a, b) => a - b);
}

/** What /proc says an fd is, e.g. "socket:[123]", "pipe:[45]", "/dev/null", "anon_inode:[pidfd]". */
export function fdTarget(fd: number, pid: number | "self" = "self"): string {
  return readlinkSync(`/proc/${pid}/fd/${fd}`);
}
