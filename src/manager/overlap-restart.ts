// `steward restart --overlap UNIT` (docs/sockets.md): a new instance of the service starts
// beside the running one, with the same listening sockets and a copy of its fd store. Once
// the new one is ready it becomes the unit's instance and the old one is stopped gracefully;
// if it does not become ready it is stopped and the old one keeps running. The unit stays
// active throughout.
import { activeState, mainPidOf, subState, type ActiveState } from "../core/service-state.js";
import { describeProcessEnd } from "../protocol/exit-status.js";
import { ServiceRunner } from "./service-runner.js";
import type { SocketRunner } from "./socket-runner.js";

/** Why a unit cannot be restarted overlapped now, or null when it can. */
export function overlapRefusal(runner: ServiceRunner | SocketRunner | null, underWay: boolean, job: string | null): string | null {
  if (!(runner instanceof ServiceRunner)) return "only a loaded service can be restarted overlapped";
  if (underWay) return "an overlapped restart is already under way";
  if (job !== null) return `a ${job} job is under way; try again when it is done`;
  const state = runner.snapshot.state;
  if (state.kind !== "running" || mainPidOf(state) === null) {
    return `it is ${activeState(state)} (${subState(state)}), not running with a main process; use restart`;
  }
  return null;
}

export interface OverlapHost {
  /** The new instance: a runner of the same unit whose processes are tracked apart. */
  createInstance(): ServiceRunner;
  /** The new instance is ready: from now on it is the unit's runner. */
  promote(next: ServiceRunner): void;
  /** A runner that is down for good and no longer the unit's: forget it, close what it holds. */
  retire(runner: ServiceRunner): void;
  log(message: string): void;
}

export interface OverlapOutcome {
  ok: boolean;
  message: string;
}

type Phase =
  /** The new instance is starting; the old one is the unit's. */
  | "starting"
  /** The new instance did not make it (or the overlap was called off): it is being stopped. */
  | "cancelling"
  /** The new instance is the unit's; the old one is being stopped. */
  | "stopping-old"
  | "done";

export class OverlapRestart {
  readonly unit: string;
  readonly old: ServiceRunner;
  readonly next: ServiceRunner;
  readonly done: Promise<OverlapOutcome>;
  readonly #host: OverlapHost;
  #phase: Phase = "starting";
  #failure = "";
  #resolve!: (outcome: OverlapOutcome) => void;

  constructor(old: ServiceRunner, host: OverlapHost) {
    this.unit = old.name;
    this.old = old;
    this.#host = host;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.next = host.createInstance();
    this.next.copyFdStoreFrom(old);
  }

  /** Starts the new instance (once the caller can route its state changes here: they may come at once). */
  begin(): void {
    this.#host.log(`Overlapped restart: starting a new instance beside main PID ${mainPidOf(this.old.snapshot.state) ?? "(none)"}.`);
    this.next.request("start-requested");
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** A state change of either instance while it is not the unit's runner. */
  instanceChanged(runner: ServiceRunner, current: ActiveState): void {
    if (runner === this.next) this.#nextChanged(current);
    else if (runner === this.old && this.#phase === "stopping-old" && isDown(current)) this.#finish(this.old, true);
  }

  /** Calls the overlap off (a job for the unit, or shutdown) while the new instance is not yet the unit's. */
  abort(reason: string): void {
    if (this.#phase !== "starting") return;
    this.#cancel(reason);
  }

  #nextChanged(current: ActiveState): void {
    const state = this.next.snapshot.state;
    if (this.#phase === "cancelling") {
      if (isDown(current)) this.#finish(this.next, false);
      return;
    }
    if (this.#phase !== "starting") return;
    if (current === "active" && state.kind !== "auto-restart") {
      this.#phase = "stopping-old";
      this.#host.log(`Overlapped restart: the new instance is ready (main PID ${mainPidOf(state) ?? "(none)"}); stopping the old one.`);
      this.#host.promote(this.next);
      this.old.request("stop-requested");
      // Already down (it had died meanwhile): nothing to wait for.
      if (isDown(activeState(this.old.snapshot.state))) this.#finish(this.old, true);
      return;
    }
    // It failed to start; Restart= must not make a second attempt beside the old instance.
    if (isDown(current) || state.kind === "auto-restart") this.#cancel(`the new instance did not become ready (${this.#why()})`);
  }

  #cancel(reason: string): void {
    this.#phase = "cancelling";
    this.#failure = reason;
    this.#host.log(`Overlapped restart: ${reason}; the old instance keeps running.`);
    if (isDown(activeState(this.next.snapshot.state)) && this.next.snapshot.state.kind !== "auto-restart") {
      this.#finish(this.next, false);
      return;
    }
    this.next.request("stop-requested");
  }

  #why(): string {
    const runtime = this.next.snapshot.runtime;
    const end = runtime.mainExit?.end;
    return end ? `result ${runtime.result}, ${describeProcessEnd(end)}` : `result ${runtime.result}`;
  }

  #finish(retired: ServiceRunner, ok: boolean): void {
    if (this.#phase === "done") return;
    this.#phase = "done";
    this.#host.retire(retired);
    const newPid = mainPidOf(this.next.snapshot.state);
    const oldPid = mainPidOf(this.old.snapshot.state);
    this.#resolve(
      ok
        ? { ok: true, message: `${this.unit}: the new instance is ready (main PID ${newPid ?? "(none)"}); the old one is stopped` }
        : { ok: false, message: `${this.unit}: ${this.#failure}; the old instance${oldPid === null ? "" : ` (main PID ${oldPid})`} keeps running` },
    );
  }
}

function isDown(active: ActiveState): boolean {
  return active === "inactive" || active === "failed";
}
