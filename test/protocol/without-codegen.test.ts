/**
 * The codec's fallback for runtimes that forbid code generation from strings: the same suites
 * (round trip, version rules, headers, golden bytes, broker fixtures, fuzzing) run with the
 * generic closures instead of generated functions.
 */
import { expect, it } from 'vitest'
import { Apis } from '../../src/protocol/messages/index.js'
import { compile, setCodeGeneration } from '../../src/protocol/schema/codec.js'

setCodeGeneration(false)

it('uses the closures', () => {
  expect(compile(Apis.Metadata.response, 12).decode.name).not.toBe('decode')
})

await import('./round-trip.test.js')
await import('./version-rules.test.js')
await import('./header.test.js')
await import('./golden-bytes.test.js')
await import('./fixtures.test.js')
await import('./fuzz.test.js')
