// Waiting on events with a deadline, never on sleeps.

/** Collects events as they happen; `next` waits for one that matches, up to a deadline. */
export class EventLog<T> {
  readonly seen: T[] = [];
  #waiters: { match: (event: T) => boolean; resolve: (event: T) => void }[] = [];

  push(event: T): void {
    this.seen.push(event);
    const waiter = this.#waiters.find((w) => w.match(event));
    if (waiter) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  }

  /** The first event (already seen or still to come) that matches and was not taken before. */
  next(match: (event: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
    const index = this.seen.findIndex((e) => match(e) && !this.#taken.has(e));
    if (index >= 0) {
      const event = this.seen[index] as T;
      this.#taken.add(event);
      return Promise.resolve(event);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== onEvent);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(this.seen, replacer)}`));
      }, timeoutMs);
      const onEvent = (event: T) => {
        clearTimeout(timer);
        this.#taken.add(event);
        resolve(event);
      };
      this.#waiters.push({ match, resolve: onEvent });
    });
  }

  #taken = new Set<T>();
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (value && typeof value === "object" && (value as { type?: string }).type === "Buffer") {
    return Buffer.from((value as { data: number[] }).data).toString("utf8");
  }
  return value;
}

/**
 * For state the kernel offers no event for (a /proc entry appearing): checks on
 * every turn of the event loop until it holds or the deadline passes.
 */
export async function waitUntil<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
