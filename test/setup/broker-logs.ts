/**
 * Optional vitest setupFile for the integration project: when a test fails, print what the
 * shared broker logged while it ran (capped at the last 80 lines). Enable it with
 * `setupFiles: ['test/setup/broker-logs.ts']` in the integration project of vitest.config.ts.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { afterEach, beforeEach, inject } from 'vitest'

const paths = inject('kafkaLogPaths') ?? []
let offsets: number[] = []

function size(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

beforeEach(() => {
  offsets = paths.map(size)
})

afterEach((context) => {
  if (context.task.result?.state !== 'fail') return
  paths.forEach((file, i) => {
    const from = offsets[i] ?? 0
    const to = size(file)
    if (to <= from) return
    const fd = openSync(file, 'r')
    try {
      const len = Math.min(to - from, 256 * 1024)
      const buf = Buffer.alloc(len)
      readSync(fd, buf, 0, len, to - len)
      const lines = buf.toString('utf8').trimEnd().split('\n').slice(-80)
      process.stderr.write(`\n--- broker log during "${context.task.name}" (${file}) ---\n${lines.join('\n')}\n`)
    } finally {
      closeSync(fd)
    }
  })
})
