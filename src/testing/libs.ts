/**
 * The Kafka jars: resolved by Maven from kafka/pom.xml into one lib dir per Kafka version,
 * once. A marker file written after a successful download makes later runs free; a lock
 * file makes concurrent callers (vitest workers, several processes) wait for one download.
 */
import { existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { usesLog4j1 } from './generations.js'
import { withFileLock } from './lock.js'
import { cacheBaseDir, mavenBinary, pomPath } from './paths.js'
import { run } from './process.js'
import { log4j2VersionFor, resolveKafkaVersion } from './versions.js'

const MARKER = '.kafka-wire-complete'

export interface EnsureKafkaLibsOptions {
  /** Base cache directory (default: see `cacheBaseDir()`); the jars go to `<cacheDir>/libs-<version>`. */
  cacheDir?: string
  /** Progress messages (default: stderr). */
  log?: (message: string) => void
}

/** `<cacheDir>/libs-<version>`, whether or not it is populated yet. */
export function kafkaLibDir(version?: string, cacheDir?: string): string {
  return path.join(cacheDir ?? cacheBaseDir(), `libs-${resolveKafkaVersion(version)}`)
}

/** True if the lib dir for this version was fully downloaded. */
export function kafkaLibsReady(version?: string, cacheDir?: string): boolean {
  return existsSync(path.join(kafkaLibDir(version, cacheDir), MARKER))
}

/**
 * Make sure the jars of Kafka `version` (default `$KAFKA_VERSION` or the pinned release) are
 * in the cache, downloading them with Maven on first use. Returns the lib dir, usable as
 * `java -cp "<libDir>/*"`.
 */
export async function ensureKafkaLibs(version?: string, options: EnsureKafkaLibsOptions = {}): Promise<string> {
  const v = resolveKafkaVersion(version)
  const base = options.cacheDir ?? cacheBaseDir()
  const libDir = kafkaLibDir(v, base)
  if (existsSync(path.join(libDir, MARKER))) return libDir
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`))
  await fs.mkdir(base, { recursive: true })
  await withFileLock(
    `${libDir}.lock`,
    async () => {
      if (existsSync(path.join(libDir, MARKER))) return // another process finished while we waited
      // Kafka 3.x logs through log4j 1 (reload4j, brought by kafka-tools): no log4j2 jars then.
      const log4j2 = usesLog4j1(v) ? 'none (log4j 1)' : log4j2VersionFor(v)
      const logging = usesLog4j1(v) ? '-Dkafka.log4j1=true' : `-Dlog4j2.version=${log4j2}`
      const started = Date.now()
      log(`kafka-wire: resolving Apache Kafka ${v} jars (log4j2 ${log4j2}) with Maven into ${libDir} (first run only)`)
      const staging = `${libDir}.partial-${process.pid}`
      await fs.rm(staging, { recursive: true, force: true })
      await fs.rm(libDir, { recursive: true, force: true })
      const args = [
        '-B',
        '-q',
        '-f',
        pomPath(),
        `-Dkafka.version=${v}`,
        logging,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${staging}`,
      ]
      let result: Awaited<ReturnType<typeof run>>
      try {
        result = await run(mavenBinary(), args, { timeoutMs: 15 * 60_000 })
      } catch (err) {
        throw new Error(
          `kafka-wire/testing: cannot run Maven (${mavenBinary()}): ${(err as Error).message}. ` +
            'The JVM provider needs Java 17+ and Maven to fetch Apache Kafka from Maven Central; ' +
            'alternatively set KAFKA_BOOTSTRAP_SERVERS to use an existing cluster.',
        )
      }
      if (result.code !== 0) {
        await fs.rm(staging, { recursive: true, force: true })
        const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-30).join('\n')
        throw new Error(
          `kafka-wire/testing: Maven could not resolve Apache Kafka ${v} (log4j2 ${log4j2}; exit ${result.code}):\n${output}`,
        )
      }
      const jars = (await fs.readdir(staging)).filter((f) => f.endsWith('.jar'))
      if (!jars.some((j) => j.startsWith(`kafka_2.13-${v}`))) {
        throw new Error(`kafka-wire/testing: Maven finished but kafka_2.13-${v}.jar is missing from ${staging}`)
      }
      await fs.writeFile(
        path.join(staging, MARKER),
        `${JSON.stringify({ kafka: v, log4j2, jars: jars.length, at: new Date().toISOString() })}\n`,
      )
      await fs.rename(staging, libDir)
      log(`kafka-wire: ${jars.length} jars resolved in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    },
    { onWait: (pid) => log(`kafka-wire: waiting for another process (pid ${pid}) to download the Kafka ${v} jars`) },
  )
  return libDir
}
