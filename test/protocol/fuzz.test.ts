/**
 * Fuzzing the decoders. Valid frames (generated from the schemas and encoded) are mutated —
 * bits flipped, bytes inserted, deleted or overwritten with 0xff/0x7f runs, frames truncated —
 * and fed, with purely random frames too, to every response decoder at every version (and to
 * the request and consumer-protocol decoders). A decoder may succeed or throw ProtocolError;
 * anything else (RangeError, TypeError, …), a slow case or an allocation far beyond the frame
 * fails the test.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/errors.js'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/header.js'
import {
  Apis,
  ApisByKey,
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
} from '../../src/protocol/messages/index.js'
import { compile, decodeMessage, encodeMessage } from '../../src/protocol/schema/codec.js'
import type { ApiSchema, Fields, MessageSchema, StructType, TypeDef } from '../../src/protocol/schema/dsl.js'
import { arbitraryFor, fieldMode, inVersions, type View } from './support/arbitrary.js'
import { reportFuzz } from './support/fuzz-report.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 60)
/**
 * Generous, to stay clear of GC pauses on a loaded machine: decoding a few hundred bytes takes
 * microseconds, a hang or a runaway loop far longer.
 */
const SLOW_MS = 1000

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'overwrite'; at: number; bytes: Uint8Array }
  | { op: 'truncate'; at: number }

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({
    op: fc.constant('overwrite' as const),
    at: fc.nat(),
    // Large lengths and counts are the interesting corruptions.
    bytes: fc.oneof(
      fc.constantFrom(
        Uint8Array.of(0xff, 0xff, 0xff, 0xff),
        Uint8Array.of(0x7f, 0xff, 0xff, 0xff),
        Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f),
        Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
        Uint8Array.of(0x00, 0x00),
      ),
      fc.uint8Array({ minLength: 1, maxLength: 4 }),
    ),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
)

function mutate(frame: Buffer, mutations: readonly Mutation[], keepHead: number): Buffer {
  let b = Buffer.from(frame)
  for (const m of mutations) {
    const span = Math.max(b.length - keepHead, 1)
    const at = keepHead + (m.at % span)
    switch (m.op) {
      case 'flip':
        if (at < b.length) b[at]! ^= 1 << m.bit
        break
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)])
        break
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)])
        break
      case 'overwrite':
        for (let i = 0; i < m.bytes.length && at + i < b.length; i++) b[at + i] = m.bytes[i]!
        break
      case 'truncate':
        b = b.subarray(0, at)
        break
    }
  }
  return b
}

interface Stats {
  cases: number
  decoded: number
  rejected: number
  slowestMs: number
  worstValuesPerByte: number
}

/** How many JS values a decoded result holds: a proxy for what decoding allocated. */
function countValues(v: unknown): number {
  if (v === null || typeof v !== 'object') return 1
  if (Buffer.isBuffer(v)) return 1
  if (Array.isArray(v)) {
    let n = 1
    for (const e of v) n += countValues(e)
    return n
  }
  let n = 1
  for (const k in v as object) n += countValues((v as Record<string, unknown>)[k])
  return n
}

/** Frames fed to a decoder in this file, all tests (printed at the end; `npm run fuzz` sums them). */
const total = { frames: 0, rejected: 0 }
afterAll(() => reportFuzz('protocol decoders', total))

function attempt(stats: Stats, frame: Buffer, decode: (b: Buffer) => unknown): void {
  stats.cases++
  total.frames++
  const started = performance.now()
  let result: unknown
  try {
    result = decode(frame)
    stats.decoded++
  } catch (e) {
    if (!(e instanceof ProtocolError)) {
      throw new Error(`decoder threw ${(e as Error)?.name}: ${(e as Error)?.message} for ${frame.toString('hex')}`, {
        cause: e,
      })
    }
    stats.rejected++
    total.rejected++
  }
  let ms = performance.now() - started
  if (ms > SLOW_MS) {
    // A slow case on a loaded machine is usually the scheduler or a GC pause: time it again, and
    // fail only when the decoder itself is slow every time (a hang or a runaway loop).
    for (let i = 0; i < 3 && ms > SLOW_MS; i++) {
      const again = performance.now()
      try {
        decode(frame)
      } catch {
        // the outcome was checked above
      }
      ms = Math.min(ms, performance.now() - again)
    }
  }
  stats.slowestMs = Math.max(stats.slowestMs, ms)
  if (ms > SLOW_MS) throw new Error(`decoding ${frame.length} bytes took ${ms.toFixed(0)} ms: ${frame.toString('hex')}`)
  if (result !== undefined && frame.length > 0) {
    stats.worstValuesPerByte = Math.max(stats.worstValuesPerByte, countValues(result) / frame.length)
  }
}

