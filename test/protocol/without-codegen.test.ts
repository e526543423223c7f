/**
 * The codec's fallback for runtimes that forbid code generation from strings: the same suites
 * (round trip, version rules, headers, golden bytes, broker fixtures, fuzzing) run with the
 * generic closures instead of generated functions.
 */
import { expect, it } from 'vitest'
import { Apis } from '../../src/protocol/messages/index.js'
import { compile, setCodeGeneration } from '../../src/protocol/schema/codec.js'
import { runCodecSuites } from './support/codec-suites.js'

setCodeGeneration(false)

it('uses the closures', () => {
  expect(compile(Apis.Metadata.response, 12).decode.name).not.toBe('decode')
})

await runCodecSuites()
