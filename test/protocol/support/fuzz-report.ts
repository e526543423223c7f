import { appendFileSync } from 'node:fs'

/**
 * Prints how many frames a fuzz file fed to its decoder; with FUZZ_REPORT (set by
 * scripts/fuzz.mjs) also appends the count there as a JSON line, for the script to sum.
 */
export function reportFuzz(what: string, t: { frames: number; rejected: number }): void {
  console.log(`[fuzz] ${what}: ${t.frames} frames, ${t.rejected} rejected with ProtocolError, no other error`)
  if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, `${JSON.stringify({ what, ...t })}\n`)
}
