/**
 * Generated code and the generic closures (what a message runs until its GENERATE_AFTER_USES-th
 * use, and the fallback where code generation is forbidden) must agree exactly: same bytes from
 * the same value, same value from the same bytes.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { Apis } from '../../src/protocol/messages/index.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer } from '../../src/protocol/primitives/writer.js'
import {
  type CompiledMessage,
  compile,
  GENERATE_AFTER_USES,
  setCodeGeneration,
} from '../../src/protocol/schema/codec.js'
import type { MessageSchema } from '../../src/protocol/schema/dsl.js'
import { arbitraryFor } from './support/arbitrary.js'

function both(schema: MessageSchema<any>, version: number): [CompiledMessage, CompiledMessage] {
  setCodeGeneration(true)
  const generated = compile(schema, version)
  setCodeGeneration(false)
  const closures = compile(schema, version)
  setCodeGeneration(true)
  return [generated, closures]
}

const encode = (c: CompiledMessage, value: object) => {
  const w = new Writer()
  c.encode(w, value)
  return w.toBuffer()
}

it('a message runs through the closures for its first uses, then through generated code', () => {
  setCodeGeneration('tiered') // the default where code generation is allowed
  try {
    const value = {
      throttleTimeMs: 7,
      brokers: [{ nodeId: 1, host: 'kafka-1', port: 9092, rack: null }],
      clusterId: 'c',
      controllerId: 1,
      topics: [],
    }
    const seen: { name: string; bytes: Buffer; back: unknown }[] = []
    for (let use = 1; use <= GENERATE_AFTER_USES + 2; use++) {
      const c = compile(Apis.Metadata.response, 12)
      const bytes = encode(c, value)
      seen.push({ name: c.decode.name, bytes, back: c.decode(new Reader(bytes)) })
    }
    const firstGenerated = seen.findIndex((s) => s.name === 'decode')
    expect(firstGenerated).toBe(GENERATE_AFTER_USES - 1) // the GENERATE_AFTER_USES-th use
    expect(seen.slice(0, firstGenerated).every((s) => s.name !== 'decode')).toBe(true)
    expect(seen.slice(firstGenerated).every((s) => s.name === 'decode')).toBe(true)
    // The switch changes nothing a caller sees.
    for (const s of seen) {
      expect(s.bytes.equals(seen[0]!.bytes)).toBe(true)
      expect(s.back).toStrictEqual(seen[0]!.back)
    }
  } finally {
    setCodeGeneration(true)
  }
})

it('setCodeGeneration(true) generates from the first use', () => {
  setCodeGeneration(true)
  expect(compile(Apis.Metadata.response, 12).decode.name).toBe('decode')
  expect(compile(Apis.Metadata.response, 12).encode.name).toBe('encode')
})

it.each(Object.values(Apis).map((a) => [a.name, a] as const))(
  '%s: generated code and closures agree at every version',
  (_name, api) => {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      for (const schema of [api.request, api.response]) {
        const [generated, closures] = both(schema, v)
        expect(closures.decode.name).not.toBe('decode')
        fc.assert(
          fc.property(arbitraryFor(schema, v), (value) => {
            const bytes = encode(generated, value)
            expect(encode(closures, value).equals(bytes)).toBe(true)
            expect(generated.decode(new Reader(bytes))).toStrictEqual(closures.decode(new Reader(bytes)))
          }),
          { numRuns: 10 },
        )
      }
    }
  },
)
