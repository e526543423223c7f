/**
 * The leaves of the schema compiler (codec.ts): encoders and decoders of Kafka's primitive types
 * (ints, strings, bytes, records, uuid, ...) for one version, the source of their inline decode
 * expressions for generated code, and each type's smallest wire size (which bounds array counts
 * before anything is allocated). Owns the checks a value gets before it is written (integer
 * ranges, null only where the version allows it). Structs and arrays recurse and stay in codec.ts.
 */
import { UnsupportedVersionError } from '../../errors.js'
import type { Reader } from '../primitives/reader.js'
import { ZERO_UUID } from '../primitives/uuid.js'
import type { Writer } from '../primitives/writer.js'
import { type Fields, inRange, type StructType, type TypeDef, type VersionRange } from './dsl.js'

export type Enc = (w: Writer, value: any) => void
export type Dec = (r: Reader) => any

/** What compiling one field needs to know. */
export interface Ctx {
  readonly version: number
  readonly flexible: boolean
  readonly path: string
  /** The versions in which the field being compiled may be null (null for array elements). */
  readonly nullableVersions?: VersionRange | null
  /** codec.ts: generated code for this compile, or the generic closures. */
  readonly generate?: boolean
}

/**
 * Null where this version cannot carry it. When other versions can (e.g. Metadata's `topics`,
 * nullable from v1), that is a version problem like any other field the version lacks.
 */
export function nullError(ctx: Ctx): Error {
  const range = ctx.nullableVersions
  if (range !== undefined && range !== null) {
    const versions = range.max === Number.POSITIVE_INFINITY ? `${range.min}+` : `${range.min}-${range.max}`
    return new UnsupportedVersionError(
      `${ctx.path} can be null only in versions ${versions}, so version ${ctx.version} cannot send null`,
    )
  }
  return new TypeError(`${ctx.path} is not nullable`)
}

export function checkInt(ctx: Ctx, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TypeError(`${ctx.path}: expected an integer in [${min}, ${max}], got ${String(v)}`)
  }
  return v
}

export function compilePrimitiveEncoder(type: TypeDef<any, any>, nullable: boolean, ctx: Ctx): Enc {
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
        if (typeof v === 'string') w.string(v, compact)
        else if (v === null) {
          if (!nullable) throw nullError(ctx)
          w.nullableString(null, compact)
        } else throw new TypeError(`${ctx.path}: expected a string, got ${typeof v}`)
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
        if (!Array.isArray(v)) {
          if (!(v instanceof Uint8Array)) throw new TypeError(`${ctx.path}: expected a Buffer or an array of Buffers`)
          w.bytes(v, compact)
          return
        }
        const parts: readonly Uint8Array[] = v
        let len = 0
        for (const p of parts) {
          if (!(p instanceof Uint8Array)) throw new TypeError(`${ctx.path}: expected a Buffer or an array of Buffers`)
          len += p.length
        }
        if (compact) w.uvarint(len + 1)
        else w.int32(len)
        for (const p of parts) w.raw(p)
      }
    default:
      throw new Error(`not a primitive: ${type.kind}`)
  }
}

/**
 * The fewest bytes a value of `type` takes on the wire in this version. Array counts are checked
 * against it, so a corrupt count fails at once instead of allocating or looping beyond the frame.
 */
export function minSize(type: TypeDef<any, any>, ctx: Ctx): number {
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

/** The Reader call that decodes a primitive, as source over `r` (undefined for arrays and structs). */
export function primitiveDecodeExpr(type: TypeDef<any, any>, nullable: boolean, compact: boolean): string | undefined {
  switch (type.kind) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64':
    case 'bool':
    case 'uuid':
      return `r.${type.kind}()`
    case 'string':
      if (compact) return nullable ? 'r.compactNullableString()' : 'r.compactString()'
      return nullable ? 'r.nullableString()' : 'r.string()'
    case 'bytes':
    case 'records':
      if (compact) return nullable ? 'r.compactNullableBytes()' : 'r.compactBytes()'
      return nullable ? 'r.nullableBytes()' : 'r.bytes()'
    default:
      return undefined
  }
}

export function compilePrimitiveDecoder(type: TypeDef<any, any>, nullable: boolean, ctx: Ctx): Dec {
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
    default:
      throw new Error(`not a primitive: ${type.kind}`)
  }
}
