/**
 * Default values of schema fields, Kafka's generated-code rules: a field a version lacks decodes
 * to its default, a tagged field is written only when it differs from it, and a non-default
 * value in a field the version cannot carry is refused. Used by the compiler (codec.ts).
 */
import { ZERO_UUID } from '../primitives/uuid.js'
import { type Field, type Fields, inRange, type StructType, type TypeDef } from './dsl.js'

/** A zero-length Buffer cannot be changed, so every empty `bytes` default can share one. */
export const EMPTY = Buffer.alloc(0)

export function defaultValue(f: Field<any, any>, version: number): unknown {
  if (f.defaultValue !== undefined) return f.defaultValue
  // Records are null by default, but not where the version cannot send null (ShareFetch v1+): empty there.
  if (f.type.kind === 'records' && !inRange(f.nullableVersions, version)) return EMPTY
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
      return EMPTY
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
export function isDefault(f: Field<any, any>, value: unknown, version: number): boolean {
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

/**
 * A function returning a fresh default for `f` — for a struct, a generated object literal (the
 * defaults of absent and tagged struct fields are built on every decode).
 */
/** A source literal for a default that needs no allocation, or undefined. */
export function literalOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint':
      return `${value}n`
    case 'boolean':
      return String(value)
    case 'string':
      return JSON.stringify(value)
    case 'object':
      return value === null ? 'null' : undefined
    default:
      return undefined
  }
}
