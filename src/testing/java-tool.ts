/**
 * Run Apache Kafka's Java tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency,
 * ConsoleProducer, ConsoleConsumer, TopicCommand, ConfigCommand ...) from the kit's lib dir,
 * e.g. for interop tests (produce with the Java client, consume with kafka-wire) and
 * benchmarks. Tools log WARN and above to stderr, so stdout is only the tool's output.
 */
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { cdsUseArgs, QUIET_JVM_LOGGING } from './cds.js'
import { toolClassFor, toolsLoggingArg } from './generations.js'
import { ensureKafkaLibs } from './libs.js'
import { javaBinary } from './paths.js'
import { type RunResult, run, spawnWatched } from './process.js'
import type { KafkaCluster } from './types.js'

/**
 * Fully-qualified class names of the commonly used tools (Kafka 4.4; javaTool runs an older
 * release's class where it lived elsewhere, see generations.ts).
 */
export const JAVA_TOOLS = {
  producerPerformance: 'org.apache.kafka.tools.ProducerPerformance',
  consumerPerformance: 'org.apache.kafka.tools.ConsumerPerformance',
  shareConsumerPerformance: 'org.apache.kafka.tools.ShareConsumerPerformance',
  endToEndLatency: 'org.apache.kafka.tools.EndToEndLatency',
  consoleProducer: 'org.apache.kafka.tools.ConsoleProducer',
  consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  topicCommand: 'org.apache.kafka.tools.TopicCommand',
  configCommand: 'org.apache.kafka.tools.ConfigCommand',
  storageTool: 'kafka.tools.StorageTool',
  metadataQuorumCommand: 'org.apache.kafka.tools.MetadataQuorumCommand',
  featureCommand: 'org.apache.kafka.tools.FeatureCommand',
  verifiableConsumer: 'org.apache.kafka.tools.VerifiableConsumer',
  verifiableProducer: 'org.apache.kafka.tools.VerifiableProducer',
  verifiableShareConsumer: 'org.apache.kafka.tools.VerifiableShareConsumer',
} as const

export interface JavaToolOptions {
  /** -Xmx in MiB (default 512, as the perf scripts). */
  heapMb?: number
  /** More JVM arguments (before the class name). */
  jvmArgs?: string[]
  /** Written to the tool's stdin, which is then closed (javaTool only). */
  input?: string | Buffer
  /** Kill the tool after this long (javaTool: result has timedOut=true). */
  timeoutMs?: number
  signal?: AbortSignal
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface JavaToolResult extends RunResult {}

/** A lib dir, or a cluster's lib dir (resolving the cluster version's jars if the provider has none). */
async function libDirOf(target: KafkaCluster | string): Promise<string> {
  if (typeof target === 'string') return target
  if (target.libDir) return target.libDir
  return ensureKafkaLibs(target.version === 'unknown' ? undefined : target.version)
}

async function javaArgs(
  target: KafkaCluster | string,
  className: string,
  args: readonly string[],
  opts: JavaToolOptions,
) {
  const libDir = await libDirOf(target)
  return [
    `-Xmx${opts.heapMb ?? 512}m`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    ...QUIET_JVM_LOGGING,
    ...cdsUseArgs(libDir),
    await toolsLoggingArg(libDir),
    ...(opts.jvmArgs ?? []),
    '-cp',
    `${libDir}/*`,
    toolClassFor(libDir, className),
    ...args,
  ]
}

/**
 * Run a Java tool to completion. Resolves with its output and exit code (a non-zero code is
 * not an error; check `code`). Rejects only if java cannot be started.
 */
export async function javaTool(
  target: KafkaCluster | string,
  className: string,
  args: readonly string[] = [],
  options: JavaToolOptions = {},
): Promise<JavaToolResult> {
  const argv = await javaArgs(target, className, args, options)
  return run(javaBinary(), argv, {
    input: options.input,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    env: options.env ? { ...process.env, ...options.env } : undefined,
    cwd: options.cwd,
  })
}

export interface JavaToolProcess extends AsyncDisposable {
  readonly child: ChildProcess
  readonly pid: number | undefined
  readonly stdin: NodeJS.WritableStream
  readonly stdout: Readable
  readonly stderr: Readable
  /** stdout, line by line. */
  lines(): AsyncIterable<string>
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Send a signal (default SIGTERM) and wait for exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Start a long-running Java tool (e.g. ConsoleConsumer) with streaming stdio. */
export async function spawnJavaTool(
  target: KafkaCluster | string,
  className: string,
  args: readonly string[] = [],
  options: Omit<JavaToolOptions, 'input'> = {},
): Promise<JavaToolProcess> {
  const argv = await javaArgs(target, className, args, options)
  const child = spawnWatched(javaBinary(), argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ? { ...process.env, ...options.env } : undefined,
    cwd: options.cwd,
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', reject)
  })
  exited.catch(() => undefined)
  let timer: NodeJS.Timeout | undefined
  if (options.timeoutMs !== undefined) {
    timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    timer.unref()
  }
  const onAbort = (): void => {
    child.kill('SIGKILL')
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  void exited.finally(() => {
    if (timer) clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
  })
  child.stdin!.on('error', () => undefined)
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  return {
    child,
    pid: child.pid,
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: child.stderr!,
    lines: () => createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY }),
    exited,
    kill,
    [Symbol.asyncDispose]: async () => {
      await kill('SIGKILL')
    },
  }
}
