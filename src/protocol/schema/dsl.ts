/**
 * The declarative schema language for Kafka messages.
 *
 * One schema describes one message across every version, exactly as Kafka's JSON
 * definitions do: each field says in which versions it exists, is nullable or tagged,
 * whether it is ignorable and what its default is. TypeScript types for what callers
 * pass in (`Input`) and get back (`Output`) are inferred from the schema; nothing is
 * written twice. `codec.ts` compiles a schema for one version into an encoder/decoder.
 */

/** An inclusive version range; `max` is Infinity for "N+". `null` means "none". */
export interface VersionRange {
  readonly min: number
  readonly max: number
}

export function parseVersions(spec: string): VersionRange | null {
  if (spec === 'none') return null
  if (spec.endsWith('+')) return { min: Number(spec.slice(0, -1)), max: Number.POSITIVE_INFINITY }
  const dash = spec.indexOf('-')
  if (dash === -1) {
    const v = Number(spec)
    return { min: v, max: v }
  }
  return { min: Number(spec.slice(0, dash)), max: Number(spec.slice(dash + 1)) }
}

export function inRange(range: VersionRange | null, version: number): boolean {
  return range !== null && version >= range.min && version <= range.max
}

// ---------------------------------------------------------------------------------------------
// Types

export type PrimitiveKind =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records'

/** A type in the schema. `O` is the decoded type, `I` what an encoder accepts. */
export interface TypeDef<O, I = O> {
  readonly kind: PrimitiveKind | 'array' | 'struct'
  /** Phantom members carrying the TypeScript types; never set at run time. */
  readonly _out?: O
  readonly _in?: I
}

export interface PrimitiveType<O, I = O> extends TypeDef<O, I> {
  readonly kind: PrimitiveKind
}

export interface ArrayType<E extends TypeDef<any, any>> extends TypeDef<OutOf<E>[], readonly InOf<E>[]> {
  readonly kind: 'array'
  readonly element: E
}

export type Fields = { readonly [name: string]: Field<TypeDef<any, any>, any> }

export interface StructType<F extends Fields> extends TypeDef<StructOut<F>, StructIn<F>> {
  readonly kind: 'struct'
  readonly fields: F
  /** Field names in wire order (object key order). */
  readonly order: readonly string[]
}

export interface FieldOptions {
  /** Versions in which the field exists (Kafka's `versions`). */
  readonly v: string
  /** Versions in which it may be null (`nullableVersions`). */
  readonly nullable?: string
  /** Tagged versions and tag number (`taggedVersions`, `tag`). */
  readonly tagged?: string
  readonly tag?: number
  /** The field may be dropped silently from versions that lack it. */
  readonly ignorable?: boolean
  /** Custom default, already converted to the field's JS type. */
  readonly default?: unknown
  /** Field-level override of the message's flexible versions (only RequestHeader.ClientId has one). */
  readonly flexible?: string
}

export interface Field<T extends TypeDef<any, any>, Nullable extends boolean> {
  readonly type: T
  readonly versions: VersionRange | null
  readonly nullableVersions: VersionRange | null
  readonly taggedVersions: VersionRange | null
  readonly tag: number
  readonly ignorable: boolean
  readonly defaultValue: unknown
  readonly flexibleVersions: VersionRange | null | undefined
  readonly _nullable?: Nullable
}

export type OutOf<T> = T extends TypeDef<infer O, any> ? O : never
export type InOf<T> = T extends TypeDef<any, infer I> ? I : never

type FieldOut<F> = F extends Field<infer T, infer N> ? (N extends true ? OutOf<T> | null : OutOf<T>) : never
type FieldIn<F> = F extends Field<infer T, infer N> ? (N extends true ? InOf<T> | null : InOf<T>) : never

/** A tagged field that this library does not know, kept so that decode → encode is exact. */
export interface UnknownTaggedField {
  readonly tag: number
  readonly data: Buffer
}

export type StructOut<F extends Fields> = { -readonly [K in keyof F]: FieldOut<F[K]> } & {
  unknownTaggedFields?: UnknownTaggedField[]
}

