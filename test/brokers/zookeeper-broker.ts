/**
 * A pre-KRaft (ZooKeeper-mode) single broker for the version matrix, from the same Maven jars as
 * the kit's KRaft brokers: Kafka 3.x's kafka_2.13 depends on zookeeper-3.8.x, so
 * `org.apache.zookeeper.server.ZooKeeperServerMain` is on its classpath. Kafka 4.x has no
 * ZooKeeper mode (KIP-833), so this is 3.x only. Test infrastructure, not part of the kit.
 */
import type { ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { renderProperties } from '../../src/testing/config.js'
import { BROKER_LOG4J1_PROPERTIES, supportsZooKeeper } from '../../src/testing/generations.js'
import { canConnect, ensureKafkaLibs, pickFreePorts } from '../../src/testing/index.js'
import { javaBinary } from '../../src/testing/paths.js'
import { spawnWatched } from '../../src/testing/process.js'

export interface ZooKeeperCluster {
  version: string
  bootstrapServers: string
  libDir: string
  logPath: string
  stop(): Promise<void>
}

function spawnJava(args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a')
  try {
    return spawnWatched(javaBinary(), args, { stdio: ['ignore', fd, fd] })
  } finally {
    closeSync(fd)
  }
}

async function until(what: string, ready: () => Promise<boolean>, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 180_000
  while (!(await ready())) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const tail = readFileSync(log, 'utf8').split('\n').slice(-40).join('\n')
      throw new Error(`${what} did not start (exit ${child.exitCode ?? child.signalCode ?? 'timeout'}):\n${tail}`)
    }
    await sleep(200)
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** ZooKeeper and one broker on free ports; `stop()` kills both and removes their directory. */
export async function startZooKeeperBroker(version: string): Promise<ZooKeeperCluster> {
  if (!supportsZooKeeper(version)) throw new Error(`Kafka ${version} has no ZooKeeper mode (removed in 4.0)`)
  const libDir = await ensureKafkaLibs(version)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kafka-wire-zk-'))
  const [zkPort, port] = (await pickFreePorts(2)) as [number, number]
  const log4j = path.join(dir, 'log4j.properties')
  await writeFile(log4j, BROKER_LOG4J1_PROPERTIES)
  const jvm = ['-Xmx384m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${log4j}`, '-cp', `${libDir}/*`]
  await mkdir(path.join(dir, 'zk'))
  const zkLog = path.join(dir, 'zookeeper.log')
  // ZooKeeperServerMain <port> <dataDir>: a standalone server, as bin/zookeeper-server-start.sh runs.
  const zk = spawnJava(
    [...jvm, 'org.apache.zookeeper.server.ZooKeeperServerMain', String(zkPort), path.join(dir, 'zk')],
    zkLog,
  )
  const logPath = path.join(dir, 'server.log')
  let broker: ChildProcess | undefined
  const stop = async () => {
    if (broker) await kill(broker)
    await kill(zk)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await until('ZooKeeper', () => canConnect('127.0.0.1', zkPort, 1000), zk, zkLog)
    const config = path.join(dir, 'server.properties')
    await writeFile(
      config,
      renderProperties({
        'broker.id': '1',
        'zookeeper.connect': `127.0.0.1:${zkPort}`,
        listeners: `PLAINTEXT://127.0.0.1:${port}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
        'log.dirs': path.join(dir, 'data'),
        'num.partitions': '1',
        'offsets.topic.replication.factor': '1',
        'offsets.topic.num.partitions': '1',
        'transaction.state.log.replication.factor': '1',
        'transaction.state.log.min.isr': '1',
        'transaction.state.log.num.partitions': '1',
        'auto.create.topics.enable': 'false',
        'group.initial.rebalance.delay.ms': '0',
        'group.min.session.timeout.ms': '1000',
        'log.cleaner.dedupe.buffer.size': '2097152',
      }),
    )
    broker = spawnJava([...jvm.map((a) => (a === '-Xmx384m' ? '-Xmx512m' : a)), 'kafka.Kafka', config], logPath)
    // "[KafkaServer id=1] started": then the listener accepts connections.
    await until(
      'the ZooKeeper-mode broker',
      async () =>
        / started \(kafka\.server\.KafkaServer\)/.test(readFileSync(logPath, 'utf8')) &&
        canConnect('127.0.0.1', port, 1000),
      broker,
      logPath,
    )
  } catch (err) {
    await stop().catch(() => undefined)
    throw err
  }
  return { version, bootstrapServers: `127.0.0.1:${port}`, libDir, logPath, stop }
}
