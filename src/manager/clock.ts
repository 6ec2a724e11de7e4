// The manager's clocks: core reducers take time as microseconds on a monotonic
// clock; people read wall-clock ISO times.

export function monotonicUsec(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The wall-clock time at which a monotonic instant happened (or will happen). */
export function wallClockAt(usec: number, now = monotonicUsec()): Date {
  return new Date(Date.now() - (now - usec) / 1000);
}
