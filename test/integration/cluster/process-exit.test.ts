/**
 * A forgotten client never keeps the process alive: a child process bootstraps a Cluster (with the
 * clients' telemetry reporter), sends requests, finds a coordinator, and then simply ends its
 * script without close(). It must exit on
 * its own (idle sockets unref'd, all timers unref'd). The child runs kafka-wire's sources
 * transpiled with the TypeScript compiler into a temp dir.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import ts from 'typescript'
import { afterAll, describe, expect, inject, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const out = mkdtempSync(join(tmpdir(), 'kw-exit-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

function transpile(p: string): void {
  if (statSync(p).isDirectory()) {
    for (const name of readdirSync(p)) transpile(join(p, name))
  } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
    const js = ts.transpileModule(readFileSync(p, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText
    const dest = join(out, relative(join(root, 'src'), p)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(dest), { recursive: true })
    writeFileSync(dest, js)
  }
}

function runChild(script: string, timeoutMs: number): Promise<{ code: number | null; ms: number; output: string }> {
  const file = join(out, `child-${Date.now()}.mjs`)
  writeFileSync(file, script)
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, ms: Date.now() - started, output })
    })
  })
}

describe('process lifetime', () => {
  it('a cluster that is never closed does not keep the process alive', async () => {
    writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n')
    for (const d of ['errors.ts', 'error-codes.ts', 'protocol', 'network', 'cluster', 'internal', 'diagnostics'])
      transpile(join(root, 'src', d))
    const script = `
import { Cluster } from './cluster/index.js'
import { resolveCommonOptions } from './cluster/options.js'
import { Apis } from './protocol/index.js'
import { ClientTelemetryReporter } from './cluster/telemetry/index.js'
const c = new Cluster(resolveCommonOptions({ bootstrapServers: ${JSON.stringify(inject('kafkaBootstrapServers'))}, metadataMaxAgeMs: 100 }))
// KIP-714 telemetry, as every client has it: its timers (the bootstrap check, the next attempt) are unref'd.
new ClientTelemetryReporter(c, { source: () => [] })
await c.connect()
await c.sendAny(Apis.Metadata, { topics: [] })
const node = [...c.brokers.keys()][0]
await c.send(node, Apis.Metadata, { topics: [] }, { workload: 'fetch' })
await c.findCoordinator('group', 'kw-exit-group', { timeoutMs: 60000 })
c.requestMetadataRefresh()
console.log('done at', Date.now())
`
    const { code, ms, output } = await runChild(script, 60_000)
    expect(output).toContain('done at')
    expect(code).toBe(0)
    const doneAt = Number(/done at (\d+)/.exec(output)![1])
    // It exits right after its last line, not after metadataMaxAgeMs, connectionsMaxIdleMs or any other timer.
    expect(Date.now() - doneAt).toBeLessThan(5000)
    expect(ms).toBeLessThan(55_000)
  })
})
