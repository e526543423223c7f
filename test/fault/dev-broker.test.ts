// The dev broker (npm run kafka:start / kafka:stop) outlives the process that started it, and
// stop kills it. Runs on free ports and a temp dir so it never touches a real 127.0.0.1:9092.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { devBrokerStatus, pickFreePorts, stopDevBroker } from '../../src/testing/index.js'
import { pidAlive } from '../../src/testing/lock.js'
import { canConnect } from '../../src/testing/ports.js'
import { rawApiVersions } from '../integration/smoke/raw-api-versions.js'
import { kitEnv, repo, writeKitScript } from './kit-child.js'

describe('dev broker', () => {
  let tmp: string | undefined
  let options: { dir: string; port: number; controllerPort: number } | undefined

  afterAll(async () => {
    if (options) await stopDevBroker(options).catch(() => undefined)
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it('keeps running after the starting process exits; stop kills it', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-dev-test-'))
    const [port, controllerPort] = await pickFreePorts(2)
    options = { dir: path.join(tmp, 'dev'), port: port!, controllerPort: controllerPort! }
    const script = await writeKitScript(
      tmp,
      'start.mjs',
      [
        "import { startDevBroker } from './testing/index.js'",
        `const s = await startDevBroker(${JSON.stringify(options)})`,
        'console.log(JSON.stringify(s))',
      ].join('\n'),
    )
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      cwd: repo,
      env: kitEnv(),
      timeout: 150_000,
    })
    const started = JSON.parse(stdout.trim().split('\n').pop()!)
    expect(started.running).toBe(true)
    expect(started.bootstrapServers).toBe(`127.0.0.1:${port}`)

    // The starter has exited; the broker is still there.
    const status = await devBrokerStatus(options)
    expect(status.running).toBe(true)
    expect(status.pid).toBe(started.pid)
    expect((await rawApiVersions(status.bootstrapServers)).errorCode).toBe(0)

    const stopped = await stopDevBroker(options)
    expect(stopped).toEqual({ stopped: true, pid: started.pid })
    expect(pidAlive(started.pid)).toBe(false)
    expect(await canConnect('127.0.0.1', port!, 500)).toBe(false)
    expect((await devBrokerStatus(options)).running).toBe(false)
    expect(await stopDevBroker(options)).toEqual({ stopped: false })
  })
})
