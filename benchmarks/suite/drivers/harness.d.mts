// Types of harness.mjs (the parts the TypeScript tests in test/unit/benchmarks use).
export function emit(type: string, data?: Record<string, unknown>): void
export function parseLine(line: string): Record<string, any> | null
export function round(x: number, digits?: number): number
export function throughput(
  records: number,
  bytes: number,
  elapsedMs: number,
): { records: number; seconds: number; recordsPerSec: number; mbPerSec: number }
export class Latencies {
  constructor(capacity?: number)
  record(ms: number): void
  readonly count: number
  summary(): { count: number; avgMs: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number }
}
export class GroupTracker {
  constructor(partitions: number)
  lastChange: number
  join(member: number): void
  leave(member: number): void
  assigned(member: number, partitions: Iterable<number>): void
  assignmentOf(member: number): number[]
  complete(): boolean
  waitStable(quietMs: number, timeoutMs: number): Promise<number>
}
export function stampedValue(template: Buffer, seq: number): Buffer
export function stampOf(value: Buffer): number
export function seqOf(value: Buffer): number
export function groupScenario(
  spec: { members: number; partitions: number; quietMs: number; stableTimeoutMs: number },
  createMember: (
    i: number,
    tracker: GroupTracker,
  ) =>
    | ({ start(): Promise<void> } & { close(): Promise<void> })
    | Promise<{ start(): Promise<void>; close(): Promise<void> }>,
  hooks?: { onStable?: () => unknown },
): Promise<{
  members: number
  partitions: number
  stabiliseMs: number
  rebalanceMs: number | null
  leaverCloseMs: number
}>
export function markConnected(): Promise<void>
export class SlowReader {
  constructor(spec: { durationMs: number })
  records: number
  bytes: number
  received(count: number, bytes: number): void
  done(): boolean
  metrics(): { records: number; seconds: number; recordsPerSec: number; mbRead: number }
}
export function transactionalSends(
  total: number,
  perTransaction: number,
  runTransaction: (from: number, count: number) => Promise<unknown>,
): Promise<{ elapsedMs: number; transactions: number }>
