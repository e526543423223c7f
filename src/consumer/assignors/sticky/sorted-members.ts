/**
 * Members ordered by how many partitions they hold, then by member id (Java's TreeSet with
 * SubscriptionComparator). A member's size must not change while it is in the set: remove it,
 * change its assignment, add it back.
 */
export class SortedMembers implements Iterable<string> {
  readonly #members: string[] = []
  readonly #sizes = new Map<string, number>()

  constructor(readonly sizeOf: (member: string) => number) {}

  add(member: string): void {
    const size = this.sizeOf(member)
    this.#sizes.set(member, size)
    let low = 0
    let high = this.#members.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.#compare(this.#members[mid]!, size, member) < 0) low = mid + 1
      else high = mid
    }
    this.#members.splice(low, 0, member)
  }

  remove(member: string): void {
    const index = this.#members.indexOf(member)
    if (index >= 0) this.#members.splice(index, 1)
    this.#sizes.delete(member)
  }

  first(): string | undefined {
    return this.#members[0]
  }

  last(): string | undefined {
    return this.#members[this.#members.length - 1]
  }

  [Symbol.iterator](): Iterator<string> {
    return this.#members[Symbol.iterator]()
  }

  /** Compares an element of the set (by its size when added) with (size, member). */
  #compare(element: string, size: number, member: string): number {
    const elementSize = this.#sizes.get(element)!
    if (elementSize !== size) return elementSize - size
    return element < member ? -1 : element > member ? 1 : 0
  }
}
