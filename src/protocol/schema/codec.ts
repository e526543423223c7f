/**
 * Compiles a message schema for one version into an encoder and a decoder, cached per
 * (schema, version). This is Kafka's generated-code behaviour, compiled at run time:
 * - fields a version lacks decode to their defaults;
 * - encoding a non-default value into a non-ignorable field the version lacks throws
 *   UnsupportedVersionError (an ignorable one is dropped silently), and so does null where
 *   only other versions allow it;
 * - tagged fields are written only when they differ from their default, and tags we do
 *   not know are kept on `unknownTaggedFields` so decode → encode is byte-exact;
 * - decoding only ever throws ProtocolError (from Reader) for malformed bytes.
 *
 * Speed: each struct and array of a (schema, version) gets its own small function generated
 * with `new Function` — named property reads, one object literal per decoded struct (so every
 * decoded struct of a kind has the same shape) and monomorphic calls, which V8 compiles well.
 * Generating costs more than it saves for a message a client sends a few times (ApiVersions,
 * JoinGroup, OffsetFetch…: ~8 ms of a consumer's start, docs/performance.md "Code for the messages
 * used often"), so a (schema, version) runs through generic closures built from the same plan
 * until its GENERATE_AFTER_USES-th use, then through generated code (V8's own tiering, in small).
 * Where code generation is disallowed (`--disallow-code-generation-from-strings`, some CSPs)
 * the closures stay: same results, slower.
 *
 * This module owns the structure (messages, structs, arrays, tagged fields, the generated code);
 * the leaves are primitive-codec.ts (one primitive type's encoder, decoder and minimum size) and
 * defaults.ts (field defaults and what counts as one).
 */
import { ProtocolError, UnsupportedVersionError } from '../../errors.js'
import { Reader } from '../primitives/reader.js'
import { Writer } from '../primitives/writer.js'
import { defaultValue, EMPTY, isDefault, literalOf } from './defaults.js'
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
import {
  type Ctx,
  compilePrimitiveDecoder,
  compilePrimitiveEncoder,
  type Dec,
  type Enc,
  minSize,
  nullError,
  primitiveDecodeExpr,
} from './primitive-codec.js'

export interface CompiledMessage {
  readonly version: number
  readonly flexible: boolean
  encode(w: Writer, value: object): void
  decode(r: Reader): any
}

/** The uses of a (schema, version) that run through the closures before its code is generated. */
export const GENERATE_AFTER_USES = 8

/** One (schema, version): what it runs now, and how often it was asked for until it was generated. */
interface Compiled {
  current: CompiledMessage
  uses: number
}

let cache = new WeakMap<MessageSchema<any>, Map<number, Compiled>>()

function codeGenerationAllowed(): boolean {
  try {
    return new Function('return true')() === true
  } catch {
    return false
  }
}

type CodeGeneration = 'tiered' | 'always' | 'never'
let codeGeneration: CodeGeneration = codeGenerationAllowed() ? 'tiered' : 'never'

/**
 * Generated code from the first use (true), the generic closures only (false), or the default
 * where code generation is allowed: closures, then generated code from the GENERATE_AFTER_USES-th
 * use ('tiered'). Drops what was compiled so far. For tests, which run the codec every way; not
 * part of the public API.
 */
export function setCodeGeneration(enabled: boolean | 'tiered'): void {
  codeGeneration = !codeGenerationAllowed() || enabled === false ? 'never' : enabled === true ? 'always' : 'tiered'
  cache = new WeakMap()
}

export function compile(schema: MessageSchema<any>, version: number): CompiledMessage {
  let byVersion = cache.get(schema)
  if (byVersion === undefined) {
    byVersion = new Map()
    cache.set(schema, byVersion)
  }
  let c = byVersion.get(version)
  if (c === undefined) {
    if (!inRange(schema.validVersions, version)) {
      throw new UnsupportedVersionError(
        `${schema.name} has no version ${version} (valid ${schema.validVersions.min}-${schema.validVersions.max})`,
      )
    }
    const always = codeGeneration === 'always'
    c = { current: compileMessage(schema, version, always), uses: always ? GENERATE_AFTER_USES : 0 }
    byVersion.set(version, c)
  }
  if (c.uses < GENERATE_AFTER_USES && ++c.uses === GENERATE_AFTER_USES && codeGeneration === 'tiered') {
    c.current = compileMessage(schema, version, true)
  }
  return c.current
}