function versionsOf(api: ApiSchema<any, any>): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i)
}

const newStats = (): Stats => ({ cases: 0, decoded: 0, rejected: 0, slowestMs: 0, worstValuesPerByte: 0 })
const responseStats = newStats()

describe('mutated response frames', () => {
  it.each(Object.values(Apis).map((a) => [a.name, a] as const))('%s, every version', (_name, api) => {
    for (const v of versionsOf(api)) {
      compile(api.response, v) // compiled once per version, outside the timed decode
      const frames = arbitraryFor(api.response, v, { maxArray: 4, maxString: 8 }).map((body) =>
        Buffer.concat(encodeResponse(api, v, 1, body as never)).subarray(4),
      )
      fc.assert(
        fc.property(frames, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (frame, mutations) => {
          // Keep the correlation id: the connection matched it before the decoder runs.
          attempt(responseStats, mutate(frame, mutations, 4), (b) => decodeResponse(api, v, b))
        }),
        { numRuns: RUNS },
      )
    }
  })

  it('random frames', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(Apis)),
        fc.nat(),
        fc.uint8Array({ maxLength: 300 }),
        (api, pick, body) => {
          const versions = versionsOf(api)
          const v = versions[pick % versions.length]!
          attempt(responseStats, Buffer.from(body), (b) => decodeResponse(api, v, b))
        },
      ),
      { numRuns: RUNS * 50 },
    )
  })

  it('decoded values stay proportional to the frame', () => {
    expect(responseStats.cases).toBeGreaterThan(1000)
    // Both outcomes occur, so the mutations are neither all harmless nor all fatal.
    expect(responseStats.decoded).toBeGreaterThan(0)
    expect(responseStats.rejected).toBeGreaterThan(0)
    // Every array element takes at least one byte and brings a bounded number of defaults.
    expect(responseStats.worstValuesPerByte).toBeLessThan(32)
  })
})

