// Types of scenarios.mjs (for the TypeScript tests in test/unit/benchmarks).
export interface Scenario {
  id: string
  kind: 'produce' | 'consume' | 'latency' | 'group' | 'slow-consume' | 'share' | 'txn-produce' | 'txn-latency'
  title: string
  [key: string]: unknown
}
export const PRODUCER_DEFAULTS: Record<string, number>
export const GROUP_DEFAULTS: Record<string, number>
export const TXN_RETRY_BACKOFF_MS: number
export const SCENARIOS: Scenario[]
export const SIZES: Record<'full' | 'smoke', Record<string, number>>
export const HEADLINE: Record<string, { key: string; unit: string; better: 'higher' | 'lower' }>
export const METRICS: Record<string, [string, string, 'higher' | 'lower'][]>
export function transactionalRecords(
  sc: Scenario,
  sizes: Record<string, number>,
  options?: { mode?: 'full' | 'smoke'; recordsOption?: number },
): number
export function transactionalOffsetsProblem(
  offsets: { partition: number; highWatermark: number; lastStable: number }[],
  run: { records: number; recordsPerTransaction: number },
): string | null
