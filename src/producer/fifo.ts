/**
 * A first-in first-out queue with O(1) push and shift at any size (Array#shift copies large
 * arrays). Used for sends waiting for metadata or memory and for buffer pool waiters, which
 * can number in the hundreds of thousands when an application sends faster than the cluster
 * takes records.
 */
export class Fifo<T> implements Iterable<T> {
  #items: (T | undefined)[] = []
  #head = 0

  get length(): number {
    return this.#items.length - this.#head
  }

  push(item: T): void {
    this.#items.push(item)
  }

  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined
  }

  /** The most recently pushed item still queued. */
  last(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#items.length - 1] : undefined
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    // Compact once the consumed prefix dominates.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Removes one item (O(n); for aborts and timeouts). */
  remove(item: T): boolean {
    const i = this.#items.indexOf(item, this.#head)
    if (i < 0) return false
    this.#items.splice(i, 1)
    return true
  }

  /** Removes and returns every item. */
  clear(): T[] {
    const out = this.#items.slice(this.#head) as T[]
    this.#items = []
    this.#head = 0
    return out
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T
  }
}