describe('mutated request and consumer-protocol frames', () => {
  const stats = newStats()
  it.each(Object.values(Apis).map((a) => [a.name, a] as const))('%s requests, every version', (_name, api) => {
    for (const v of versionsOf(api)) {
      compile(api.request, v)
      const frames = arbitraryFor(api.request, v, { maxArray: 3, maxString: 8 }).map((body) =>
        Buffer.concat(encodeRequest(api, v, 1, 'fuzz', body as never)).subarray(4),
      )
      fc.assert(
        fc.property(frames, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (frame, mutations) => {
          attempt(stats, mutate(frame, mutations, 4), (b) => decodeRequest(b, (k) => ApisByKey.get(k)))
        }),
        { numRuns: Math.ceil(RUNS / 3) },
      )
    }
  })

  it.each([
    ['ConsumerProtocolSubscription', ConsumerProtocolSubscription],
    ['ConsumerProtocolAssignment', ConsumerProtocolAssignment],
  ] as const)('%s, every version', (_name, schema) => {
    for (let v = schema.validVersions.min; v <= schema.validVersions.max; v++) {
      const frames = arbitraryFor(schema, v).map((body) => encodeMessage(schema, v, body))
      fc.assert(
        fc.property(frames, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (frame, mutations) => {
          attempt(stats, mutate(frame, mutations, 0), (b) => decodeMessage(schema, v, b))
        }),
        { numRuns: RUNS * 3 },
      )
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Huge counts: every array of every response at every version

/** Paths to every array a version has (through struct fields and first array elements). */
function arrayPaths(
  schema: MessageSchema<any>,
  version: number,
): { path: string; build: (count: unknown) => object }[] {
  const view: View = { version, flexible: inVersions(schema.flexibleVersions, version) }
  const out: { path: string; build: (count: unknown) => object }[] = []
  const walk = (st: StructType<Fields>, path: string, wrap: (inner: object) => object) => {
    for (const name of st.order) {
      const f = st.fields[name]!
      if (fieldMode(f, view) !== 'regular') continue
      const type = f.type as TypeDef<any, any>
      if (type.kind === 'array') {
        out.push({ path: `${path}.${name}`, build: (marker) => wrap({ [name]: marker }) })
        const element = (type as any).element as TypeDef<any, any>
        if (element.kind === 'struct') {
          walk(element as StructType<Fields>, `${path}.${name}[0]`, (inner) => wrap({ [name]: [inner] }))
        }
      } else if (type.kind === 'struct') {
        walk(type as StructType<Fields>, `${path}.${name}`, (inner) => wrap({ [name]: inner }))
      }
    }
  }
  walk(schema.body, schema.name, (inner) => inner)
  return out
}

describe('corrupt array counts', () => {
  it('are rejected before anything is allocated, for every array of every response version', () => {
    // Encode with a recognisable 3-element array at the target, then overwrite its count.
    let checked = 0
    for (const api of Object.values(Apis)) {
      for (const v of versionsOf(api)) {
        const flexible = inVersions(api.response.flexibleVersions, v)
        for (const { path, build } of arrayPaths(api.response, v)) {
          // Encode the target array empty and with one element: the first byte that differs is
          // the low byte of its count (compact: the whole count).
          const base = encodeMessage(api.response, v, build([]))
          const withOne = encodeMessage(api.response, v, build([sampleElement(api.response, path)]))
          let at = 0
          while (at < base.length && base[at] === withOne[at]) at++
          if (!flexible) at -= 3
          const huge = flexible ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07]) : Buffer.from([0x7f, 0xff, 0xff, 0xff])
          const countLength = flexible ? 1 : 4
          const corrupt = Buffer.concat([base.subarray(0, at), huge, base.subarray(at + countLength)])
          const before = process.memoryUsage().heapUsed
          expect(() => decodeMessage(api.response, v, corrupt), `${path} v${v}`).toThrow(
            /Array of \d+ elements cannot fit/,
          )
          expect(process.memoryUsage().heapUsed - before, `${path} v${v}`).toBeLessThan(16 * 1024 * 1024)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(300)
  })
})

describe('decoded size', () => {
  it('a frame packed with minimal array elements decodes to at most a few values per byte', () => {
    // The worst case for allocation: the longest arrays of the smallest elements a frame can hold.
    let worst = 0
    let where = ''
    for (const api of Object.values(Apis)) {
      for (const schema of [api.request, api.response]) {
        for (const v of versionsOf(api)) {
          for (const { path, build } of arrayPaths(schema, v)) {
            const frame = encodeMessage(schema, v, build(Array(2000).fill(sampleElement(schema, path))))
            const ratio = countValues(decodeMessage(schema, v, frame)) / frame.length
            if (ratio > worst) [worst, where] = [ratio, `${path} v${v}`]
          }
        }
      }
    }
    expect(worst, where).toBeLessThan(4)
  })
})

/** One element for the array at `path`: an all-default struct or a primitive. */
function sampleElement(schema: MessageSchema<any>, path: string): unknown {
  let type: TypeDef<any, any> = schema.body
  for (const part of path.split('.').slice(1)) {
    const name = part.replace('[0]', '')
    type = (type as StructType<Fields>).fields[name]!.type
    if (part.endsWith('[0]')) type = (type as any).element
  }
  const element = (type as any).element as TypeDef<any, any>
  switch (element.kind) {
    case 'struct':
      return {}
    case 'int64':
      return 0n
    case 'string':
      return ''
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA'
    case 'bool':
      return false
    default:
      return 0
  }
}
