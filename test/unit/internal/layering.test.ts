// Layering is enforced by biome (`npm run lint`, run in CI): every folder may import only downward.
// The probes below are linted with the project's own biome.json in a scratch tree shaped like src/,
// so an upward (or layer-skipping) import in any folder is shown to fail the lint.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const biome = join(root, 'node_modules/.bin/biome')

/** [file under src/, import specifier, must the lint reject it?] */
const PROBES: [string, string, boolean][] = [
  // internal/: the ground floor imports no layer (errors.ts only).
  ['internal/p1.ts', '../protocol/index.js', true],
  ['internal/p2.ts', '../network/index.js', true],
  ['internal/p3.ts', '../errors.js', false],
  // protocol/: nothing above it.
  ['protocol/records/p1.ts', '../../network/index.js', true],
  ['protocol/p2.ts', '../cluster/index.js', true],
  ['protocol/p3.ts', '../producer/index.js', true],
  ['protocol/p4.ts', '../internal/module-dir.js', false],
  // network/: no cluster, no clients.
  ['network/p1.ts', '../cluster/index.js', true],
  ['network/sasl/p2.ts', '../../consumer/index.js', true],
  ['network/p3.ts', '../admin/index.js', true],
  ['network/p4.ts', '../protocol/index.js', false],
  ['network/p5.ts', '../internal/logger.js', false],
  // cluster/: no clients.
  ['cluster/p1.ts', '../producer/producer.js', true],
  ['cluster/p2.ts', '../consumer/index.js', true],
  ['cluster/p3.ts', '../admin/admin.js', true],
  ['cluster/p4.ts', '../network/index.js', false],
  // clients: through cluster/, never network/ (skipping a layer).
  ['producer/p1.ts', '../network/index.js', true],
  ['consumer/p2.ts', '../network/types.js', true],
  ['consumer/group/p3.ts', '../../network/index.js', true],
  ['admin/p4.ts', '../network/connection.js', true],
  ['consumer/p5.ts', '../testing/index.js', true],
  ['producer/p6.ts', '../cluster/index.js', false],
  ['consumer/group/p7.ts', '../../internal/deadline.js', false],
  // The one named exception: the heartbeat worker thread has its own connections.
  ['consumer/group/heartbeat-worker.ts', '../../network/index.js', false],
  // The test kit never imports the CLI.
  ['testing/p1.ts', '../cli/main.js', true],
  // kafkajs/ (the kafkajs-compatible layer): on the clients, never on protocol/ or network/.
  ['kafkajs/p1.ts', '../protocol/index.js', true],
  ['kafkajs/p2.ts', '../network/types.js', true],
  ['kafkajs/p3.ts', '../producer/index.js', false],
  ['kafkajs/p4.ts', '../cluster/index.js', false],
  // diagnostics/ (the channels): every layer publishes on it, so it imports none.
  ['diagnostics/p1.ts', '../protocol/index.js', true],
  ['diagnostics/p2.ts', '../producer/index.js', true],
  ['network/p6.ts', '../diagnostics/index.js', false],
  ['consumer/group/p8.ts', '../../diagnostics/index.js', false],
  // otel/ (kafka-wire/otel) works from the channels alone.
  ['otel/p1.ts', '../producer/index.js', true],
  ['otel/p2.ts', '../consumer/index.js', true],
  ['otel/p3.ts', '../diagnostics/index.js', false],
]

const scratch = mkdtempSync(join(tmpdir(), 'kafka-wire-layering-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function lintProbes(): Set<string> {
  copyFileSync(join(root, 'biome.json'), join(scratch, 'biome.json'))
  for (const [file, spec] of PROBES) {
    const path = join(scratch, 'src', file)
    mkdirSync(dirname(path), { recursive: true })
    // `export from` and `import type` are imports too: use both forms.
    writeFileSync(path, `import type { A } from '${spec}'\nexport type { A }\nexport { b } from '${spec}'\n`)
  }
  let out = ''
  try {
    out = execFileSync(biome, ['lint', '--reporter=github', '--max-diagnostics=none', '.'], {
      cwd: scratch,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '')
  }
  const rejected = new Set<string>()
  for (const line of out.split('\n')) {
    const m = /^::error title=lint\/style\/noRestrictedImports,file=([^,]+),line=(\d+)/.exec(line)
    if (m) rejected.add(`${m[1]!.slice(join(scratch, 'src').length + 1)}:${m[2]}`)
  }
  return rejected
}

describe('layering lint (biome noRestrictedImports per folder)', () => {
  const rejected = lintProbes()
  it.each(PROBES)('src/%s importing %s: rejected %s', (file, _spec, expected) => {
    expect(rejected.has(`${file}:1`), 'import type').toBe(expected)
    expect(rejected.has(`${file}:3`), 'export from').toBe(expected)
  })
})
