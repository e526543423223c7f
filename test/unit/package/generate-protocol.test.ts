/**
 * scripts/generate-protocol.mjs takes the Kafka release: the committed schemas are Kafka 4.4.0's,
 * 4.3.1's definitions stay usable (and differ), and an unknown release or missing reference data
 * is said plainly. Only `--check` runs here: it never writes.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const refDir = process.env.KAFKA_PROTOCOL_DIR ?? resolve(root, '../shared/kafka-protocol')
const script = join(root, 'scripts/generate-protocol.mjs')

async function check(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const r = await promisify(execFile)(process.execPath, [script, '--check', ...args], {
      env: { ...process.env, KAFKA_PROTOCOL_VERSION: '', ...env },
    })
    return { code: 0, out: r.stdout + r.stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout + e.stderr }
  }
}

describe.skipIf(!existsSync(join(refDir, 'messages-4.4.0')))('generate-protocol --check', () => {
  it('the committed schemas are Kafka 4.4.0 by default', async () => {
    const r = await check([])
    expect(r.out).toContain('drift check passed')
    expect(r.out).toContain('Kafka 4.4.0')
    expect(r.code).toBe(0)
  })

  it('checks against 4.3.1 with --kafka-version, and reports the drift', async () => {
    const r = await check(['--kafka-version', '4.3.1'])
    expect(r.code).toBe(1)
    // 4.4.0 added DeleteGroups v3 and TxnOffsetCommit v6.
    expect(r.out).toContain('drift: src/protocol/messages/delete-groups.ts differs')
    expect(r.out).toContain('drift: src/protocol/messages/txn-offset-commit.ts differs')
  })

  it('fails on a release it has no definitions for, naming it', async () => {
    const r = await check([], { KAFKA_PROTOCOL_VERSION: '9.9.9' })
    expect(r.code).toBe(1)
    expect(r.out).toContain('no Kafka 9.9.9 message definitions')
    expect((await check(['--kafka-version', 'latest'])).code).toBe(2)
  })

  it('skips, saying so, when there is no reference data at all', async () => {
    const r = await check([], { KAFKA_PROTOCOL_DIR: join(root, 'no-such-dir') })
    expect(r.code).toBe(0)
    expect(r.out).toContain('drift check SKIPPED')
  })
})
