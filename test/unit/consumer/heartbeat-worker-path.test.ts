// The heartbeat worker script is found beside the compiled module wherever the build was copied
// (a directory not named dist/, no kafka-wire package.json above), and a missing one gives
// ERR_HEARTBEAT_WORKER_MISSING naming the file. Runs against dist/esm, which `npm run build` makes
// (CI builds before testing; so do the tests that start the worker from the TypeScript sources).
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const built = resolve(import.meta.dirname, '../../../dist/esm')

function workerPathFrom(lib: string): { path?: string; error?: { code: string; message: string } } {
  const service = pathToFileURL(join(lib, 'consumer', 'group', 'heartbeat-service.js')).href
  const script = `
    import { heartbeatWorkerPath } from ${JSON.stringify(service)}
    try { console.log(JSON.stringify({ path: heartbeatWorkerPath() })) }
    catch (e) { console.log(JSON.stringify({ error: { code: e.code, message: e.message } })) }`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))
}

describe('heartbeatWorkerPath() of a build copied out of the package', () => {
  let dir: string
  beforeAll(() => {
    if (!existsSync(join(built, 'consumer', 'group', 'heartbeat-worker.js')))
      throw new Error(`${built} has no heartbeat worker: run \`npm run build\` first`)
    dir = mkdtempSync(join(tmpdir(), 'kw-copied-build-'))
    cpSync(built, join(dir, 'lib'), { recursive: true })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds the worker beside the copied module', () => {
    expect(workerPathFrom(join(dir, 'lib'))).toEqual({
      path: join(dir, 'lib', 'consumer', 'group', 'heartbeat-worker.js'),
    })
  })

  it('names the missing file with ERR_HEARTBEAT_WORKER_MISSING when the worker is not there', () => {
    rmSync(join(dir, 'lib', 'consumer', 'group', 'heartbeat-worker.js'))
    const { error } = workerPathFrom(join(dir, 'lib'))
    expect(error?.code).toBe('ERR_HEARTBEAT_WORKER_MISSING')
    expect(error?.message).toContain(join(dir, 'lib', 'consumer', 'group', 'heartbeat-worker.js'))
  })
})
