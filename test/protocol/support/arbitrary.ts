/**
 * Value generators derived from the schemas themselves, for the codec's property tests.
 *
 * `arbitraryFor(message, version)` walks a message's struct as that version sees it and
 * produces encoder input: integers in range, int64 bigints (sometimes plain numbers),
 * unicode strings, null only where the field is nullable in that version, uuids made from
 * 16 random bytes, tagged fields sometimes at their default and sometimes not, unknown
 * tagged fields in flexible structs, fields sometimes omitted (→ default) and absent fields
 * sometimes given their default or, when ignorable, any value (which must be dropped).
 *
 * `expectedDecode(message, version, input)` is what decoding the encoded input must give:
 * every field the version has, absent or omitted ones as defaults, inputs in canonical
 * form (bigint, Buffer, one records Buffer). It is written independently of codec.ts.
 */
import fc from 'fast-check'
import type {
  Field,
  Fields,
  MessageSchema,
  StructType,
  TypeDef,
  VersionRange,
} from '../../../src/protocol/schema/dsl.js'

const OMIT = Symbol('omit')
type Maybe<T> = T | typeof OMIT

export function inVersions(range: VersionRange | null, version: number): boolean {
  return range !== null && version >= range.min && version <= range.max
}

export interface View {
  readonly version: number
  readonly flexible: boolean
}

/** How a field appears in one version. */
export function fieldMode(f: Field<any, any>, view: View): 'absent' | 'regular' | 'tagged' {
  if (view.flexible && inVersions(f.taggedVersions, view.version)) return 'tagged'
  return inVersions(f.versions, view.version) ? 'regular' : 'absent'
}

function fieldView(f: Field<any, any>, view: View): View {
  return f.flexibleVersions === undefined
    ? view
    : { version: view.version, flexible: inVersions(f.flexibleVersions, view.version) }
}

/**
 * The default of a field, built here rather than taken from codec.ts. Records default to null,
 * except in a version that cannot send null (ShareFetch v1+): empty there.
 */
export function fieldDefault(f: Field<any, any>, version?: number): unknown {
  if (f.defaultValue !== undefined) return f.defaultValue
  if (f.type.kind === 'records' && version !== undefined && !inVersions(f.nullableVersions, version)) {
    return Buffer.alloc(0)
  }
  return typeDefault(f.type)
}

export function typeDefault(type: TypeDef<any, any>): unknown {
  switch (type.kind) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return 0
    case 'int64':
      return 0n
    case 'bool':
      return false
    case 'string':
      return ''
    case 'bytes':
      return Buffer.alloc(0)
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA'
    case 'records':
      return null
    case 'array':
      return []
    case 'struct': {
      const st = type as StructType<Fields>
      const o: Record<string, unknown> = {}
      for (const name of st.order) o[name] = fieldDefault(st.fields[name]!)
      return o
    }
  }
}

export interface ArbitraryOptions {
  /** Longest generated array. */
  readonly maxArray?: number
  /** Longest generated string (code points) and byte run. */
  readonly maxString?: number
}

const uuidArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'))

function primitiveArb(kind: string, o: Required<ArbitraryOptions>): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 })
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 })
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 })
    case 'int32':
      return fc.integer({ min: -2147483648, max: 2147483647 })
    case 'uint32':
      return fc.integer({ min: 0, max: 4294967295 })
    case 'int64':
      return fc.oneof(
        { weight: 4, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
        { weight: 1, arbitrary: fc.constantFrom(-1n, 0n, 2n ** 63n - 1n, -(2n ** 63n)) },
        // Encoders accept plain numbers for int64; they decode as bigint.
        { weight: 1, arbitrary: fc.maxSafeInteger() },
      )
    case 'float64':
      return fc.double()
    case 'bool':
      return fc.boolean()
    case 'string':
      return fc.oneof(
        fc.string({ unit: 'binary', maxLength: o.maxString }),
        fc.string({ unit: 'grapheme-ascii', maxLength: o.maxString }),
      )
    case 'bytes':
      return fc.oneof(
        fc.uint8Array({ maxLength: o.maxString }).map((b) => Buffer.from(b)),
        // Any Uint8Array is accepted; it decodes as a Buffer.
        fc.uint8Array({ maxLength: o.maxString }),
      )
    case 'uuid':
      return uuidArb
    case 'records':
      return fc.oneof(
        fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        // Several buffers are sent back to back (by reference when large).
        fc.array(
          fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)),
          { maxLength: 3 },
        ),
        fc.constant(Buffer.alloc(5000, 7)),
      )
    default:
      throw new Error(`no arbitrary for ${kind}`)
  }
}

/** An arbitrary for a value of `type` as `view` encodes it (not null; nullability is the field's). */
export function typeArb(type: TypeDef<any, any>, view: View, o: Required<ArbitraryOptions>): fc.Arbitrary<unknown> {
  if (type.kind === 'array') {
    const element = (type as any).element as TypeDef<any, any>
    return fc.array(typeArb(element, view, o), { maxLength: o.maxArray })
  }
  if (type.kind === 'struct') return structArb(type as StructType<Fields>, view, o)
  return primitiveArb(type.kind, o)
}

