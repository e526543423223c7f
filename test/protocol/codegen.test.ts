/**
 * Generated code and the generic closures (the fallback where code generation is forbidden)
 * must agree exactly: same bytes from the same value, same value from the same bytes.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { Apis } from '../../src/protocol/messages/index.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer } from '../../src/protocol/primitives/writer.js'
import { type CompiledMessage, compile, setCodeGeneration } from '../../src/protocol/schema/codec.js'
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

it('generated code is the default', () => {
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
