/**
 * The codec's generated code from the first use. By default a message runs through the generic
 * closures until its GENERATE_AFTER_USES-th use (codec.ts), so suites that encode or decode each
 * message once or twice (golden bytes, broker fixtures) would check only the closures: this file
 * runs the same suites with generated code throughout, as without-codegen.test.ts runs them with
 * the closures throughout.
 */
import { expect, it } from 'vitest'
import { Apis } from '../../src/protocol/messages/index.js'
import { compile, setCodeGeneration } from '../../src/protocol/schema/codec.js'
import { runCodecSuites } from './support/codec-suites.js'

setCodeGeneration(true)

it('generates from the first use', () => {
  expect(compile(Apis.Metadata.response, 12).decode.name).toBe('decode')
})

await runCodecSuites()
