/**
 * Latency recording for the perf commands and the demo: every sample kept in a typed array
 * (bounded: beyond `capacity` samples, every k-th is kept), percentiles by sorting once.
 */
export class LatencyRecorder {
  #samples: Float64Array
  #count = 0
  #seen = 0
  #stride = 1
  #sum = 0
  #max = 0

  constructor(capacity = 2_000_000) {
    this.#samples = new Float64Array(capacity)
  }

  record(ms: number): void {
    this.#seen++
    this.#sum += ms
    if (ms > this.#max) this.#max = ms
    if (this.#seen % this.#stride !== 0) return
    if (this.#count === this.#samples.length) {
      // Keep every other sample and halve the sampling rate: memory stays bounded.
      for (let i = 0; i < this.#count / 2; i++) this.#samples[i] = this.#samples[i * 2]!
      this.#count = Math.floor(this.#count / 2)
      this.#stride *= 2
    }
    this.#samples[this.#count++] = ms
  }

  get count(): number {
    return this.#seen
  }

  summary(): LatencySummary {
    const sorted = this.#samples.slice(0, this.#count).sort()
    const at = (p: number) =>
      sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
    return {
      count: this.#seen,
      avg: this.#seen === 0 ? 0 : this.#sum / this.#seen,
      max: this.#max,
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      p999: at(0.999),
    }
  }
}

export interface LatencySummary {
  count: number
  avg: number
  max: number
  p50: number
  p95: number
  p99: number
  p999: number
}