function compileMessage(schema: MessageSchema<any>, version: number, generate: boolean): CompiledMessage {
  const flexible = inRange(schema.flexibleVersions, version)
  const ctx: Ctx = { version, flexible, path: schema.name, generate }
  const s = compileStruct(schema.body, ctx)
  return { version, flexible, encode: s.enc, decode: s.dec }
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

// ---------------------------------------------------------------------------------------------
// Defaults of generated structs (the values: defaults.ts)

function defaultFactory(f: Field<any, any>, version: number): () => unknown {
  if (f.defaultValue !== undefined || f.type.kind !== 'struct') {
    return () => defaultValue(f, version)
  }
  const st = f.type as StructType<Fields>
  const deps: unknown[] = []
  const props = st.order.map((name) => {
    const sub = st.fields[name]!
    const d = defaultValue(sub, version)
    let source = literalOf(d)
    if (source === undefined) {
      if (d === EMPTY) {
        deps.push(EMPTY)
        source = `d[${deps.length - 1}]`
      } else if (Array.isArray(d)) source = '[]'
      else {
        deps.push(defaultFactory(sub, version))
        source = `d[${deps.length - 1}]()`
      }
    }
    return `${JSON.stringify(name)}: ${source}`
  })
  if (st.order.includes('__proto__')) return () => defaultValue(f, version)
  return generate('makeDefault', [], [`return { ${props.join(', ')} };`], deps) as () => unknown
}

// ---------------------------------------------------------------------------------------------
// Structs

interface FieldStep {
  readonly name: string
  readonly field: Field<any, any>
  readonly enc: Enc
  readonly dec: Dec
  /** Source of an inline decode expression over `r`, when the field is a primitive. */
  readonly decExpr: string | undefined
}

interface StructPlan {
  readonly ctx: Ctx
  /** Every field in schema order, with how this version carries it. */
  readonly fields: readonly { name: string; field: Field<any, any>; step: FieldStep | null; tagged: boolean }[]
  readonly regular: readonly FieldStep[]
  /** Tagged fields in tag order. */
  readonly tagged: readonly FieldStep[]
  /** Fields the version lacks whose non-default values must be refused. */
  readonly guarded: readonly { name: string; field: Field<any, any> }[]
  readonly tagIndex: ReadonlyMap<number, FieldStep>
}

function planStruct(type: StructType<Fields>, ctx: Ctx): StructPlan {
  const { version } = ctx
  const fields: StructPlan['fields'][number][] = []
  const regular: FieldStep[] = []
  const tagged: FieldStep[] = []
  const guarded: { name: string; field: Field<any, any> }[] = []
  for (const name of type.order) {
    const f = type.fields[name]!
    const fieldCtx: Ctx = {
      version,
      flexible: f.flexibleVersions === undefined ? ctx.flexible : inRange(f.flexibleVersions, version),
      path: `${ctx.path}.${name}`,
      nullableVersions: f.nullableVersions,
      generate: ctx.generate,
    }
    const isTagged = ctx.flexible && inRange(f.taggedVersions, version)
    const present = inRange(f.versions, version) || isTagged
    if (!present) {
      fields.push({ name, field: f, step: null, tagged: false })
      if (!f.ignorable) guarded.push({ name, field: f })
      continue
    }
    const nullable = inRange(f.nullableVersions, version)
    const { enc, dec } = compileType(f.type, nullable, fieldCtx)
    const step: FieldStep = {
      name,
      field: f,
      enc,
      dec,
      decExpr: primitiveDecodeExpr(f.type, nullable, fieldCtx.flexible),
    }
    fields.push({ name, field: f, step, tagged: isTagged })
    ;(isTagged ? tagged : regular).push(step)
  }
  tagged.sort((a, b) => a.field.tag - b.field.tag)
  return { ctx, fields, regular, tagged, guarded, tagIndex: new Map(tagged.map((s) => [s.field.tag, s])) }
}

function compileStruct(type: StructType<Fields>, ctx: Ctx): { enc: Enc; dec: Dec } {
  const plan = planStruct(type, ctx)
  if (ctx.generate === true && plan.fields.every((f) => f.name !== '__proto__')) {
    return { enc: generateStructEncoder(plan), dec: generateStructDecoder(plan) }
  }
  return { enc: closureStructEncoder(plan), dec: closureStructDecoder(plan) }
}

function notAnObject(ctx: Ctx, value: unknown): Error {
  if (value === null) return nullError(ctx)
  return new TypeError(`${ctx.path}: expected an object, got ${typeof value}`)
}

function unsupportedField(ctx: Ctx, name: string): Error {
  return new UnsupportedVersionError(
    `${ctx.path}.${name} is not supported in version ${ctx.version}, so its value cannot be sent`,
  )
}

function taggedFieldsUnsupported(ctx: Ctx): Error {
  return new UnsupportedVersionError(
    `${ctx.path} has tagged fields, but version ${ctx.version} of ${ctx.path.split('.')[0]} cannot carry them`,
  )
}

/** The generic struct encoder (used where code generation is not allowed). */
function closureStructEncoder(plan: StructPlan): Enc {
  const { ctx, regular, tagged, guarded } = plan
  const { version, flexible } = ctx
  return (w, value) => {
    if (value === null || typeof value !== 'object') throw notAnObject(ctx, value)
    for (let i = 0; i < guarded.length; i++) {
      const { name, field } = guarded[i]!
      if (!isDefault(field, value[name], version)) throw unsupportedField(ctx, name)
    }
    for (let i = 0; i < regular.length; i++) {
      const s = regular[i]!
      let v = value[s.name]
      if (v === undefined) v = defaultValue(s.field, version)
      s.enc(w, v)
    }
    if (flexible) writeTaggedFields(w, tagged, value, version)
    else if (value.unknownTaggedFields !== undefined && value.unknownTaggedFields.length > 0) {
      throw taggedFieldsUnsupported(ctx)
    }
  }
}

/** The generic struct decoder (used where code generation is not allowed). */
function closureStructDecoder(plan: StructPlan): Dec {
  const { ctx, fields, tagIndex } = plan
  const { version, flexible } = ctx
  return (r) => {
    const o: Record<string, unknown> = {}
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!
      o[f.name] = f.step === null || f.tagged ? defaultValue(f.field, version) : f.step.dec(r)
    }
    if (flexible) {
      const count = r.uvarint()
      if (count !== 0) readTaggedFields(r, count, tagIndex, o)
    }
    return o
  }
}

