/**
 * Shared by the producer benchmark's runner and client scripts: payloads, the result line
 * protocol (one JSON line on stdout prefixed with RESULT), and latency percentiles.
 */

/** One value of `size` printable letters A–Z (deterministic), reused for every record as
 * Kafka's ProducerPerformance does with --record-size. */
export function payload(size, seed = 7) {
  const out = Buffer.allocUnsafe(size)
  let s = seed >>> 0
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    out[i] = 65 + ((s >>> 16) % 26)
  }
  return out
}

export function emit(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

export function parseResult(stdout) {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('RESULT '))
  if (line === undefined) throw new Error(`no RESULT line in output: ${stdout.slice(-500)}`)
  return JSON.parse(line.slice(7))
}

/** p-th percentile (0–100) of a sorted Float64Array / array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}

export function peakRssMb() {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10
}

/** Paces `total` calls of `fn` at `rate` per second (a tick every ms), then resolves. */
export async function paced(rate, total, fn) {
  const start = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1)
    while (sent < due) fn(sent++)
    await new Promise((r) => setTimeout(r, 1))
  }
}
