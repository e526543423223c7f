/**
 * Statistics over repetitions: median with min and max, per scenario, client and metric, and
 * the ratios the issue asks for. Pure; unit-tested in test/unit/benchmarks/.
 */

/** Median of a non-empty list (mean of the two middle values for an even count); NaN when empty. */
export function median(values) {
  const xs = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (xs.length === 0) return Number.NaN
  const mid = xs.length >> 1
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2
}

/** { median, min, max, n } of the finite numbers in the list; null when there are none. */
export function summarize(values) {
  const xs = values.filter((x) => typeof x === 'number' && Number.isFinite(x))
  if (xs.length === 0) return null
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length }
}

/**
 * Summaries of every metric of every successful run, keyed `scenario → client → metric`.
 * Failed runs are counted in `failures` (scenario → client → messages).
 */
export function summarizeRuns(runs) {
  const values = {}
  const failures = {}
  for (const r of runs) {
    if (!r.ok) {
      ;((failures[r.scenario] ??= {})[r.client] ??= []).push(r.error ?? 'failed')
      continue
    }
    const byMetric = ((values[r.scenario] ??= {})[r.client] ??= {})
    for (const [k, v] of Object.entries(r.metrics ?? {})) {
      if (typeof v === 'number') (byMetric[k] ??= []).push(v)
    }
  }
  const summary = {}
  for (const [scenario, byClient] of Object.entries(values)) {
    for (const [client, byMetric] of Object.entries(byClient)) {
      for (const [metric, xs] of Object.entries(byMetric)) {
        const s = summarize(xs)
        if (s) ((summary[scenario] ??= {})[client] ??= {})[metric] = s
      }
    }
  }
  return { summary, failures }
}

/**
 * M1: the peak RSS of each client during the given scenarios' runs (the report passes every
 * throughput scenario of the run), as { scenario: { client: peakRssMb summary } }.
 */
export function memoryRows(summary, from = ['P2', 'C2']) {
  const rows = {}
  for (const scenario of from) {
    for (const [client, metrics] of Object.entries(summary[scenario] ?? {})) {
      if (metrics.peakRssMb) (rows[scenario] ??= {})[client] = metrics.peakRssMb
    }
  }
  return rows
}

/**
 * TLS against plaintext (issue #22: within 15 %): for each TLS scenario of the run whose plaintext
 * twin (`sc.plaintext`) ran too, each client's median records/s over TLS / its median in plaintext,
 * as [{ scenario, plaintext, ratios: { client: number | null } }].
 */
export function tlsRows(summary, scenarios) {
  const rows = []
  for (const sc of scenarios) {
    if (!sc.tls || !sc.plaintext || !summary[sc.id] || !summary[sc.plaintext]) continue
    const ratios = {}
    for (const [client, metrics] of Object.entries(summary[sc.id])) {
      ratios[client] = ratio(metrics.recordsPerSec, summary[sc.plaintext][client]?.recordsPerSec)
    }
    rows.push({ scenario: sc.id, plaintext: sc.plaintext, ratios })
  }
  return rows
}

/**
 * kafka-wire / other for a metric's medians. For a 'higher is better' metric a ratio above 1
 * means kafka-wire is ahead; for 'lower is better' the ratio is inverted (other / kafka-wire) so
 * that above 1 still means kafka-wire is ahead. null when either side is missing or zero.
 */
export function ratio(ours, theirs, better = 'higher') {
  if (!ours || !theirs) return null
  const a = ours.median
  const b = theirs.median
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || b === 0) return null
  return better === 'higher' ? a / b : b / a
}

/**
 * Ratios of kafka-wire's headline metric to each other client's, per scenario:
 * [{ scenario, metric, better, ratios: { client: number | null } }].
 */
export function headlineRatios(summary, scenarios, headline, ours = 'kafka-wire', others = []) {
  const out = []
  for (const sc of scenarios) {
    const h = headline[sc.kind]
    if (!h) continue
    const row = summary[sc.id] ?? {}
    const mine = row[ours]?.[h.key]
    const ratios = {}
    for (const other of others) ratios[other] = ratio(mine, row[other]?.[h.key], h.better)
    out.push({ scenario: sc.id, metric: h.key, better: h.better, ratios })
    if (sc.kind === 'slow-consume') {
      const ratios2 = {}
      for (const other of others) ratios2[other] = ratio(row[ours]?.rssGrowthMb, row[other]?.rssGrowthMb, 'lower')
      out.push({ scenario: sc.id, metric: 'rssGrowthMb', better: 'lower', ratios: ratios2 })
    }
    if (sc.kind === 'group') {
      const ratios2 = {}
      for (const other of others) ratios2[other] = ratio(row[ours]?.rebalanceMs, row[other]?.rebalanceMs, 'lower')
      out.push({ scenario: sc.id, metric: 'rebalanceMs', better: 'lower', ratios: ratios2 })
    }
  }
  return out
}