/**
 * The generated struct encoder: reads each field by name, refuses non-default values in fields
 * the version lacks (ignorable ones are never read), fills in defaults and calls each field's
 * encoder at its own call site.
 */
function generateStructEncoder(plan: StructPlan): Enc {
  const { ctx, regular, tagged, guarded } = plan
  const deps: unknown[] = []
  const dep = (value: unknown) => {
    deps.push(value)
    return `d[${deps.length - 1}]`
  }
  const lines: string[] = []
  lines.push(`if (v === null || typeof v !== 'object') throw ${dep(notAnObject)}(${dep(ctx)}, v);`)
  lines.push('let x;')
  for (const { name, field } of guarded) {
    const isDef = (value: unknown) => isDefault(field, value, ctx.version)
    lines.push(
      `x = v[${JSON.stringify(name)}]; if (x !== undefined && !${dep(isDef)}(x)) throw ${dep(unsupportedField)}(${dep(ctx)}, ${JSON.stringify(name)});`,
    )
  }
  for (const s of regular) {
    const dflt = defaultValue(s.field, ctx.version)
    const dfltSource = literalOf(dflt) ?? dep(dflt)
    const statement = encodeStatement(s.field.type, inlineCompact(s, ctx), dep(s.enc))
    lines.push(`x = v[${JSON.stringify(s.name)}]; if (x === undefined) x = ${dfltSource}; ${statement}`)
  }
  if (ctx.flexible) {
    const writeTagged = (w: Writer, value: any) => writeTaggedFields(w, tagged, value, ctx.version)
    if (tagged.length === 0) {
      lines.push(
        `x = v.unknownTaggedFields; if (x === undefined || x.length === 0) w.uvarint(0); else ${dep(writeTagged)}(w, v);`,
      )
    } else {
      lines.push(`${dep(writeTagged)}(w, v);`)
    }
  } else {
    lines.push(
      `x = v.unknownTaggedFields; if (x !== undefined && x.length > 0) throw ${dep(taggedFieldsUnsupported)}(${dep(ctx)});`,
    )
  }
  return generate('encode', ['w', 'v'], lines, deps) as Enc
}

