/**
 * The JVM provider: Apache Kafka brokers run as plain `java -cp "<libs>/*" kafka.Kafka`
 * processes from Maven Central jars (RECIPE.md §0), one combined broker+controller per node,
 * in a fresh directory per cluster:
 *
 *   <dir>/owner.json              pid of the Node process that owns the cluster
 *   <dir>/tls/                    CA, broker/client keystores, PEM exports (TLS listeners only)
 *   <dir>/node-<id>/server.properties, log4j2.properties, server.log, jvm.pid, data/
 *
 * Readiness = the node's log shows "Kafka Server started" AND every client port accepts a TCP
 * connection. The nodes of a 3-node cluster start together (a node cannot finish startup
 * before a controller majority exists).
 *
 * Storage is formatted (and cached as templates) by storage-format.ts.
 */
import { type ChildProcess, execFileSync } from 'node:child_process'
import { closeSync, existsSync, promises as fs, openSync, readFileSync, readSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cdsClaimTraining, cdsDump, cdsReleaseTraining, cdsUseArgs, QUIET_JVM_LOGGING } from './cds.js'
import {
  BROKER_LOG4J2_PROPERTIES,
  brokerJvmArgs,
  DEFAULT_PLAIN_USERS,
  DEFAULT_SCRAM_USERS,
  isSaslListener,
  isTlsListener,
  listenerNamesFor,
  type NodeLayout,
  nodeConfig,
  type PortMap,
  READY_LINE,
  renderProperties,
  SASL_MECHANISMS,
  scramFormatArgs,
  securityProtocolOf,
  TOOLS_LOG4J2_PROPERTIES,
} from './config.js'
import { BROKER_LOG4J1_PROPERTIES, sharedConfigFile, usesLog4j1 } from './generations.js'
import { ensureKafkaLibs } from './libs.js'
import { pidAlive } from './lock.js'
import { cacheBaseDir, javaBinary } from './paths.js'
import { canConnect, pickFreePorts } from './ports.js'
import { spawnWatched } from './process.js'
import { KafkaStartError } from './start-error.js'
import { FORMAT_SENSITIVE, formatStorage } from './storage-format.js'
import { clusterTlsMaterial } from './tls.js'
import type {
  KafkaCluster,
  KafkaNodeInfo,
  KafkaUser,
  ListenerInfo,
  ListenerName,
  SaslInfo,
  SaslMechanism,
  StartKafkaOptions,
  TlsMaterial,
} from './types.js'
import { resolveKafkaVersion } from './versions.js'

export { KafkaStartError }

const HOST = '127.0.0.1'
const DIR_PREFIX = 'kafka-wire-'

/** Last `lines` lines of a file ('' if missing). Reads at most the final 256 KiB. */
export function tailFile(file: string, lines = 40): string {
  try {
    const size = statSync(file).size
    const len = Math.min(size, 256 * 1024)
    const fd = openSync(file, 'r')
    try {
      const buf = Buffer.alloc(len)
      readSync(fd, buf, 0, len, size - len)
      const all = buf.toString('utf8').split('\n')
      if (all[all.length - 1] === '') all.pop()
      return all.slice(-lines).join('\n')
    } finally {
      closeSync(fd)
    }
  } catch {
    return ''
  }
}

function readFrom(file: string, offset: number): string {
  try {
    const size = statSync(file).size
    if (size <= offset) return ''
    const fd = openSync(file, 'r')
    try {
      const buf = Buffer.alloc(size - offset)
      readSync(fd, buf, 0, buf.length, offset)
      return buf.toString('utf8')
    } finally {
      closeSync(fd)
    }
  } catch {
    return ''
  }
}

/** The command line of a live process, or undefined. */
export function pidCommandLine(pid: number): string | undefined {
  if (!pidAlive(pid)) return undefined
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    // not Linux: fall through to ps
  }
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** CPU time (user + system, ms) a process has used so far; undefined where /proc is unavailable. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after "(comm) ".
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return undefined
  }
}

