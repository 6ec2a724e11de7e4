// The native addon, loaded once, with the types of every export.
// Each export is one syscall or one recipe; errors carry `code` (errno name) and `syscall`.
import type { AcceptedConnection } from "./sockets.js";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** An opaque handle (reaper, watch set, notify watch) that must be closed explicitly. */
export type NativeHandle = { readonly __nativeHandle: unique symbol };

export interface NativeSpawnSpec {
  file: string;
  argv: readonly string[];
  env: readonly string[];
  fds?: readonly number[];
  cwd?: string;
  cgroup?: string;
  newSession?: boolean;
  newProcessGroup?: boolean;
  uid?: number;
  gid?: number;
  groups?: readonly number[];
  umask?: number;
  pdeathsig?: number;
  rlimits?: readonly { resource: number; soft: number; hard: number }[];
  setListenPid?: boolean;
  setWatchdogPid?: boolean;
  /** Child fds whose O_NONBLOCK is set to `nonBlocking` before exec. */
  flagFds?: readonly number[];
  nonBlocking?: boolean;
}

export interface NativeChildChange {
  pid: number;
  code: "exited" | "killed" | "dumped" | "stopped" | "trapped" | "continued" | "unknown";
  status: number;
}

/**
 * One batch of notify datagrams, packed: the payloads side by side in `data`, and
 * per datagram a record in `records`: offset, length, pid, uid, gid (-1 when the
 * datagram carried no credentials), truncated (0/1), fd count, then the fds.
 */
export type NativeNotifyBatchCallback = (data: Buffer, records: Int32Array) => void;

export interface NativeSocketSpec {
  family: "inet" | "inet6" | "unix";
  type: "stream" | "dgram" | "seqpacket";
  host?: string;
  port?: number;
  path?: string;
  backlog?: number;
  listen?: boolean;
  reusePort?: boolean;
  reuseAddress?: boolean;
  nonBlocking?: boolean;
  ipv6Only?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface NativeFdInspection {
  type: "socket" | "fifo" | "file" | "directory" | "char" | "block" | "link" | "unknown";
  size: number;
  socket?: {
    family: "inet" | "inet6" | "unix" | "netlink" | "other";
    type: "stream" | "dgram" | "seqpacket" | "raw" | "other";
    listening: boolean;
    localAddress?: string;
    localPort?: number | null;
    peerAddress: string | null;
    peerPort: number | null;
  };
}

export interface NativeAddon {
  closeHandle(handle: NativeHandle): void;
  refHandle(handle: NativeHandle, on: boolean): void;

  spawn(spec: NativeSpawnSpec): { pid: number; pidfd: number };
  execReplace(file: string, argv: readonly string[], env: readonly string[], keepFds: readonly number[]): never;

  reaperStart(callback: (changes: NativeChildChange[]) => void): NativeHandle;
  reapNow(): NativeChildChange[];

  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  pidfdInodeId(pidfd: number): bigint;

  watchSetCreate(kind: "readable" | "hangup", callback: (fds: number[]) => void): NativeHandle;
  watchSetAdd(set: NativeHandle, fd: number): void;
  watchSetRemove(set: NativeHandle, fd: number): boolean;

  notifyBind(address: string): number;
  notifyWatch(fd: number, callback: NativeNotifyBatchCallback): NativeHandle;
  notifySend(address: string, data: Buffer, fds: readonly number[], pid: number, dontWait: boolean): number;

  socketCreate(spec: NativeSocketSpec): number;
  fifoCreate(path: string, mode: number, uid: number, gid: number): number;
  fdInspect(fd: number): NativeFdInspection;
  peerCredentials(fd: number): { pid: number; uid: number; gid: number };
  socketAccept(fd: number): AcceptedConnection;

  close(fd: number): void;
  dupCloexec(fd: number): number;
  setCloexec(fd: number, on: boolean): boolean;
  fdIdentity(fd: number): { dev: bigint; ino: bigint; mode: number; accessMode: number };
  fdsSameFile(a: number, b: number): boolean | null;
  pipe(): [number, number];
  socketPair(type: "stream" | "dgram" | "seqpacket"): [number, number];
  memfdCreate(name: string): number;

  flock(fd: number, mode: "shared" | "exclusive" | "unlock", wait: boolean): boolean;
  setChildSubreaper(on: boolean): void;
  getChildSubreaper(): boolean;
  setParentDeathSignal(signal: number): void;
  getParentDeathSignal(): number;
  kill(pid: number, signal: number): void;
  killpg(pgid: number, signal: number): void;
  rlimits: Readonly<Record<string, number>>;
}

/** Finds build/Release/steward.node above this file, from src/ (tsx) or dist/src/ (built). */
function addonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "build", "Release", "steward.node");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error("steward's native addon is not built: run `npm install` (or `npm run build`) first");
    }
    dir = parent;
  }
}

const require = createRequire(import.meta.url);
export const native = require(addonPath()) as NativeAddon;
