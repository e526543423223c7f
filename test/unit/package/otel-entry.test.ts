// kafka-wire/otel loads as an ES module and as CommonJS from the built dist/, and the core entry
// point never loads @opentelemetry/api (an optional peer: an application without it must run).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')

function run(code: string, type: 'module' | 'commonjs'): string {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code]
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim()
}

describe('kafka-wire/otel entry point', () => {
  it('is built', () => {
    expect(existsSync(join(root, 'dist/esm/otel/index.js')), 'run `npm run build` first').toBe(true)
    expect(existsSync(join(root, 'dist/cjs/otel/index.js')), 'run `npm run build` first').toBe(true)
  })

  it('import works (ESM)', () => {
    const code = `import { KafkaWireInstrumentation } from 'kafka-wire/otel'
const i = new KafkaWireInstrumentation(); i.enable(); console.log(i.enabled); i.disable(); console.log(i.enabled)`
    expect(run(code, 'module')).toBe('true\nfalse')
  })

  it('require works (CommonJS)', () => {
    const code = `const { KafkaWireInstrumentation } = require('kafka-wire/otel')
const i = new KafkaWireInstrumentation(); i.enable(); console.log(i.enabled); i.disable(); console.log(i.enabled)`
    expect(run(code, 'commonjs')).toBe('true\nfalse')
  })

  it('the core entry points do not load @opentelemetry/api', () => {
    const cjs = `require('kafka-wire'); require('kafka-wire/kafkajs')
console.log(Object.keys(require.cache).filter((f) => f.includes('@opentelemetry')).length)`
    expect(run(cjs, 'commonjs')).toBe('0')
    // ESM: the core loads without it and names its channels under the documented prefix.
    const esm = `import dc from 'node:diagnostics_channel'
import { Producer, CHANNEL_PREFIX } from 'kafka-wire'
console.log(typeof Producer, CHANNEL_PREFIX, dc.tracingChannel(CHANNEL_PREFIX + 'producer:send').hasSubscribers)`
    expect(run(esm, 'module')).toBe('function kafka-wire: false')
  })
})
