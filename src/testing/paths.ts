/**
 * Where things live: the kafka-wire package root (for kafka/pom.xml), the jar cache, and
 * the java / keytool / mvn binaries. The package root is found from the compiled module's
 * directory (src/internal/module-dir.ts, which works in both the ESM and the CJS build),
 * else from the current directory.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { moduleDir } from '../internal/module-dir.js'

const POM = path.join('kafka', 'pom.xml')

function isKafkaWireRoot(dir: string): boolean {
  if (!existsSync(path.join(dir, POM))) return false
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'kafka-wire'
  } catch {
    return false
  }
}

function findUp(start: string): string | undefined {
  let dir = path.resolve(start)
  for (;;) {
    if (isKafkaWireRoot(dir)) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

let cachedRoot: string | null | undefined

/** The kafka-wire package root (the directory holding kafka/pom.xml), or undefined. */
export function packageRoot(): string | undefined {
  if (cachedRoot !== undefined) return cachedRoot ?? undefined
  let root: string | undefined
  if (process.env.KAFKA_WIRE_ROOT && isKafkaWireRoot(process.env.KAFKA_WIRE_ROOT)) root = process.env.KAFKA_WIRE_ROOT
  if (!root) {
    root = findUp(moduleDir)
  }
  if (!root) {
    try {
      const req = createRequire(path.join(process.cwd(), 'noop.js'))
      root = findUp(path.dirname(req.resolve('kafka-wire/package.json')))
    } catch {
      root = findUp(process.cwd())
    }
  }
  cachedRoot = root ?? null
  return root
}

/** kafka/pom.xml of this package. */
export function pomPath(): string {
  const root = packageRoot()
  if (!root) {
    throw new Error(
      'kafka-wire/testing: cannot find kafka/pom.xml of the kafka-wire package (set KAFKA_WIRE_ROOT to the package directory)',
    )
  }
  return path.join(root, POM)
}

/**
 * Base directory of the jar cache, the formatted-storage templates and the dev broker:
 * `$KAFKA_WIRE_CACHE`, else `<repo>/.kafka` in a kafka-wire checkout, else (an installed
 * package) the user's cache, `$XDG_CACHE_HOME/kafka-wire` or `~/.cache/kafka-wire`: shared by
 * every project of the user (the jars are ~80 MB), and not inside node_modules.
 */
export function cacheBaseDir(): string {
  if (process.env.KAFKA_WIRE_CACHE) return path.resolve(process.env.KAFKA_WIRE_CACHE)
  const root = packageRoot()
  if (root && !root.split(path.sep).includes('node_modules')) return path.join(root, '.kafka')
  const xdg = process.env.XDG_CACHE_HOME
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'kafka-wire')
}

/** `$JAVA_HOME/bin/<name>` if it exists, else `<name>` from PATH. */
export function jdkBinary(name: string): string {
  const home = process.env.JAVA_HOME
  if (home) {
    const p = path.join(home, 'bin', name)
    if (existsSync(p)) return p
  }
  return name
}

/** `$JAVA_HOME/bin/java` if it exists, else `java` from PATH. */
export function javaBinary(): string {
  return jdkBinary('java')
}

/** `$JAVA_HOME/bin/keytool` if it exists, else `keytool` from PATH. */
export function keytoolBinary(): string {
  return jdkBinary('keytool')
}

/** `$MAVEN_CMD` or `mvn`. */
export function mavenBinary(): string {
  return process.env.MAVEN_CMD ?? 'mvn'
}