function fieldArb(f: Field<any, any>, view: View, o: Required<ArbitraryOptions>): fc.Arbitrary<Maybe<unknown>> {
  const mode = fieldMode(f, view)
  const fv = fieldView(f, view)
  const dflt = fc.constant(fieldDefault(f))
  if (mode === 'absent') {
    // Omitted, explicitly default, or — when ignorable — any value, which must be dropped.
    const choices: fc.Arbitrary<Maybe<unknown>>[] = [fc.constant(OMIT), dflt]
    if (f.ignorable) choices.push(typeArb(f.type, fv, o))
    return fc.oneof(...choices)
  }
  let value: fc.Arbitrary<unknown> = typeArb(f.type, fv, o)
  if (inVersions(f.nullableVersions, view.version)) {
    value = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: value })
  }
  if (mode === 'tagged') {
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant(OMIT) },
      { weight: 1, arbitrary: dflt },
      { weight: 3, arbitrary: value },
    )
  }
  return fc.oneof({ weight: 1, arbitrary: fc.constant(OMIT) }, { weight: 8, arbitrary: value })
}

function knownTags(type: StructType<Fields>): Set<number> {
  const tags = new Set<number>()
  for (const name of type.order) {
    const f = type.fields[name]!
    if (f.tag >= 0) tags.add(f.tag)
  }
  return tags
}

function unknownTaggedArb(type: StructType<Fields>): fc.Arbitrary<Maybe<unknown>> {
  const known = knownTags(type)
  const tag = fc
    .oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }))
    .filter((t) => !known.has(t))
  const entries = fc
    .uniqueArray(fc.record({ tag, data: fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)) }), {
      minLength: 1,
      maxLength: 3,
      selector: (e) => e.tag,
    })
    .map((list) => list.map((e) => ({ tag: e.tag, data: e.data })).sort((a, b) => a.tag - b.tag))
  return fc.oneof({ weight: 4, arbitrary: fc.constant(OMIT) }, { weight: 1, arbitrary: entries })
}

export function structArb(type: StructType<Fields>, view: View, o: Required<ArbitraryOptions>): fc.Arbitrary<object> {
  const names = type.order
  const parts: fc.Arbitrary<Maybe<unknown>>[] = names.map((n) => fieldArb(type.fields[n]!, view, o))
  if (view.flexible) parts.push(unknownTaggedArb(type))
  return fc.tuple(...parts).map((values) => {
    const out: Record<string, unknown> = {}
    names.forEach((n, i) => {
      if (values[i] !== OMIT) out[n] = values[i]
    })
    if (view.flexible && values[names.length] !== OMIT) out.unknownTaggedFields = values[names.length]
    return out
  })
}

/** Encoder input for `schema` at `version`. */
export function arbitraryFor(schema: MessageSchema<any>, version: number, options: ArbitraryOptions = {}) {
  const o: Required<ArbitraryOptions> = { maxArray: options.maxArray ?? 3, maxString: options.maxString ?? 12 }
  const view: View = { version, flexible: inVersions(schema.flexibleVersions, version) }
  return structArb(schema.body, view, o) as fc.Arbitrary<Record<string, unknown>>
}

// ---------------------------------------------------------------------------------------------
// What decoding must give back

function canonical(type: TypeDef<any, any>, value: unknown, view: View): unknown {
  if (value === null) return null
  switch (type.kind) {
    case 'int64':
      return BigInt(value as bigint | number)
    case 'bytes':
      return Buffer.from(value as Uint8Array)
    case 'records':
      return Array.isArray(value) ? Buffer.concat(value) : Buffer.from(value as Uint8Array)
    case 'array': {
      const element = (type as any).element as TypeDef<any, any>
      return (value as unknown[]).map((e) => canonical(element, e, view))
    }
    case 'struct':
      return expectedStruct(type as StructType<Fields>, view, value as Record<string, unknown>)
    default:
      return value
  }
}

/** Mirrors Kafka's "a tagged field equal to its default is not written". */
function sameAsDefault(value: unknown, dflt: unknown): boolean {
  if (typeof value === 'number' && typeof dflt === 'number') return value === dflt // also -0 === 0
  return false
}

function expectedStruct(type: StructType<Fields>, view: View, input: Record<string, unknown>) {
  const out: Record<string, unknown> = {}
  for (const name of type.order) {
    const f = type.fields[name]!
    const mode = fieldMode(f, view)
    const v = input[name]
    if (mode === 'absent' || v === undefined) {
      out[name] = canonical(f.type, fieldDefault(f, mode === 'absent' ? undefined : view.version), fieldView(f, view))
    } else if (mode === 'tagged' && sameAsDefault(v, fieldDefault(f))) {
      out[name] = fieldDefault(f)
    } else {
      out[name] = canonical(f.type, v, fieldView(f, view))
    }
  }
  const unknown = input.unknownTaggedFields as { tag: number; data: Buffer }[] | undefined
  if (view.flexible && unknown !== undefined && unknown.length > 0) {
    out.unknownTaggedFields = [...unknown].sort((a, b) => a.tag - b.tag)
  }
  return out
}

export function expectedDecode(schema: MessageSchema<any>, version: number, input: Record<string, unknown>) {
  const view: View = { version, flexible: inVersions(schema.flexibleVersions, version) }
  return expectedStruct(schema.body, view, input)
}