/**
 * The generated struct decoder: one object literal in schema order — regular fields read in
 * wire order, absent and tagged ones at their defaults — then the tagged-field section.
 */
function generateStructDecoder(plan: StructPlan): Dec {
  const { ctx, fields, tagIndex } = plan
  const deps: unknown[] = []
  const dep = (value: unknown) => {
    deps.push(value)
    return `d[${deps.length - 1}]`
  }
  const props: string[] = []
  for (const f of fields) {
    let source: string
    if (f.step !== null && !f.tagged) {
      source = f.step.decExpr ?? `${dep(f.step.dec)}(r)`
    } else {
      const dflt = defaultValue(f.field, ctx.version)
      const literal = literalOf(dflt)
      if (literal !== undefined) source = literal
      else if (dflt === EMPTY) source = dep(EMPTY)
      else if (Array.isArray(dflt)) source = '[]'
      else source = `${dep(defaultFactory(f.field, ctx.version))}()`
    }
    props.push(`${JSON.stringify(f.name)}: ${source}`)
  }
  const lines = [`const o = { ${props.join(', ')} };`]
  if (ctx.flexible) {
    lines.push(`const n = r.uvarint(); if (n !== 0) ${dep(readTaggedFields)}(r, n, ${dep(tagIndex)}, o);`)
  }
  lines.push('return o;')
  return generate('decode', ['r'], lines, deps) as Dec
}

/**
 * Builds `function name(...params) { body }`. The body refers to its dependencies as `d[i]`;
 * each becomes a constant of the enclosing scope.
 */
function generate(name: string, params: string[], body: string[], deps: unknown[]): (...args: any[]) => any {
  const consts = deps.length === 0 ? '' : `const ${deps.map((_, i) => `d${i} = d[${i}]`).join(', ')};\n`
  const code = body.join('\n').replace(/\bd\[(\d+)\]/g, 'd$1')
  const source = `'use strict';\n${consts}return function ${name}(${params.join(', ')}) {\n${code}\n}`
  return new Function('d', source)(deps)
}

/** Range tests over `x` that hold exactly for valid values of each integer type. */
const INT_RANGE_FAILS: Partial<Record<string, string>> = {
  int8: '((x << 24) >> 24) !== x',
  int16: '((x << 16) >> 16) !== x',
  uint16: '(x & 0xffff) !== x',
  int32: '(x | 0) !== x',
  uint32: '(x >>> 0) !== x',
}

/**
 * A statement writing `x` (a value of `type`) to `w`: the common valid case inline, anything
 * else (null, wrong types, out-of-range numbers) through the field's encoder `fallback`, which
 * writes it or throws the right error.
 */
function encodeStatement(type: TypeDef<any, any>, compact: boolean, fallback: string): string {
  const fails = INT_RANGE_FAILS[type.kind]
  if (fails !== undefined) return `if (typeof x !== 'number' || ${fails}) ${fallback}(w, x); else w.${type.kind}(x);`
  switch (type.kind) {
    case 'string':
      return `if (typeof x === 'string') w.string(x, ${compact}); else ${fallback}(w, x);`
    case 'int64':
      return `if (typeof x === 'bigint') w.int64(x); else ${fallback}(w, x);`
    case 'bool':
      return 'w.bool(!!x);'
    default:
      return `${fallback}(w, x);`
  }
}

/** Whether a field's strings are compact: its own flexible override, or the struct's. */
function inlineCompact(s: FieldStep, ctx: Ctx): boolean {
  const f = s.field
  return f.flexibleVersions === undefined ? ctx.flexible : inRange(f.flexibleVersions, ctx.version)
}

