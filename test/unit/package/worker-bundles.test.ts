// The worker threads' entry scripts are bundled into one file each by scripts/build.mjs (a worker
// starts its own module loader: ~100 modules to resolve and compile cost ~100 ms of CPU at a
// consumer's start, docs/performance.md "Worker scripts as one file"). Both builds: the script
// imports no kafka-wire module any more, and it still works as the worker it is.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const SCRIPTS = ['consumer/group/heartbeat-worker.js', 'protocol/records/compression/compression-worker.js']
/** import … from './x.js', export … from '../y.js', import('./z.js'), require('./w.js'): kafka-wire's own modules. */
const RELATIVE = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']\.\.?\//m

describe.each(['esm', 'cjs'])('dist/%s worker scripts', (build) => {
  it.each(SCRIPTS)('%s is one file: no import of a kafka-wire module', (script) => {
    const file = join(root, 'dist', build, script)
    expect(existsSync(file), 'run `npm run build` first').toBe(true)
    const text = readFileSync(file, 'utf8')
    expect(text.startsWith(`// kafka-wire worker entry (${script}), bundled by scripts/build.mjs.`)).toBe(true)
    expect(text).not.toMatch(RELATIVE)
    // The tsc source map described the file the bundle replaced.
    expect(existsSync(`${file}.map`)).toBe(false)
  })

  it('the compression worker compresses and the heartbeat worker answers, started from this build', () => {
    const dist = `./dist/${build}`
    // A child process: the worker script is found beside the build's own modules (builtScriptPath).
    const code = `
      const load = (p) => ${build === 'esm' ? 'import(p)' : 'Promise.resolve(require(p))'}
      ;(async () => {
        const thread = await load('${dist}/protocol/records/compression/compression-thread.js')
        const codecs = await load('${dist}/protocol/records/compression/index.js')
        const input = Buffer.from('kafka-wire '.repeat(20000))
        const out = await thread.compressOnWorker(codecs.CompressionType.GZIP, input)
        const back = codecs.decompress(codecs.CompressionType.GZIP, out)
        const started = thread.compressionWorkers().started
        await thread.stopCompressionWorker()
        const { Worker } = await import('node:worker_threads')
        const { heartbeatWorkerPath } = await load('${dist}/consumer/group/heartbeat-service.js')
        const w = new Worker(heartbeatWorkerPath(), { execArgv: [] })
        // Its modules load and evaluate (an error would come within moments), then it idles for messages.
        const online = await new Promise((resolve) => { w.once('error', (e) => resolve(String(e))); w.once('exit', (c) => resolve('exit ' + c)); w.once('online', () => setTimeout(() => resolve(true), 500)) })
        await w.terminate()
        console.log(JSON.stringify({ same: Buffer.compare(back, input) === 0, smaller: out.length < input.length, started, online }))
      })().catch((e) => { console.error(e); process.exit(1) })`
    const args = build === 'esm' ? ['--input-type=module', '-e', code] : ['-e', code]
    const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim()
    expect(JSON.parse(out)).toEqual({ same: true, smaller: true, started: 1, online: true })
  })
})
