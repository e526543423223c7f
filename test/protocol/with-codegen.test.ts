/**
 * The codec's generated code from the first use. By default a message runs through the generic
 * closures until its GENERATE_AFTER_USES-th use (codec.ts), so suites that encode or decode each
 * message once or twice (golden bytes, broker fixtures) would check only the closures: this file
 * runs the same suites with generated code throughout, as without-codegen.test.ts runs them with
 * the closures throughout. codegen.test.ts compares the two paths case by case.
 */
import { expect, it } from 'vitest'
import { Apis } from '../../src/protocol/messages/index.js'
import { compile, setCodeGeneration } from '../../src/protocol/schema/codec.js'

setCodeGeneration(true)

it('generates from the first use', () => {
  expect(compile(Apis.Metadata.response, 12).decode.name).toBe('decode')
})

// Fewer generated cases than the main run (read at import, restored after).
const saved = { roundTrip: process.env.ROUND_TRIP_RUNS, fuzz: process.env.FUZZ_RUNS }
process.env.ROUND_TRIP_RUNS ??= '10'
process.env.FUZZ_RUNS ??= '15'
try {
  await import('./round-trip.test.js')
  await import('./version-rules.test.js')
  await import('./header.test.js')
  await import('./golden-bytes.test.js')
  await import('./fixtures.test.js')
  await import('./fuzz.test.js')
} finally {
  if (saved.roundTrip === undefined) delete process.env.ROUND_TRIP_RUNS
  if (saved.fuzz === undefined) delete process.env.FUZZ_RUNS
}
