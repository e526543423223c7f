/**
 * The one Clock of kafka-wire: time and timers, injected into the sans-IO state machines' drivers
 * (the SenderLoop, the HeartbeatDriver) so tests can step them with plain numbers.
 */

export interface Clock {
  /** Milliseconds since the epoch (Date.now()). */
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  setImmediate(fn: () => void): void
}

export const systemClock: Clock = {
  now: Date.now,
  // Timers stay referenced: a record waiting for its linger deadline, or a heartbeat that is due,
  // is work in progress.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setImmediate: (fn) => {
    setImmediate(fn)
  },
}
