// What one step of the reducer works on: the unit, the time of the event, the runtime record
// as it is being updated, and the effects asked for so far. The enter_* functions take it
// and return the next state; step() hands the caller a fresh snapshot, so nothing the caller
// holds is ever changed.
import type { NotifyAccess, ServiceSection } from "../units/service-section.js";
import type { ServiceUnitModel } from "../units/unit-model.js";
import type { Deadline, Effect, LogLevel, ServiceResult, ServiceRuntime } from "./service-state.js";

export class Transition {
  readonly effects: Effect[] = [];
  #runtime: ServiceRuntime;
  /** Whether #runtime is this step's own copy yet (copied on the first update, then changed in place). */
  #owned = false;

  constructor(
    readonly model: ServiceUnitModel,
    runtime: ServiceRuntime,
    readonly now: number,
  ) {
    this.#runtime = runtime;
  }

  get runtime(): ServiceRuntime {
    return this.#runtime;
  }

  get service(): ServiceSection {
    return this.model.service;
  }

  /** NotifyAccess=, or the service's own NOTIFYACCESS= for this cycle. */
  get notifyAccess(): NotifyAccess {
    return this.#runtime.notifyAccessOverride ?? this.service.notifyAccess;
  }

  update(changes: Partial<ServiceRuntime>): void {
    if (!this.#owned) {
      this.#runtime = { ...this.#runtime };
      this.#owned = true;
    }
    Object.assign(this.#runtime, changes);
  }

  /** systemd: the first non-success result of a cycle is the one that sticks. */
  fail(result: ServiceResult): void {
    if (this.#runtime.result === "success" && result !== "success") this.update({ result });
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  log(level: LogLevel, message: string): void {
    this.effects.push({ kind: "log", level, message });
  }

  /** The deadline `usec` from now; Infinity never times out. */
  after(usec: number): Deadline {
    return usec === Infinity ? null : this.now + usec;
  }

  get startDeadline(): Deadline {
    return this.after(this.service.timeoutStartUsec);
  }

  get stopDeadline(): Deadline {
    return this.after(this.service.timeoutStopUsec);
  }

  /** TimeoutAbortSec=, for the watchdog-signal stages; unset falls back to TimeoutStopSec=. */
  get abortDeadline(): Deadline {
    return this.after(this.service.timeoutAbortUsec ?? this.service.timeoutStopUsec);
  }
}
