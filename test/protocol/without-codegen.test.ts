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

// Fewer generated cases than the main run: this suite checks the other path, not new values
// (codegen.test.ts compares the two paths case by case). Read at import, restored after.
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