/** Remove temp cluster dirs whose owner process is gone (left behind by a SIGKILLed test run). */
export async function sweepStaleClusterDirs(): Promise<void> {
  const tmp = os.tmpdir()
  let entries: string[]
  try {
    entries = (await fs.readdir(tmp)).filter((e) => e.startsWith(DIR_PREFIX))
  } catch {
    return
  }
  for (const e of entries) {
    const dir = path.join(tmp, e)
    try {
      const owner = JSON.parse(await fs.readFile(path.join(dir, 'owner.json'), 'utf8')) as { pid: number; host: string }
      if (owner.host !== os.hostname() || pidAlive(owner.pid)) continue
      if (owner.pid === process.pid) continue
      const nodes = (await fs.readdir(dir)).filter((n) => n.startsWith('node-'))
      let jvmAlive = false
      for (const n of nodes) {
        const pid = Number((await fs.readFile(path.join(dir, n, 'jvm.pid'), 'utf8').catch(() => '')).trim())
        if (pid && pidCommandLine(pid)?.includes(dir)) jvmAlive = true
      }
      if (!jvmAlive) await fs.rm(dir, { recursive: true, force: true })
    } catch {
      // not ours or half-written: leave it
    }
  }
}

/** Path of a log4j2 config for Java tools (WARN to stderr), written once per process. */
export async function toolsLog4j2Path(): Promise<string> {
  return sharedConfigFile('tools-log4j2', TOOLS_LOG4J2_PROPERTIES)
}

interface NodeState {
  info: KafkaNodeInfo & { pid: number | undefined }
  dir: string
  configPath: string
  log4j2Path: string
  child?: ChildProcess
  exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  spawnError?: Error
  /** This node's JVM records what a CDS archive needs; dump it once the node is ready. */
  cdsTraining?: boolean
}

export interface JvmClusterInternals {
  /** Leave the JVMs running after this process exits (dev broker). */
  detachedForever?: boolean
}

class JvmKafkaCluster implements KafkaCluster {
  readonly provider = 'jvm' as const
  readonly version: string
  readonly bootstrapServers: string
  readonly listeners: Partial<Record<ListenerName, ListenerInfo>>
  readonly tls?: TlsMaterial
  readonly sasl?: SaslInfo
  readonly libDir: string
  readonly dir: string
  clusterId?: string
  readonly #nodes: NodeState[]
  readonly #heapMb: number
  readonly #jvmArgs: string[]
  readonly #classpath: string[]
  readonly #readyTimeoutMs: number
  readonly #keepDir: boolean
  readonly #detached: boolean
  #stopped = false

  constructor(init: {
    version: string
    libDir: string
    dir: string
    nodes: NodeState[]
    listenerNames: ListenerName[]
    saslMechanisms: SaslMechanism[]
    tls?: TlsMaterial
    sasl?: SaslInfo
    heapMb: number
    jvmArgs: string[]
    classpath: string[]
    readyTimeoutMs: number
    keepDir: boolean
    detached: boolean
  }) {
    this.version = init.version
    this.libDir = init.libDir
    this.dir = init.dir
    this.#nodes = init.nodes
    this.tls = init.tls
    this.sasl = init.sasl
    this.#heapMb = init.heapMb
    this.#jvmArgs = init.jvmArgs
    this.#classpath = init.classpath
    this.#readyTimeoutMs = init.readyTimeoutMs
    this.#keepDir = init.keepDir
    this.#detached = init.detached
    const servers = (l: ListenerName): string => init.nodes.map((n) => `${HOST}:${n.info.ports[l]}`).join(',')
    this.listeners = {}
    for (const l of init.listenerNames) {
      const info: ListenerInfo = { bootstrapServers: servers(l), securityProtocol: securityProtocolOf(l) }
      if (isSaslListener(l)) info.saslMechanisms = [...init.saslMechanisms]
      if (l === 'MTLS') info.clientAuthRequired = true
      this.listeners[l] = info
    }
    this.bootstrapServers = this.listeners.PLAINTEXT!.bootstrapServers
  }

