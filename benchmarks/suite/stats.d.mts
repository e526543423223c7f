// Types of stats.mjs (for the TypeScript tests in test/unit/benchmarks).
export interface Summary {
  median: number
  min: number
  max: number
  n: number
}
export interface Run {
  scenario: string
  client: string
  rep?: number
  ok: boolean
  error?: string
  unsupported?: boolean
  metrics?: Record<string, number>
}
export type SummaryTable = Record<string, Record<string, Record<string, Summary>>>
export function median(values: number[]): number
export function summarize(values: number[]): Summary | null
export function summarizeRuns(runs: Run[]): {
  summary: SummaryTable
  failures: Record<string, Record<string, string[]>>
}
export function memoryRows(summary: SummaryTable, from?: string[]): Record<string, Record<string, Summary>>
export function tlsRows(
  summary: SummaryTable,
  scenarios: { id: string; kind: string; tls?: unknown; plaintext?: unknown }[],
): { scenario: string; plaintext: string; ratios: Record<string, number | null> }[]
export function ratio(
  ours: Summary | undefined,
  theirs: Summary | undefined,
  better?: 'higher' | 'lower',
): number | null
export function headlineRatios(
  summary: SummaryTable,
  scenarios: { id: string; kind: string }[],
  headline: Record<string, { key: string; better: 'higher' | 'lower' }>,
  ours?: string,
  others?: string[],
): { scenario: string; metric: string; better: 'higher' | 'lower'; ratios: Record<string, number | null> }[]