function writeTaggedFields(w: Writer, tagged: readonly FieldStep[], value: any, version: number): void {
  const unknown: readonly UnknownTaggedField[] | undefined = value.unknownTaggedFields
  let present: { tag: number; step: FieldStep | null; value: unknown }[] | null = null
  for (let i = 0; i < tagged.length; i++) {
    const s = tagged[i]!
    const v = value[s.name]
    if (isDefault(s.field, v, version)) continue
    present ??= []
    present.push({ tag: s.field.tag, step: s, value: v })
  }
  if (unknown !== undefined) {
    for (const u of unknown) {
      present ??= []
      present.push({ tag: u.tag, step: null, value: u.data })
    }
  }
  if (present === null) {
    w.uvarint(0)
    return
  }
  if (present.length > 1) present.sort((a, b) => a.tag - b.tag)
  w.uvarint(present.length)
  for (const p of present) {
    let data: Uint8Array
    if (p.step === null) data = p.value as Uint8Array
    else {
      const tw = new Writer(64)
      p.step.enc(tw, p.value)
      data = tw.toBuffer()
    }
    w.uvarint(p.tag)
    w.uvarint(data.length)
    w.raw(data)
  }
}

function readTaggedFields(r: Reader, count: number, known: ReadonlyMap<number, FieldStep>, o: Record<string, unknown>) {
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
  if (unknown !== null) o.unknownTaggedFields = unknown
}

// ---------------------------------------------------------------------------------------------
// Types

/** The encoder and decoder of one type; a struct or array element is compiled once for both. */
function compileType(type: TypeDef<any, any>, nullable: boolean, ctx: Ctx): { enc: Enc; dec: Dec } {
  switch (type.kind) {
    case 'array':
      return compileArray(type, nullable, ctx)
    case 'struct': {
      const s = compileStruct(type as StructType<Fields>, ctx)
      // A non-nullable struct's encoder refuses null itself (see notAnObject).
      if (!nullable) return s
      // Nullable structs are written with a leading int8: -1 for null, 1 for present.
      const { enc, dec } = s
      return {
        enc: (w, v) => {
          if (v === null) w.int8(-1)
          else {
            w.int8(1)
            enc(w, v)
          }
        },
        dec: (r) => (r.int8() < 0 ? null : dec(r)),
      }
    }
    default:
      return { enc: compilePrimitiveEncoder(type, nullable, ctx), dec: compilePrimitiveDecoder(type, nullable, ctx) }
  }
}

function compileArray(type: TypeDef<any, any>, nullable: boolean, ctx: Ctx): { enc: Enc; dec: Dec } {
  const compact = ctx.flexible
  const element = (type as any).element as TypeDef<any, any>
  const elementCtx: Ctx = { ...ctx, path: `${ctx.path}[]`, nullableVersions: null }
  const { enc: encElement, dec: decElement } = compileType(element, false, elementCtx)
  const min = minSize(element, ctx)
  const notNullable = () => nullError(ctx)
  const notArray = () => new TypeError(`${ctx.path}: expected an array`)
  if (ctx.generate === true) {
    const encBody = [
      'if (v === null) {',
      nullable ? (compact ? 'w.uvarint(0); return;' : 'w.int32(-1); return;') : 'throw d[0]();',
      '}',
      'if (!Array.isArray(v)) throw d[1]();',
      compact ? 'w.uvarint(v.length + 1);' : 'w.int32(v.length);',
      `for (let i = 0; i < v.length; i++) { const x = v[i]; ${encodeStatement(element, compact, 'd[2]')} }`,
    ]
    const expr = primitiveDecodeExpr(element, false, compact) ?? 'd[0](r)'
    const decBody = [
      `const n = r.arrayLength(${compact}, ${nullable}, ${min});`,
      'if (n === -1) return null;',
      'const out = [];',
      `for (let i = 0; i < n; i++) out.push(${expr});`,
      'return out;',
    ]
    return {
      enc: generate('encodeArray', ['w', 'v'], encBody, [notNullable, notArray, encElement]) as Enc,
      dec: generate('decodeArray', ['r'], decBody, [decElement]) as Dec,
    }
  }
  return {
    enc: (w, v) => {
      if (v === null) {
        if (!nullable) throw notNullable()
        if (compact) w.uvarint(0)
        else w.int32(-1)
        return
      }
      if (!Array.isArray(v)) throw notArray()
      if (compact) w.uvarint(v.length + 1)
      else w.int32(v.length)
      for (let i = 0; i < v.length; i++) encElement(w, v[i])
    },
    dec: (r) => {
      const n = r.arrayLength(compact, nullable, min)
      if (n === -1) return null
      const out = new Array(n)
      for (let i = 0; i < n; i++) out[i] = decElement(r)
      return out
    },
  }
}

export type { VersionRange }