  get nodes(): readonly KafkaNodeInfo[] {
    return this.#nodes.map((n) => n.info)
  }

  #node(nodeId: number): NodeState {
    const n = this.#nodes.find((x) => x.info.nodeId === nodeId)
    if (!n)
      throw new Error(
        `kafka-wire/testing: no node ${nodeId} (nodes: ${this.#nodes.map((x) => x.info.nodeId).join(', ')})`,
      )
    return n
  }

  logPath(nodeId: number): string {
    return this.#node(nodeId).info.logPath
  }

  logTail(nodeId?: number, lines = 40): string {
    const nodes = nodeId === undefined ? this.#nodes : [this.#node(nodeId)]
    return nodes
      .map((n) => `--- node ${n.info.nodeId}: ${n.info.logPath} ---\n${tailFile(n.info.logPath, lines)}`)
      .join('\n')
  }

  /** Spawn a node's JVM (no waiting). Returns the log offset the node starts writing at. */
  spawnNode(node: NodeState): number {
    const offset = existsSync(node.info.logPath) ? statSync(node.info.logPath).size : 0
    let cds = cdsUseArgs(this.libDir)
    // A broker with plugins on its classpath does not make the shared archive (it would hold them).
    if (cds.length === 0 && !this.#detached && this.#classpath.length === 0) {
      const trainingArgs = cdsClaimTraining(this.libDir)
      if (trainingArgs) {
        cds = trainingArgs
        node.cdsTraining = true
      }
    }
    const fd = openSync(node.info.logPath, 'a')
    let child: ChildProcess
    try {
      child = spawnWatched(
        javaBinary(),
        brokerJvmArgs({
          heapMb: this.#heapMb,
          log4j2Path: node.log4j2Path,
          log4j1: usesLog4j1(this.version),
          libDir: this.libDir,
          configPath: node.configPath,
          extra: [...QUIET_JVM_LOGGING, ...cds, ...this.#jvmArgs],
          tag: node.dir,
          classpath: this.#classpath,
        }),
        { cwd: node.dir, stdio: ['ignore', fd, fd], detachedForever: this.#detached },
      )
    } finally {
      closeSync(fd)
    }
    node.child = child
    node.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (node.child === child) {
          node.info.pid = undefined
          node.child = undefined
          void fs.rm(path.join(node.dir, 'jvm.pid'), { force: true })
        }
        resolve({ code, signal })
      })
      child.once('error', (err) => {
        node.info.pid = undefined
        node.child = undefined
        resolve({ code: -1, signal: null })
        node.spawnError = err
      })
    })
    node.info.pid = child.pid
    if (child.pid !== undefined) {
      void fs.writeFile(path.join(node.dir, 'jvm.pid'), String(child.pid)).catch(() => undefined)
    }
    return offset
  }

  async waitReady(node: NodeState, logOffset: number): Promise<void> {
    const started = Date.now()
    let deadline = started + this.#readyTimeoutMs
    // On an overloaded machine a JVM can need minutes of wall time for seconds of CPU. At the
    // deadline, a node that is still burning CPU gets 30 s more, up to 3× the timeout in all.
    const hardDeadline = started + 3 * this.#readyTimeoutMs
    let lastCpu = processCpuMs(node.info.pid)
    const ports = Object.entries(node.info.ports)
      .filter(([l]) => l !== 'CONTROLLER')
      .map(([, p]) => p!)
    let sawLine = false
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
    void node.exit?.then((e) => {
      exited = e
    })
    for (;;) {
      await sleep(100)
      const log = readFrom(node.info.logPath, logOffset)
      if (exited || node.child === undefined) {
        await sleep(200) // let the last log lines land
        const why = node.spawnError
          ? `could not be started: ${node.spawnError.message} (is Java 17+ installed? set JAVA_HOME or put java on PATH)`
          : `exited during startup (code ${exited?.code}, signal ${exited?.signal})`
        throw new KafkaStartError(
          `kafka-wire/testing: Kafka node ${node.info.nodeId} ${why}\n${this.logTail(node.info.nodeId, 60)}`,
          /BindException|Address already in use/.test(readFrom(node.info.logPath, logOffset)),
        )
      }
      if (!sawLine) sawLine = log.includes(READY_LINE)
      if (sawLine) {
        const ok = await Promise.all(ports.map((p) => canConnect(HOST, p, 1_000)))
        if (ok.every(Boolean)) return
      }
      if (Date.now() > deadline) {
        const cpu = processCpuMs(node.info.pid)
        if (cpu !== undefined && lastCpu !== undefined && cpu - lastCpu > 500 && Date.now() < hardDeadline) {
          lastCpu = cpu
          deadline = Math.min(Date.now() + 30_000, hardDeadline)
          continue
        }
        throw new KafkaStartError(
          `kafka-wire/testing: Kafka node ${node.info.nodeId} not ready after ${Date.now() - started} ms ` +
            `(${sawLine ? `"${READY_LINE}" logged but a listener port does not accept connections` : `no "${READY_LINE}" line`})\n` +
            this.logTail(node.info.nodeId, 60),
        )
      }
    }
  }

  /** Start the given nodes together and wait until all are ready; kills them all on failure. */
  async startNodes(nodes: NodeState[]): Promise<void> {
    const offsets = nodes.map((n) => this.spawnNode(n))
    const results = await Promise.allSettled(nodes.map((n, i) => this.waitReady(n, offsets[i]!)))
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    for (const n of nodes) {
      if (!n.cdsTraining) continue
      n.cdsTraining = false
      // Once per lib dir and Java: ~1–2 s, and the next JVMs start with ~30 % less CPU.
      if (failed.length === 0 && n.info.pid !== undefined) await cdsDump(this.libDir, n.info.pid)
      else cdsReleaseTraining(this.libDir)
    }
    if (failed.length > 0) {
      await Promise.all(nodes.map((n) => this.#signal(n, 'SIGKILL')))
      const errors = failed.map((f) => f.reason as Error)
      throw new KafkaStartError(
        errors.map((e) => e.message).join('\n\n'),
        errors.some((e) => e instanceof KafkaStartError && e.bindError),
      )
    }
  }

  async #signal(node: NodeState, signal: NodeJS.Signals, graceMs?: number): Promise<void> {
    const child = node.child
    const exit = node.exit
    if (!child || !exit) return
    try {
      child.kill(signal)
    } catch {
      // gone
    }
    if (graceMs === undefined) {
      await exit
      return
    }
    const timer = sleep(graceMs).then(() => 'timeout' as const)
    if ((await Promise.race([exit, timer])) === 'timeout') {
      try {
        child.kill('SIGKILL')
      } catch {
        // gone
      }
      await exit
    }
  }

  #assertLive(): void {
    if (this.#stopped) throw new Error('kafka-wire/testing: the cluster was stopped')
  }

  async kill(nodeId: number): Promise<void> {
    this.#assertLive()
    await this.#signal(this.#node(nodeId), 'SIGKILL')
  }

  async stopNode(nodeId: number): Promise<void> {
    this.#assertLive()
    await this.#signal(this.#node(nodeId), 'SIGTERM', 60_000)
  }

  async startNode(nodeId: number): Promise<void> {
    this.#assertLive()
    const node = this.#node(nodeId)
    if (node.child) throw new Error(`kafka-wire/testing: node ${nodeId} is running (pid ${node.child.pid})`)
    await this.startNodes([node])
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    const keep = this.#keepDir || process.env.KAFKA_WIRE_KEEP_DIR === '1'
    if (keep) {
      // Controlled shutdown, so the kept data is clean. Nodes of a multi-node cluster stopping
      // together can wait on each other (lost quorum), hence the grace period.
      await Promise.all(this.#nodes.map((n) => this.#signal(n, 'SIGTERM', 10_000)))
    } else {
      // The data is thrown away: no need for a controlled shutdown.
      await Promise.all(this.#nodes.map((n) => this.#signal(n, 'SIGKILL')))
      await fs.rm(this.dir, { recursive: true, force: true }).catch(() => undefined)
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }
}

function resolveScramUsers(options: StartKafkaOptions, sasl: boolean): KafkaUser[] {
  if (options.scramUsers) return options.scramUsers
  return sasl ? [...DEFAULT_SCRAM_USERS] : []
}

/** Start a cluster with the JVM provider. */
export async function startJvmCluster(
  options: StartKafkaOptions = {},
  internals: JvmClusterInternals = {},
): Promise<KafkaCluster & { readonly dir: string; readonly libDir: string }> {
  const log = options.log ?? (() => undefined)
  const version = resolveKafkaVersion(options.version)
  const count = options.nodes ?? 1
  if (count !== 1 && count !== 3) throw new Error('kafka-wire/testing: nodes must be 1 or 3')
  if (options.ports && count !== 1) throw new Error('kafka-wire/testing: fixed ports are only supported for 1 node')
  const listenerNames = listenerNamesFor(options.listeners ?? ['PLAINTEXT'])
  const hasSasl = listenerNames.some(isSaslListener)
  const hasTls = listenerNames.some(isTlsListener)
  const scramUsers = resolveScramUsers(options, hasSasl)
  const plainUsers = [...DEFAULT_PLAIN_USERS]
  const heapMb = options.heapMb ?? (count === 1 ? 512 : 384)
  const brokerConfig = options.brokerConfig ?? {}
  // What the SASL listeners really offer (brokerConfig may change sasl.enabled.mechanisms).
  const saslMechanisms = (brokerConfig['sasl.enabled.mechanisms'] ?? SASL_MECHANISMS.join(','))
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean) as SaslMechanism[]
  const envTimeout = Number(process.env.KAFKA_WIRE_READY_TIMEOUT_MS)
  const readyTimeoutMs = options.readyTimeoutMs ?? (envTimeout > 0 ? envTimeout : 90_000)

  const t0 = Date.now()
  void sweepStaleClusterDirs()
  const libDir = await ensureKafkaLibs(version)

  let dir: string
  if (options.dir) {
    dir = path.resolve(options.dir)
    await fs.mkdir(dir, { recursive: true })
  } else {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), DIR_PREFIX))
  }
  if (!internals.detachedForever) {
    await fs.writeFile(path.join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, host: os.hostname() }))
  }

  try {
    const tlsPromise = hasTls
      ? clusterTlsMaterial(path.join(dir, 'tls'), options.freshTls ? undefined : cacheBaseDir())
      : Promise.resolve(undefined)
    tlsPromise.catch(() => undefined)
    const nodeIds = count === 1 ? [1] : [1, 2, 3]
    const portNames: (ListenerName | 'CONTROLLER')[] = [...listenerNames, 'CONTROLLER']
    const useTemplate =
      options.formatCache !== false &&
      process.env.KAFKA_WIRE_FORMAT_CACHE !== '0' &&
      !Object.keys(brokerConfig).some((k) => FORMAT_SENSITIVE.test(k))
    const maxAttempts = options.ports ? 1 : 3

    for (let attempt = 1; ; attempt++) {
      let portMaps: PortMap[]
      if (options.ports) {
        const fixed = options.ports
        const missing = portNames.filter((p) => fixed[p] === undefined)
        const extra = await pickFreePorts(missing.length)
        const m: PortMap = { ...fixed }
        missing.forEach((p, i) => {
          m[p] = extra[i]!
        })
        portMaps = [m]
      } else {
        const all = await pickFreePorts(nodeIds.length * portNames.length)
        portMaps = nodeIds.map((_, i) => {
          const m: PortMap = {}
          portNames.forEach((p, j) => {
            m[p] = all[i * portNames.length + j]!
          })
          return m
        })
      }
      const layouts: NodeLayout[] = nodeIds.map((id, i) => ({
        nodeId: id,
        ports: portMaps[i]!,
        dataDir: path.join(dir, `node-${id}`, 'data'),
      }))
      // Fresh node dirs (a retry throws away the previous attempt's storage).
      await Promise.all(nodeIds.map((id) => fs.rm(path.join(dir, `node-${id}`), { recursive: true, force: true })))
      await Promise.all(nodeIds.map((id) => fs.mkdir(path.join(dir, `node-${id}`), { recursive: true })))

      const tlsDir = path.join(dir, 'tls')
      const spec = {
        host: HOST,
        nodes: layouts,
        listeners: listenerNames,
        tls: hasTls
          ? {
              keystore: path.join(tlsDir, 'broker.p12'),
              truststore: path.join(tlsDir, 'truststore.p12'),
              password: 'changeit',
            }
          : undefined,
        plainUsers,
        brokerConfig,
      }
      const configs = new Map(nodeIds.map((id) => [id, nodeConfig(spec, id)]))
      const clusterId = await formatStorage({
        libDir,
        version,
        nodeIds,
        configs,
        dataDirs: new Map(layouts.map((l) => [l.nodeId, l.dataDir])),
        scramArgs: scramFormatArgs(scramUsers),
        useTemplate,
        brokerConfig,
        scratchDir: path.join(dir, 'format'),
      })
      log(`kafka-wire: storage formatted (${Date.now() - t0} ms)`)
      const nodes: NodeState[] = await Promise.all(
        layouts.map(async (l) => {
          const nodeDir = path.join(dir, `node-${l.nodeId}`)
          const configPath = path.join(nodeDir, 'server.properties')
          // Kafka 3.x: a log4j 1 config (generations.ts).
          const log4j1 = usesLog4j1(version)
          const log4j2Path = path.join(nodeDir, log4j1 ? 'log4j.properties' : 'log4j2.properties')
          await fs.writeFile(
            configPath,
            renderProperties(configs.get(l.nodeId)!, `kafka-wire test kit, Kafka ${version}, cluster ${clusterId}`),
          )
          await fs.writeFile(log4j2Path, log4j1 ? BROKER_LOG4J1_PROPERTIES : BROKER_LOG4J2_PROPERTIES)
          const info = {
            nodeId: l.nodeId,
            host: HOST,
            port: l.ports.PLAINTEXT!,
            ports: l.ports,
            logPath: path.join(nodeDir, 'server.log'),
            dataDir: l.dataDir,
            pid: undefined as number | undefined,
          }
          return { info, dir: nodeDir, configPath, log4j2Path }
        }),
      )
      const tls = await tlsPromise
      const cluster = new JvmKafkaCluster({
        version,
        libDir,
        dir,
        nodes,
        listenerNames,
        saslMechanisms,
        tls,
        sasl: hasSasl ? { mechanisms: saslMechanisms, plainUsers, scramUsers } : undefined,
        heapMb,
        jvmArgs: options.jvmArgs ?? [],
        classpath: (options.classpath ?? []).map((p) => path.resolve(p)),
        readyTimeoutMs,
        keepDir: options.keepDir ?? false,
        detached: internals.detachedForever ?? false,
      })
      cluster.clusterId = clusterId
      try {
        await cluster.startNodes(nodes)
      } catch (err) {
        if (err instanceof KafkaStartError && err.bindError && attempt < maxAttempts) {
          log(`kafka-wire: a port was taken, retrying with new ports (attempt ${attempt + 1})`)
          continue
        }
        throw err
      }
      log(`kafka-wire: ${count}-node Kafka ${version} ready at ${cluster.bootstrapServers} (${Date.now() - t0} ms)`)
      return cluster
    }
  } catch (err) {
    // Keep the dir (logs) for inspection when startup failed; say where it is.
    if (err instanceof Error) err.message += `\n(cluster directory kept: ${dir})`
    throw err
  }
}
