// Types of report.mjs (for the TypeScript tests in test/unit/benchmarks).
import type { Run, Summary } from './stats.mjs'

export interface Results {
  meta?: Record<string, any>
  runs: Run[]
}
export interface ReportOptions {
  scenarios: { id: string; kind: string; title: string }[]
  metrics?: Record<string, [string, string, string][]>
  headline?: Record<string, { key: string; unit?: string; better: 'higher' | 'lower' }>
  chartPath?: string
  title?: string
}
export const SECTION_TITLE: string
export const BEGIN_MARK: string
export const END_MARK: string
export const CLIENTS: { id: string; label: string; color: string }[]
export function formatNumber(x: number | null | undefined): string
export function formatSummary(s: Summary | null | undefined): string
export function formatRatio(r: number | null | undefined): string
export function clientOrder(results: Results): string[]
export function renderMarkdown(results: Results, options: ReportOptions): string
export function spliceSection(doc: string, generated: string): string
export function renderRatiosText(results: Results, options: ReportOptions): string
export function renderChart(results: Results, options: ReportOptions): string
