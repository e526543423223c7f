/**
 * A local development broker on fixed ports (127.0.0.1:9092, controller 9093) that keeps
 * running after the starting process exits: `npm run kafka:start` / `kafka:stop`
 * (scripts/kafka-dev.mjs) and the `kafka-wire broker start|stop|status` CLI use these.
 * It lives in `<cache>/dev` (`<repo>/.kafka/dev` in a checkout): pid file, info.json, logs,
 * data. Each start formats fresh storage; topics do not survive a stop.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pidCommandLine, startJvmCluster } from './jvm-provider.js'
import { cacheBaseDir } from './paths.js'
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
  return path.resolve(options.dir ?? path.join(cacheBaseDir(), 'dev'))
}

function readInfo(dir: string): DevInfo | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'info.json'), 'utf8')) as DevInfo
  } catch {
    return undefined
  }
}

/** The pid of the dev broker's JVM if it is alive (checked against its command line). */
function livePid(dir: string): number | undefined {
  let pid: number
  try {
    pid = Number(readFileSync(path.join(dir, 'broker.pid'), 'utf8').trim())
  } catch {
    return undefined
  }
  const cmd = pid ? pidCommandLine(pid) : undefined
  return cmd?.includes(dir) ? pid : undefined
}

/** Is the dev broker running? */
export async function devBrokerStatus(options: DevBrokerOptions = {}): Promise<DevBrokerStatus> {
  const dir = devDir(options)
  const info = readInfo(dir)
  const pid = livePid(dir)
  const port = options.port ?? 9092
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
      throw new Error(`kafka-wire/testing: ${HOST}:${p} is in use (another Kafka broker?); cannot start the dev broker`)
    }
  }
  const version = resolveKafkaVersion(options.version)
  await fs.rm(dir, { recursive: true, force: true })
  await fs.mkdir(dir, { recursive: true })
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
  )
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
  const pid = livePid(dir)
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
