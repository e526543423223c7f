// The package must load both as an ES module (import) and as CommonJS (require),
// through its package.json "exports" map, from the built dist/.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')

function run(code: string, type: 'module' | 'commonjs'): string {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code]
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim()
}

describe("package entry points (built by `npm test`'s pretest step)", () => {
  it('is built', () => {
    expect(existsSync(join(root, 'dist/esm/index.js')), 'run `npm run build` first').toBe(true)
    expect(existsSync(join(root, 'dist/cjs/index.js')), 'run `npm run build` first').toBe(true)
  })

  it('import works (ESM) for the main entry and kafka-wire/testing', () => {
    const out = run(
      "import * as k from 'kafka-wire'; import * as t from 'kafka-wire/testing'; console.log(typeof k.KafkaError, typeof t.startKafka, new k.ProtocolError('x') instanceof k.KafkaError)",
      'module',
    )
    expect(out).toBe('function function true')
  })

  it('require works (CommonJS) for the main entry and kafka-wire/testing', () => {
    const out = run(
      "const k = require('kafka-wire'); const t = require('kafka-wire/testing'); console.log(typeof k.KafkaError, typeof t.startKafka, new k.ProtocolError('x') instanceof k.KafkaError)",
      'commonjs',
    )
    expect(out).toBe('function function true')
  })

  it('the CommonJS build locates package files without import.meta', () => {
    const out = run(
      "const { packageRoot } = require('./dist/cjs/internal/package-root.js'); console.log(require('node:path').basename(packageRoot()) !== '')",
      'commonjs',
    )
    expect(out).toBe('true')
  })
})

it('ships types for both entry points', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  expect(pkg.exports['.'].import.types).toMatch(/\.d\.ts$/)
  expect(pkg.exports['.'].require.types).toMatch(/\.d\.ts$/)
  expect(pkg.exports['./testing'].import.types).toMatch(/\.d\.ts$/)
  expect(pkg.engines.node).toBe('^20.19.0 || >=22.13.0')
})