/** Every field may be omitted: an omitted field is encoded as its default. */
export type StructIn<F extends Fields> = { readonly [K in keyof F]?: FieldIn<F[K]> } & {
  readonly unknownTaggedFields?: readonly UnknownTaggedField[]
}

// ---------------------------------------------------------------------------------------------
// Builders used by the generated message modules.

function primitive<O, I = O>(kind: PrimitiveKind): PrimitiveType<O, I> {
  return { kind }
}

/** The primitive types. int64 values are bigint in the public API (numbers are accepted on input). */
export const t = {
  int8: primitive<number>('int8'),
  int16: primitive<number>('int16'),
  uint16: primitive<number>('uint16'),
  int32: primitive<number>('int32'),
  uint32: primitive<number>('uint32'),
  int64: primitive<bigint, bigint | number>('int64'),
  float64: primitive<number>('float64'),
  bool: primitive<boolean>('bool'),
  string: primitive<string>('string'),
  bytes: primitive<Buffer, Uint8Array>('bytes'),
  uuid: primitive<string>('uuid'),
  /** Record batches: decoded as a zero-copy Buffer; encoded from one Buffer or several (sent by reference). */
  records: primitive<Buffer, Buffer | readonly Buffer[]>('records'),
  array<E extends TypeDef<any, any>>(element: E): ArrayType<E> {
    return { kind: 'array', element }
  },
}

export function struct<F extends Fields>(fields: F): StructType<F> {
  return { kind: 'struct', fields, order: Object.keys(fields) }
}

type IsNullable<O> = O extends { nullable: string } ? true : false

export function field<T extends TypeDef<any, any>, const O extends FieldOptions>(
  type: T,
  options: O,
): Field<T, IsNullable<O>> {
  return {
    type,
    versions: parseVersions(options.v),
    nullableVersions: options.nullable === undefined ? null : parseVersions(options.nullable),
    taggedVersions: options.tagged === undefined ? null : parseVersions(options.tagged),
    tag: options.tag ?? -1,
    ignorable: options.ignorable ?? false,
    defaultValue: options.default,
    flexibleVersions: options.flexible === undefined ? undefined : parseVersions(options.flexible),
  }
}

// ---------------------------------------------------------------------------------------------
// Messages and APIs

export interface MessageSchema<F extends Fields = Fields> {
  readonly name: string
  readonly validVersions: VersionRange
  readonly flexibleVersions: VersionRange | null
  readonly body: StructType<F>
}

export function message<F extends Fields>(
  name: string,
  validVersions: string,
  flexibleVersions: string,
  fields: F,
): MessageSchema<F> {
  return {
    name,
    validVersions: parseVersions(validVersions)!,
    flexibleVersions: parseVersions(flexibleVersions),
    body: struct(fields),
  }
}

export interface ApiSchema<Req extends Fields = Fields, Res extends Fields = Fields> {
  readonly apiKey: number
  /** Kafka's API name without the Request/Response suffix, e.g. "Metadata". */
  readonly name: string
  readonly request: MessageSchema<Req>
  readonly response: MessageSchema<Res>
  /** The lowest and highest version this library may send (unstable versions excluded). */
  readonly minVersion: number
  readonly maxVersion: number
}

export function api<Req extends Fields, Res extends Fields>(
  apiKey: number,
  name: string,
  request: MessageSchema<Req>,
  response: MessageSchema<Res>,
  maxVersion: number = request.validVersions.max,
): ApiSchema<Req, Res> {
  return { apiKey, name, request, response, minVersion: request.validVersions.min, maxVersion }
}

export type RequestOf<A> = A extends ApiSchema<infer Req, any> ? StructIn<Req> : never
export type ResponseOf<A> = A extends ApiSchema<any, infer Res> ? StructOut<Res> : never
export type MessageIn<M> = M extends MessageSchema<infer F> ? StructIn<F> : never
export type MessageOut<M> = M extends MessageSchema<infer F> ? StructOut<F> : never
