// Worker threads inherit the process's Node options, and Node refuses to start a worker from a file
// under `--input-type` (`node --input-type=module -e '…'`): the heartbeat and compression threads
// start with the process's options less that one.
import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const built = resolve(import.meta.dirname, '../../../dist/esm')

describe('workerExecArgv()', () => {
  for (const flag of [['--input-type=module'], ['--input-type', 'module']]) {
    it(`drops ${flag.join(' ')} and keeps the rest, so a worker starts from node ${flag.join(' ')} -e`, () => {
      const script = `
        import { workerExecArgv } from ${JSON.stringify(pathToFileURL(join(built, 'internal', 'worker-script.js')).href)}
        import { compressOnThreadPool } from ${JSON.stringify(pathToFileURL(join(built, 'protocol', 'records', 'compression', 'index.js')).href)}
        const out = await compressOnThreadPool(4, Buffer.from('y'.repeat(50000)))
        console.log(JSON.stringify({ args: workerExecArgv(), compressed: out.length }))`
      const run = execFileSync(process.execPath, ['--no-warnings', ...flag, '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      })
      const { args, compressed } = JSON.parse(run)
      expect(args).toEqual(['--no-warnings', '-e', script])
      expect(compressed).toBeGreaterThan(0)
    })
  }
})
