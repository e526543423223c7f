/**
 * Class-data sharing (AppCDS) for the broker and tool JVMs — the same trick as the official
 * Kafka Docker image. Measured on this project's CI machine, a broker needs ~5.1 s of CPU to
 * reach "Kafka Server started" without an archive and ~3.6 s with one; on a loaded 2-core
 * machine that is most of the startup time. Steady-state performance is unaffected (only
 * class loading changes), so benchmarks may use it too.
 *
 * One archive per lib dir and Java installation, `<libDir>.<javaHash>.jsa`, made once: the
 * first broker a process starts without an archive runs with -XX:+RecordDynamicDumpInfo, and
 * once it is ready `jcmd <pid> VM.cds dynamic_dump` writes the archive (JDK 17+). A missing or
 * stale archive only costs the speed-up: the JVM ignores what it cannot map
 * (-Xshare:auto, the default). `KAFKA_WIRE_CDS=0` turns this off.
 */
import { createHash } from 'node:crypto'
import { existsSync, promises as fs, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { javaBinary } from './paths.js'
import { run } from './process.js'

/** Quiet unified JVM logging (CDS notes would otherwise land on a tool's stdout); errors still go to stderr. */
export const QUIET_JVM_LOGGING = ['-Xlog:disable', '-Xlog:all=error:stderr']

export function cdsEnabled(): boolean {
  return process.env.KAFKA_WIRE_CDS !== '0'
}

function resolveOnPath(bin: string): string {
  if (bin.includes(path.sep)) return bin
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, bin)
    if (existsSync(p)) return p
  }
  return bin
}

let identity: string | undefined

/** A short hash identifying the Java installation (real path and mtime of the java binary). */
function javaIdentity(): string {
  if (identity) return identity
  let id = javaBinary()
  try {
    const real = realpathSync(resolveOnPath(id))
    id = `${real}:${statSync(real).mtimeMs}`
  } catch {
    // keep the name
  }
  identity = createHash('sha256').update(id).digest('hex').slice(0, 10)
  return identity
}

/** Path of the CDS archive for a lib dir (it may not exist yet). */
export function cdsArchivePath(libDir: string): string {
  return `${path.resolve(libDir)}.${javaIdentity()}.jsa`
}

/** JVM arguments that use the archive if it exists ([] otherwise or when disabled). */
export function cdsUseArgs(libDir: string): string[] {
  if (!cdsEnabled()) return []
  const archive = cdsArchivePath(libDir)
  return existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : []
}

const training = new Set<string>()

/** If no archive exists and nobody in this process is making one, claim the job: returns the args for the training JVM. */
export function cdsClaimTraining(libDir: string): string[] | undefined {
  if (!cdsEnabled()) return undefined
  const archive = cdsArchivePath(libDir)
  if (existsSync(archive) || training.has(archive)) return undefined
  training.add(archive)
  return ['-XX:+RecordDynamicDumpInfo']
}

/** Give up a claimed training (the training JVM failed to start). */
export function cdsReleaseTraining(libDir: string): void {
  training.delete(cdsArchivePath(libDir))
}

/** Dump the archive from a running training JVM (errors are swallowed: the archive is an optimisation). */
export async function cdsDump(libDir: string, pid: number): Promise<boolean> {
  const archive = cdsArchivePath(libDir)
  const tmp = `${archive}.tmp-${process.pid}`
  try {
    const javaDir = path.dirname(realpathSync(resolveOnPath(javaBinary())))
    const jcmd = existsSync(path.join(javaDir, 'jcmd')) ? path.join(javaDir, 'jcmd') : 'jcmd'
    const r = await run(jcmd, [String(pid), 'VM.cds', 'dynamic_dump', tmp], { timeoutMs: 120_000 })
    if (r.code !== 0 || !existsSync(tmp) || statSync(tmp).size === 0) return false
    await fs.rename(tmp, archive)
    return true
  } catch {
    return false
  } finally {
    training.delete(archive)
    await fs.rm(tmp, { force: true }).catch(() => undefined)
  }
}
