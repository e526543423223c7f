/** The consumer's wakeable wait (deadlines and sleep are in internal/deadline.ts). No Kafka logic here. */

/** A one-shot latch that any number of waiters can await; `fire()` wakes all and re-arms. */
export class Signal {
  #resolve: (() => void) | null = null
  #promise: Promise<void> | null = null
  wait(): Promise<void> {
    this.#promise ??= new Promise<void>((r) => {
      this.#resolve = r
    })
    return this.#promise
  }
  fire(): void {
    const r = this.#resolve
    this.#resolve = null
    this.#promise = null
    r?.()
  }
}
