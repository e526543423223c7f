// ensureKafkaLibs: one Maven run for concurrent callers, a marker so later calls are free,
// and a clear error when Maven fails. Maven is replaced by a fake script (no network).
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ensureKafkaLibs, kafkaLibDir, kafkaLibsReady } from '../../../src/testing/index.js'

describe('ensureKafkaLibs', () => {
  let tmp: string
  let fakeMvn: string
  let calls: string

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-libs-test-'))
    calls = path.join(tmp, 'calls.log')
    fakeMvn = path.join(tmp, 'fake-mvn.sh')
    // Logs its arguments, takes a while, then "downloads" two jars (or fails for version 9.9.9).
    await writeFile(
      fakeMvn,
      `#!/bin/sh
echo "$*" >> "${calls}"
out=""; kv=""
for a in "$@"; do
  case "$a" in
    -DoutputDirectory=*) out="\${a#-DoutputDirectory=}" ;;
    -Dkafka.version=*) kv="\${a#-Dkafka.version=}" ;;
  esac
done
if [ "$kv" = "9.9.9" ]; then echo "[ERROR] Could not find artifact org.apache.kafka:kafka_2.13:jar:9.9.9"; exit 1; fi
sleep 0.5
mkdir -p "$out"
: > "$out/kafka_2.13-$kv.jar"
: > "$out/log4j-core-x.jar"
`,
    )
    await chmod(fakeMvn, 0o755)
  })
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('runs Maven once for concurrent callers, then never again', async () => {
    vi.stubEnv('MAVEN_CMD', fakeMvn)
    const cacheDir = path.join(tmp, 'cache')
    const log = () => undefined
    const dirs = await Promise.all([1, 2, 3].map(() => ensureKafkaLibs('4.3.1', { cacheDir, log })))
    expect(new Set(dirs)).toEqual(new Set([kafkaLibDir('4.3.1', cacheDir)]))
    expect(kafkaLibsReady('4.3.1', cacheDir)).toBe(true)
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toHaveLength(1)
    const args = (await readFile(calls, 'utf8')).trim()
    expect(args).toContain('-Dkafka.version=4.3.1')
    expect(args).toContain('-Dlog4j2.version=2.25.4')
    expect(args).toContain('dependency:copy-dependencies')
    expect(args).toContain('-DincludeScope=runtime')
    expect(args).toMatch(/-f \S+kafka\/pom\.xml/)
    await ensureKafkaLibs('4.3.1', { cacheDir, log })
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toHaveLength(1)
    // No lock or staging dir left behind.
    expect((await readdir(cacheDir)).sort()).toEqual(['libs-4.3.1'])
  })

  it('resolves a 3.x release without log4j2 (its jars log through log4j 1)', async () => {
    vi.stubEnv('MAVEN_CMD', fakeMvn)
    const cacheDir = path.join(tmp, 'cache-3x')
    await ensureKafkaLibs('3.9.1', { cacheDir, log: () => undefined })
    const args = (await readFile(calls, 'utf8')).trim().split('\n').at(-1)!
    expect(args).toContain('-Dkafka.version=3.9.1')
    expect(args).toContain('-Dkafka.log4j1=true')
    expect(args).not.toContain('-Dlog4j2.version')
  })

  it('reports a Maven failure with its output, and leaves nothing half-done', async () => {
    vi.stubEnv('MAVEN_CMD', fakeMvn)
    const cacheDir = path.join(tmp, 'cache2')
    await expect(ensureKafkaLibs('9.9.9', { cacheDir, log: () => undefined })).rejects.toThrow(
      /Maven could not resolve Apache Kafka 9\.9\.9[\s\S]*Could not find artifact/,
    )
    expect(kafkaLibsReady('9.9.9', cacheDir)).toBe(false)
    expect(await readdir(cacheDir)).toEqual([])
  })

  it('explains what is missing when Maven is not installed', async () => {
    vi.stubEnv('MAVEN_CMD', path.join(tmp, 'no-such-mvn'))
    await expect(
      ensureKafkaLibs('4.3.1', { cacheDir: path.join(tmp, 'cache3'), log: () => undefined }),
    ).rejects.toThrow(/cannot run Maven[\s\S]*KAFKA_BOOTSTRAP_SERVERS/)
  })
})
