/** A live progress bar on stderr (cli-progress), drawn only when stdout is a terminal. */
import cliProgress from 'cli-progress'
import { interactive } from './common.js'

export interface Progress {
  update(done: number, extra?: Record<string, string | number>): void
  stop(): void
}

export function progressBar(label: string, total: number): Progress {
  if (!interactive()) return { update() {}, stop() {} }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {percentage}% | {value}/{total} | {rate} rec/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  )
  const started = performance.now()
  bar.start(total, 0, { rate: 0 })
  return {
    update(done, extra = {}) {
      const secs = (performance.now() - started) / 1000
      bar.update(done, { rate: secs > 0 ? Math.round(done / secs) : 0, ...extra })
    },
    stop() {
      bar.stop()
    },
  }
}
