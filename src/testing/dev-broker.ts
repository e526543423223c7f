/**
 * A local development broker on fixed ports (127.0.0.1:9092, controller 9093) that keeps
 * running after the starting process exits: `npm run kafka:start` / `kafka:stop`
 * (scripts/kafka-dev.mjs) and the `kafka-wire broker start|stop|status` CLI use these.
 * It lives in `<cache>/dev` (`<cache>/dev-<port>` on another port; `<repo>/.kafka/dev` in a
 * checkout): pid file, info.json, logs, data. Each start formats fresh storage; topics do not
 * survive a stop.
 *
 * The JVM outlives the process that started it, so it must never be lost: a signal during the
 * start stops it, and status/stop find it even without broker.pid (a start killed with SIGKILL
 * half-way): from the JVM's own node-1/jvm.pid, written at spawn, else from the port's owner —
 * always checked against the command line, which names this directory.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pidCommandLine, startJvmCluster } from './jvm-provider.js'
import { cacheBaseDir } from './paths.js'
import { listeningPid } from './port-owner.js'
import { canConnect, portIsFree } from './ports.js'
import { resolveKafkaVersion } from './versions.js'

export interface DevBrokerOptions {
  /** Default `<cache>/dev`. */
  dir?: string
  /** Client (PLAINTEXT) port, default 9092. */
  port?: number
  /** Controller port, default 9093. */
  controllerPort?: number
  version?: string
  heapMb?: number
  /** Extra server.properties (the dev broker enables auto.create.topics.enable, like a default broker). */
  brokerConfig?: Record<string, string>
  log?: (message: string) => void
}

export interface DevBrokerStatus {
  running: boolean
  /** True if the broker port accepts connections. */
  reachable: boolean
  pid?: number
  bootstrapServers: string
  dir: string
  logPath: string
  version?: string
}

interface DevInfo {
  pid: number
  bootstrapServers: string
  version: string
  logPath: string
  startedAt: string
}

const HOST = '127.0.0.1'

function devDir(options: DevBrokerOptions): string {
  const port = options.port ?? 9092
  return path.resolve(options.dir ?? path.join(cacheBaseDir(), port === 9092 ? 'dev' : `dev-${port}`))
}

function readInfo(dir: string): DevInfo | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'info.json'), 'utf8')) as DevInfo
  } catch {
    return undefined
  }
}

/** The pid of the dev broker's JVM if it is alive (checked against its command line). */
function livePid(dir: string, port: number): number | undefined {
  const ours = (pid: number | undefined) => (pid && pidCommandLine(pid)?.includes(dir) ? pid : undefined)
  const fromFile = (file: string) => {
    try {
      return ours(Number(readFileSync(path.join(dir, file), 'utf8').trim()))
    } catch {
      return undefined
    }
  }
  return fromFile('broker.pid') ?? fromFile(path.join('node-1', 'jvm.pid')) ?? ours(listeningPid(port))
}

/** Is the dev broker running? */
export async function devBrokerStatus(options: DevBrokerOptions = {}): Promise<DevBrokerStatus> {
  const dir = devDir(options)
  const info = readInfo(dir)
  const port = options.port ?? 9092
  const pid = livePid(dir, port)
  const bootstrapServers = info?.bootstrapServers ?? `${HOST}:${port}`
  const [host, p] = bootstrapServers.split(':')
  return {
    running: pid !== undefined,
    reachable: pid !== undefined && (await canConnect(host!, Number(p), 1_000)),
    pid,
    bootstrapServers,
    dir,
    logPath: info?.logPath ?? path.join(dir, 'node-1', 'server.log'),
    version: info?.version,
  }
}

/** Start the dev broker (no-op if it is already running). Resolves when it is ready. */
export async function startDevBroker(options: DevBrokerOptions = {}): Promise<DevBrokerStatus> {
  const dir = devDir(options)
  const current = await devBrokerStatus(options)
  if (current.running) return current
  const port = options.port ?? 9092
  const controllerPort = options.controllerPort ?? 9093
  for (const p of [port, controllerPort]) {
    if (!(await portIsFree(p, HOST))) {
      const owner = listeningPid(p)
      const by = owner === undefined ? '' : ` by pid ${owner} (${(pidCommandLine(owner) ?? '?').slice(0, 120)})`
      throw new Error(`kafka-wire/testing: ${HOST}:${p} is in use${by}; cannot start the dev broker`)
    }
  }
  const version = resolveKafkaVersion(options.version)
  await fs.rm(dir, { recursive: true, force: true })
  await fs.mkdir(dir, { recursive: true })
  // Until it is ready, a signal that ends this process stops the JVM too (it is detached: nothing
  // else would). Synchronous, so that it runs before the process goes.
  const onSignal = (signal: NodeJS.Signals) => {
    const pid = livePid(dir, port)
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    removeSignalHandlers()
    // Then the signal's usual effect, unless the application handles it itself.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  const removeSignalHandlers = () => {
    for (const sig of signals) process.off(sig, onSignal)
  }
  for (const sig of signals) process.on(sig, onSignal)
  const cluster = await startJvmCluster(
    {
      nodes: 1,
      version,
      ports: { PLAINTEXT: port, CONTROLLER: controllerPort },
      dir,
      keepDir: true,
      heapMb: options.heapMb ?? 512,
      brokerConfig: { 'auto.create.topics.enable': 'true', ...options.brokerConfig },
      log: options.log,
    },
    { detachedForever: true },
  ).finally(removeSignalHandlers)
  const node = cluster.nodes[0]!
  const info: DevInfo = {
    pid: node.pid!,
    bootstrapServers: cluster.bootstrapServers,
    version,
    logPath: node.logPath,
    startedAt: new Date().toISOString(),
  }
  await fs.writeFile(path.join(dir, 'broker.pid'), `${node.pid}\n`)
  await fs.writeFile(path.join(dir, 'info.json'), `${JSON.stringify(info, null, 2)}\n`)
  return devBrokerStatus(options)
}

/** Stop the dev broker (SIGTERM, then SIGKILL after `timeoutMs`, default 30 s). */
export async function stopDevBroker(
  options: DevBrokerOptions & { timeoutMs?: number } = {},
): Promise<{ stopped: boolean; pid?: number }> {
  const dir = devDir(options)
  const pid = livePid(dir, options.port ?? 9092)
  if (pid === undefined) {
    await fs.rm(path.join(dir, 'broker.pid'), { force: true })
    return { stopped: false }
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  while (pidCommandLine(pid) !== undefined && Date.now() < deadline) await sleep(100)
  if (pidCommandLine(pid) !== undefined) {
    process.kill(pid, 'SIGKILL')
    while (pidCommandLine(pid) !== undefined) await sleep(50)
  }
  if (existsSync(path.join(dir, 'broker.pid'))) await fs.rm(path.join(dir, 'broker.pid'), { force: true })
  return { stopped: true, pid }
}
