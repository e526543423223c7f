/**
 * Compiles a message schema for one version into an encoder and a decoder, cached per
 * (schema, version). This is Kafka's generated-code behaviour expressed as closures:
 * - fields a version lacks decode to their defaults;
 * - encoding a non-default value into a non-ignorable field the version lacks throws
 *   UnsupportedVersionError (an ignorable one is dropped silently);
 * - tagged fields are written only when they differ from their default, and tags we do
 *   not know are kept on `unknownTaggedFields` so decode → encode is byte-exact;
 * - decoding only ever throws ProtocolError (from Reader) for malformed bytes.
 */
import { ProtocolError, UnsupportedVersionError } from '../../errors.js'
import { Reader } from '../primitives/reader.js'
import { ZERO_UUID } from '../primitives/uuid.js'
import { Writer } from '../primitives/writer.js'
import {
  type Field,
  type Fields,
  inRange,
  type MessageSchema,
  type StructType,
  type TypeDef,
  type UnknownTaggedField,
  type VersionRange,
} from './dsl.js'

type Enc = (w: Writer, value: any) => void
type Dec = (r: Reader) => any

export interface CompiledMessage {
  readonly version: number
  readonly flexible: boolean
  encode(w: Writer, value: object): void
  decode(r: Reader): any
}

const cache = new WeakMap<MessageSchema<any>, Map<number, CompiledMessage>>()

export function compile(schema: MessageSchema<any>, version: number): CompiledMessage {
  let byVersion = cache.get(schema)
  if (byVersion === undefined) {
    byVersion = new Map()
    cache.set(schema, byVersion)
  }
  let compiled = byVersion.get(version)
  if (compiled === undefined) {
    if (!inRange(schema.validVersions, version)) {
      throw new UnsupportedVersionError(
        `${schema.name} has no version ${version} (valid ${schema.validVersions.min}-${schema.validVersions.max})`,
      )
    }
    const flexible = inRange(schema.flexibleVersions, version)
    const ctx: Ctx = { version, flexible, path: schema.name }
    const s = compileStruct(schema.body, ctx)
    compiled = { version, flexible, encode: s.enc, decode: s.dec }
    byVersion.set(version, compiled)
  }
  return compiled
}

/** Encodes `value` as `schema` at `version` into a new Buffer. */
export function encodeMessage(schema: MessageSchema<any>, version: number, value: object): Buffer {
  const w = new Writer()
  compile(schema, version).encode(w, value)
  return w.toBuffer()
}

