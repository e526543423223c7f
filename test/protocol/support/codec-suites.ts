/**
 * The codec suites (round trip, version rules, headers, golden bytes, broker fixtures, fuzzing),
 * imported into the calling test file, so that they run there under the code generation mode it
 * set (with-codegen.test.ts, without-codegen.test.ts). Fewer generated cases than the main run:
 * these files check another path, not new values (codegen.test.ts compares the paths case by
 * case). The run counts are read at import and restored after.
 */
export async function runCodecSuites(): Promise<void> {
  const saved = { roundTrip: process.env.ROUND_TRIP_RUNS, fuzz: process.env.FUZZ_RUNS }
  process.env.ROUND_TRIP_RUNS ??= '10'
  process.env.FUZZ_RUNS ??= '15'
  try {
    await import('../round-trip.test.js')
    await import('../version-rules.test.js')
    await import('../header.test.js')
    await import('../golden-bytes.test.js')
    await import('../fixtures.test.js')
    await import('../fuzz.test.js')
  } finally {
    if (saved.roundTrip === undefined) delete process.env.ROUND_TRIP_RUNS
    if (saved.fuzz === undefined) delete process.env.FUZZ_RUNS
  }
}
