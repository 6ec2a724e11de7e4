// The reaper: every child's end (or stop, or continue) in one batch per SIGCHLD.
import { native, type NativeChildChange, type NativeHandle } from "./native.js";

export type ChildChange =
  | { pid: number; kind: "exited"; code: number }
  | { pid: number; kind: "killed"; signal: number; coreDumped: boolean }
  | { pid: number; kind: "stopped"; signal: number }
  | { pid: number; kind: "continued" };

function toChange(raw: NativeChildChange): ChildChange {
  switch (raw.code) {
    case "exited":
      return { pid: raw.pid, kind: "exited", code: raw.status };
    case "killed":
    case "dumped":
      return { pid: raw.pid, kind: "killed", signal: raw.status, coreDumped: raw.code === "dumped" };
    case "stopped":
    case "trapped":
      return { pid: raw.pid, kind: "stopped", signal: raw.status };
    case "continued":
      return { pid: raw.pid, kind: "continued" };
    case "unknown":
      throw new Error(`waitid reported an unknown change for pid ${raw.pid}`);
  }
}

/**
 * Reaps every child of this process, spawned or adopted. Only one may run in a
 * process, and nothing else may spawn with node:child_process while it does:
 * waitid(P_ALL) takes libuv's children too.
 */
export class Reaper {
  readonly #handle: NativeHandle;
  #closed = false;

  constructor(onChanges: (changes: ChildChange[]) => void) {
    this.#handle = native.reaperStart((raw) => onChanges(raw.map(toChange)));
  }

  /** Lets the process exit while the reaper is the only thing left. */
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

/** Reaps synchronously whatever is pending now. */
export function reapNow(): ChildChange[] {
  return native.reapNow().map(toChange);
}