/** Decodes a whole buffer; trailing bytes are a ProtocolError. */
export function decodeMessage(schema: MessageSchema<any>, version: number, buf: Buffer): any {
  const r = new Reader(buf)
  const value = compile(schema, version).decode(r)
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} trailing bytes after ${schema.name} v${version}`)
  return value
}

interface Ctx {
  readonly version: number
  readonly flexible: boolean
  readonly path: string
  /** The versions in which the field being compiled may be null (null for array elements). */
  readonly nullableVersions?: VersionRange | null
}

// ---------------------------------------------------------------------------------------------
// Defaults

export function defaultValue(f: Field<any, any>, version: number): unknown {
  if (f.defaultValue !== undefined) {
    const d = f.defaultValue
    return d === null ? null : d
  }
  return typeDefault(f.type, version)
}

function typeDefault(type: TypeDef<any, any>, version: number): unknown {
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
      return ZERO_UUID
    case 'records':
      return null
    case 'array':
      return []
    case 'struct': {
      const st = type as StructType<Fields>
      const o: Record<string, unknown> = {}
      for (const name of st.order) o[name] = defaultValue(st.fields[name]!, version)
      return o
    }
  }
}

/**
 * Is `value` (what a caller passed for field `f`) equal to the field's default? Kafka's rule for
 * both "may this be left out of a version that lacks the field" and "is this tagged field
 * written". A struct is default when every member is (omitted members count as default) and it
 * carries no unknown tagged fields, as Java's generated `equals` compares those too.
 */
function isDefault(f: Field<any, any>, value: unknown, version: number): boolean {
  if (value === undefined) return true
  if (f.defaultValue !== undefined) {
    const d = f.defaultValue
    if (d === null) return value === null
    if (typeof d === 'bigint') return sameInt64(value, d)
    return value === d
  }
  return isTypeDefault(f.type, value, version)
}

function sameInt64(value: unknown, d: bigint): boolean {
  if (typeof value === 'bigint') return value === d
  return typeof value === 'number' && Number.isSafeInteger(value) && BigInt(value) === d
}

function isTypeDefault(type: TypeDef<any, any>, value: unknown, version: number): boolean {
  if (value === undefined) return true
  switch (type.kind) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return value === 0
    case 'int64':
      return sameInt64(value, 0n)
    case 'bool':
      return value === false
    case 'string':
      return value === ''
    case 'bytes':
      return value instanceof Uint8Array && value.length === 0
    case 'uuid':
      return value === ZERO_UUID
    case 'records':
      return value === null
    case 'array':
      return Array.isArray(value) && value.length === 0
    case 'struct': {
      if (value === null || typeof value !== 'object') return false
      const st = type as StructType<Fields>
      const o = value as Record<string, unknown>
      for (const name of st.order) {
        if (!isDefault(st.fields[name]!, o[name], version)) return false
      }
      const unknown = o.unknownTaggedFields as readonly unknown[] | undefined
      return unknown === undefined || unknown.length === 0
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Structs

interface FieldStep {
  readonly name: string
  readonly field: Field<any, any>
  readonly enc: Enc
  readonly dec: Dec
}

function compileStruct(type: StructType<Fields>, ctx: Ctx): { enc: Enc; dec: Dec } {
  const { version } = ctx
  const regular: FieldStep[] = []
  const tagged: FieldStep[] = []
  const absent: { name: string; field: Field<any, any> }[] = []

  for (const name of type.order) {
    const f = type.fields[name]!
    const fieldCtx: Ctx = {
      version,
      flexible: f.flexibleVersions === undefined ? ctx.flexible : inRange(f.flexibleVersions, version),
      path: `${ctx.path}.${name}`,
      nullableVersions: f.nullableVersions,
    }
    const isTagged = ctx.flexible && inRange(f.taggedVersions, version)
    const present = inRange(f.versions, version) || isTagged
    if (!present) {
      absent.push({ name, field: f })
      continue
    }
    const nullable = inRange(f.nullableVersions, version)
    const step: FieldStep = {
      name,
      field: f,
      enc: compileType(f.type, nullable, fieldCtx),
      dec: compileTypeDec(f.type, nullable, fieldCtx),
    }
    ;(isTagged ? tagged : regular).push(step)
  }
  tagged.sort((a, b) => a.field.tag - b.field.tag)
  const flexible = ctx.flexible
  const tagIndex = new Map(tagged.map((s) => [s.field.tag, s]))
  const defaults = [...absent, ...tagged].map(({ name, field }) => ({ name, field }))

  const enc: Enc = (w, value) => {
    if (value === null || typeof value !== 'object') {
      throw new TypeError(`${ctx.path}: expected an object, got ${value === null ? 'null' : typeof value}`)
    }
    for (let i = 0; i < absent.length; i++) {
      const { name, field } = absent[i]!
      const v = value[name]
      if (v !== undefined && !field.ignorable && !isDefault(field, v, version)) {
        throw new UnsupportedVersionError(
          `${ctx.path}.${name} is not supported in version ${version}, so its value cannot be sent`,
        )
      }
    }
    for (let i = 0; i < regular.length; i++) {
      const s = regular[i]!
      let v = value[s.name]
      if (v === undefined) v = defaultValue(s.field, version)
      s.enc(w, v)
    }
    if (flexible) writeTaggedFields(w, tagged, value, version)
    else if (value.unknownTaggedFields !== undefined && value.unknownTaggedFields.length > 0) {
      throw new UnsupportedVersionError(
        `${ctx.path} has tagged fields, but version ${version} of ${ctx.path.split('.')[0]} cannot carry them`,
      )
    }
  }

  const dec: Dec = (r) => {
    const o: Record<string, unknown> = {}
    for (let i = 0; i < regular.length; i++) {
      const s = regular[i]!
      o[s.name] = s.dec(r)
    }
    for (let i = 0; i < defaults.length; i++) {
      const d = defaults[i]!
      o[d.name] = defaultValue(d.field, version)
    }
    if (flexible) {
      const unknown = readTaggedFields(r, tagIndex, o)
      if (unknown !== null) o.unknownTaggedFields = unknown
    }
    return o
  }
  return { enc, dec }
}

function writeTaggedFields(w: Writer, tagged: FieldStep[], value: any, version: number): void {
  const unknown: readonly UnknownTaggedField[] | undefined = value.unknownTaggedFields
  const present: { tag: number; write: (w: Writer) => void }[] = []
  for (const s of tagged) {
    const v = value[s.name]
    if (isDefault(s.field, v, version)) continue
    present.push({ tag: s.field.tag, write: (tw) => s.enc(tw, v) })
  }
  if (unknown) for (const u of unknown) present.push({ tag: u.tag, write: (tw) => tw.raw(u.data) })
  if (present.length > 1) present.sort((a, b) => a.tag - b.tag)
  w.uvarint(present.length)
  for (const p of present) {
    const tw = new Writer(64)
    p.write(tw)
    const data = tw.toBuffer()
    w.uvarint(p.tag)
    w.uvarint(data.length)
    w.raw(data)
  }
}

function readTaggedFields(r: Reader, known: Map<number, FieldStep>, o: Record<string, unknown>) {
  const count = r.uvarint()
  let unknown: UnknownTaggedField[] | null = null
  let lastTag = -1
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint()
    if (tag <= lastTag) throw new ProtocolError(`Tagged fields out of order or repeated: tag ${tag} after ${lastTag}`)
    lastTag = tag
    const size = r.uvarint()
    const data = r.slice(size)
    const step = known.get(tag)
    if (step === undefined) {
      unknown ??= []
      unknown.push({ tag, data })
      continue
    }
    const sub = new Reader(data)
    o[step.name] = step.dec(sub)
    if (sub.remaining !== 0) throw new ProtocolError(`Tagged field ${step.name} has ${sub.remaining} unread bytes`)
  }
  return unknown
}

// ---------------------------------------------------------------------------------------------
// Types

/**
 * Null where this version cannot carry it. When other versions can (e.g. Metadata's `topics`,
 * nullable from v1), that is a version problem like any other field the version lacks.
 */
function nullError(ctx: Ctx): Error {
  const range = ctx.nullableVersions
  if (range !== undefined && range !== null) {
    const versions = range.max === Number.POSITIVE_INFINITY ? `${range.min}+` : `${range.min}-${range.max}`
    return new UnsupportedVersionError(
      `${ctx.path} can be null only in versions ${versions}, so version ${ctx.version} cannot send null`,
    )
  }
  return new TypeError(`${ctx.path} is not nullable`)
}

function checkInt(ctx: Ctx, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TypeError(`${ctx.path}: expected an integer in [${min}, ${max}], got ${String(v)}`)
  }
  return v
}

function compileType(type: TypeDef<any, any>, nullable: boolean, ctx: Ctx): Enc {
  const compact = ctx.flexible
  switch (type.kind) {
    case 'int8':
      return (w, v) => w.int8(checkInt(ctx, v, -128, 127))
    case 'int16':
      return (w, v) => w.int16(checkInt(ctx, v, -32768, 32767))
    case 'uint16':
      return (w, v) => w.uint16(checkInt(ctx, v, 0, 65535))
    case 'int32':
      return (w, v) => w.int32(checkInt(ctx, v, -2147483648, 2147483647))
    case 'uint32':
      return (w, v) => w.uint32(checkInt(ctx, v, 0, 4294967295))
    case 'int64':
      return (w, v) => {
        if (typeof v === 'bigint') w.int64(v)
        else if (typeof v === 'number' && Number.isSafeInteger(v)) w.int64(BigInt(v))
        else throw new TypeError(`${ctx.path}: expected a bigint, got ${String(v)}`)
      }
    case 'float64':
      return (w, v) => {
        if (typeof v !== 'number') throw new TypeError(`${ctx.path}: expected a number, got ${typeof v}`)
        w.float64(v)
      }
    case 'bool':
      return (w, v) => w.bool(Boolean(v))
    case 'uuid':
      return (w, v) => w.uuid(v ?? ZERO_UUID)
    case 'string':
      return (w, v) => {
        if (v === null) {
          if (!nullable) throw nullError(ctx)
          w.nullableString(null, compact)
        } else if (typeof v === 'string') w.string(v, compact)
        else throw new TypeError(`${ctx.path}: expected a string, got ${typeof v}`)
      }
    case 'bytes':
      return (w, v) => {
        if (v === null && !nullable) throw nullError(ctx)
        if (v !== null && !(v instanceof Uint8Array)) throw new TypeError(`${ctx.path}: expected a Buffer`)
        w.bytes(v, compact)
      }
    case 'records':
      return (w, v) => {
        if (v === null || v === undefined) {
          if (!nullable) throw nullError(ctx)
          w.bytes(null, compact)
          return
        }
        const parts: readonly Buffer[] = Array.isArray(v) ? v : [v]
        let len = 0
        for (const p of parts) len += p.length
        if (compact) w.uvarint(len + 1)
        else w.int32(len)
        for (const p of parts) w.raw(p)
      }
    case 'array': {
      const element = (type as any).element as TypeDef<any, any>
      const encElement = compileType(element, false, { ...ctx, path: `${ctx.path}[]`, nullableVersions: null })
      return (w, v) => {
        if (v === null) {
          if (!nullable) throw nullError(ctx)
          if (compact) w.uvarint(0)
          else w.int32(-1)
          return
        }
        if (!Array.isArray(v)) throw new TypeError(`${ctx.path}: expected an array`)
        if (compact) w.uvarint(v.length + 1)
        else w.int32(v.length)
        for (let i = 0; i < v.length; i++) encElement(w, v[i])
      }
    }
    case 'struct': {
      const s = compileStruct(type as StructType<Fields>, ctx)
      if (!nullable) {
        return (w, v) => {
          if (v === null) throw nullError(ctx)
          s.enc(w, v)
        }
      }
      // Nullable structs are written with a leading int8: -1 for null, 1 for present.
      return (w, v) => {
        if (v === null) w.int8(-1)
        else {
          w.int8(1)
          s.enc(w, v)
        }
      }
    }
  }
}

/**
 * The fewest bytes a value of `type` takes on the wire in this version. Array counts are checked
 * against it, so a corrupt count fails at once instead of allocating or looping beyond the frame.
 */
function minSize(type: TypeDef<any, any>, ctx: Ctx): number {
  switch (type.kind) {
    case 'int8':
    case 'bool':
      return 1
    case 'int16':
    case 'uint16':
      return 2
    case 'int32':
    case 'uint32':
      return 4
    case 'int64':
    case 'float64':
      return 8
    case 'uuid':
      return 16
    case 'string':
      return ctx.flexible ? 1 : 2
    case 'bytes':
    case 'records':
    case 'array':
      return ctx.flexible ? 1 : 4
    case 'struct': {
      const st = type as StructType<Fields>
      let n = ctx.flexible ? 1 : 0 // the tagged-field count
      for (const name of st.order) {
        const f = st.fields[name]!
        if (!inRange(f.versions, ctx.version) || (ctx.flexible && inRange(f.taggedVersions, ctx.version))) continue
        const fieldCtx: Ctx = {
          version: ctx.version,
          flexible: f.flexibleVersions === undefined ? ctx.flexible : inRange(f.flexibleVersions, ctx.version),
          path: ctx.path,
        }
        // A nullable struct can be a single -1 byte.
        n += f.type.kind === 'struct' && inRange(f.nullableVersions, ctx.version) ? 1 : minSize(f.type, fieldCtx)
      }
      return n
    }
  }
}

function compileTypeDec(type: TypeDef<any, any>, nullable: boolean, ctx: Ctx): Dec {
  const compact = ctx.flexible
  switch (type.kind) {
    case 'int8':
      return (r) => r.int8()
    case 'int16':
      return (r) => r.int16()
    case 'uint16':
      return (r) => r.uint16()
    case 'int32':
      return (r) => r.int32()
    case 'uint32':
      return (r) => r.uint32()
    case 'int64':
      return (r) => r.int64()
    case 'float64':
      return (r) => r.float64()
    case 'bool':
      return (r) => r.bool()
    case 'uuid':
      return (r) => r.uuid()
    case 'string':
      if (compact) return nullable ? (r) => r.compactNullableString() : (r) => r.compactString()
      return nullable ? (r) => r.nullableString() : (r) => r.string()
    case 'bytes':
    case 'records':
      if (compact) return nullable ? (r) => r.compactNullableBytes() : (r) => r.compactBytes()
      return nullable ? (r) => r.nullableBytes() : (r) => r.bytes()
    case 'array': {
      const element = (type as any).element as TypeDef<any, any>
      const decElement = compileTypeDec(element, false, { ...ctx, path: `${ctx.path}[]`, nullableVersions: null })
      const min = minSize(element, ctx)
      return (r) => {
        const n = r.arrayLength(compact, nullable, min)
        if (n === -1) return null
        const out = new Array(n)
        for (let i = 0; i < n; i++) out[i] = decElement(r)
        return out
      }
    }
    case 'struct': {
      const s = compileStruct(type as StructType<Fields>, ctx)
      if (!nullable) return s.dec
      return (r) => (r.int8() < 0 ? null : s.dec(r))
    }
  }
}

export type { VersionRange }
