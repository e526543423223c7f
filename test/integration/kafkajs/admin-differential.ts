// The admin programs' adapter to the differential harness (differential.ts): a program drives
// `new Kafka(config).admin()` of kafkajs 2.2.4 or of the layer through `step(label, call, view?)`,
// which records each call's value (through `view`) or its error in the transcript. Errors are
// recorded in more detail than the harness's normalise does (an admin's errors hold errors): class
// name, retriable, type, topic/partition, the message of argument errors (kafkajs's own words),
// and the errors an aggregate holds (`errors`, `groups`, `partitions`), recursively.
import { type Allowance, type DiffContext, type KafkaJSModule, runDifferential } from './differential.js'

/** An error as the transcript shows it. */
export function describeError(e: unknown): Record<string, unknown> {
  const x = e as Record<string, any>
  const out: Record<string, unknown> = { name: x.name, retriable: x.retriable }
  // Messages are kafkajs's own words for argument errors; network errors carry the OS's and the client's.
  const network = (n: unknown) => typeof n === 'string' && /Connection|Timeout|SASL/.test(n)
  if (x.type !== undefined) out.type = x.type
  else if (!network(x.name) && !network(x.cause?.name)) out.message = x.message
  if (x.topic !== undefined) out.topic = x.topic
  if (x.partition !== undefined) out.partition = x.partition
  if (x.cause instanceof Error && x.cause.name.startsWith('KafkaJS')) out.cause = describeError(x.cause)
  if (Array.isArray(x.errors)) out.errors = x.errors.map(describeError)
  if (Array.isArray(x.groups))
    out.groups = x.groups.map((g: any) => ({
      groupId: g.groupId,
      errorCode: g.errorCode,
      error: describeError(g.error),
    }))
  if (Array.isArray(x.partitions))
    out.partitions = x.partitions.map((p: any) => ({
      partition: p.partition,
      offset: p.offset,
      error: describeError(p.error),
    }))
  return out
}

/**
 * Records one call's value (through `view`) or error. `documented`: a difference
 * docs/migrating-from-kafkajs.md lists — the step is left out of the compared transcripts and both
 * sides' outcomes are returned in `documented`, for the test to assert.
 */
export type Step = <T>(
  label: string,
  call: () => Promise<T>,
  view?: ((value: any) => unknown) | null,
  documented?: string,
) => Promise<T | undefined>

export type AdminProgram = (admin: any, step: Step, ctx: DiffContext, kafkajs: KafkaJSModule) => Promise<void>

/** Runs an admin program on kafkajs and on the layer; returns both transcripts (normalised, names replaced). */
export async function adminDifferential(
  program: AdminProgram,
  options: { allow?: readonly Allowance[] } = {},
): Promise<{ kafkajs: unknown; layer: unknown; documented: Map<string, { kafkajs?: unknown; layer?: unknown }> }> {
  const documented = new Map<string, { kafkajs?: unknown; layer?: unknown }>()
  const result = await runDifferential(async (k, ctx) => {
    const admin = new k.Kafka(ctx.kafkaConfig()).admin()
    const transcript: unknown[] = []
    const step: Step = async <T>(
      label: string,
      call: () => Promise<T>,
      view?: ((value: any) => unknown) | null,
      reason?: string,
    ) => {
      let entry: Record<string, unknown>
      let value: T | undefined
      try {
        value = await call()
        entry = { value: (view ?? ((v: unknown) => v))(value) }
      } catch (e) {
        entry = { error: describeError(e) }
      }
      if (reason === undefined) transcript.push({ step: label, ...entry })
      else {
        transcript.push({ step: label, documented: reason })
        const both = documented.get(label) ?? {}
        both[ctx.side] = entry
        documented.set(label, both)
      }
      return value
    }
    try {
      await program(admin, step, ctx, k)
    } finally {
      await admin.disconnect().catch(() => {})
    }
    // KJS_ADMIN_TRANSCRIPT=1 prints the layer's transcript (to read what is compared).
    if (process.env.KJS_ADMIN_TRANSCRIPT && ctx.side === 'layer') console.log(JSON.stringify(transcript, null, 1))
    return transcript
  }, options)
  return { ...result, documented }
}

export const byPartition = (list: any[]): any[] =>
  [...list].sort((a, b) => (a.partition ?? a.partitionId ?? 0) - (b.partition ?? b.partitionId ?? 0))

/**
 * Calls `read` until `done` says its result shows a change just made, for up to `timeoutMs`, and
 * returns the last result. A KRaft broker applies the controller's metadata asynchronously: a read
 * right after createPartitions or alterConfigs returned may still see the old value (kafkajs's run
 * did, in CI). Both clients' transcripts then hold the settled value, or the last one seen.
 */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() >= deadline) return value
    await new Promise((r) => setTimeout(r, 100))
  }
}
