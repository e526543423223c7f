// Types of java-client.mjs (the pure parts, for the TypeScript tests in test/unit/benchmarks).
export interface ThroughputMetrics {
  records: number
  seconds: number
  recordsPerSec: number
  mbPerSec: number
  [key: string]: number
}
export function parseProducerPerformance(stdout: string): ThroughputMetrics
export function parseConsumerPerformance(stdout: string): ThroughputMetrics
export function parseShareConsumerPerformance(stdout: string): ThroughputMetrics
export function parseEndToEndLatency(stdout: string): Record<string, number>
export function trackChild<T>(child: T): T
export function watchRss(pid: number): { mark(): number | null; stop(): number }
export class JavaClient {
  constructor(testing: unknown, libDir: string)
  readonly libDir: string
  produce(spec: Record<string, unknown>, payloadFile: string): Promise<Record<string, number>>
  consume(spec: Record<string, unknown>): Promise<Record<string, number>>
  shareConsume(spec: Record<string, unknown>): Promise<Record<string, number>>
  endToEndLatency(spec: Record<string, unknown>): Promise<Record<string, number>>
  driver(spec: Record<string, unknown>): Promise<Record<string, number>>
}
