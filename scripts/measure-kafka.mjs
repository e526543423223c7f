#!/usr/bin/env node
// Measures the test kit's figures for docs/testing.md: Maven resolution (cold = empty local
// repository, warm = ~/.m2 already holds the artifacts), and startup time and RSS of 1-node
// and 3-node clusters (JVM provider, warm jar cache and format template). Each measured N
// times (default 3); prints every sample and the median.
// The machine may be shared: before each sample the script waits (up to --max-wait seconds,
// default 300) until the CPUs have been >= --idle percent (default 80) idle for 3 s in a row,
// and prints the idle share each sample started at.
//   npm run build && node scripts/measure-kafka.mjs [--runs 3] [--skip-maven] [--no-wait] [--idle 80] [--max-wait 300]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const kit = await import(pathToFileURL(join(root, 'dist', 'esm', 'testing', 'index.js')).href)
const args = process.argv.slice(2)
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const version = kit.resolveKafkaVersion()

function cpuTimes() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)
  const n = f.map(Number)
  return { idle: n[3] + n[4], total: n.reduce((a, b) => a + b, 0) }
}
async function idleShare(ms) {
  const a = cpuTimes()
  await sleep(ms)
  const b = cpuTimes()
  return (b.idle - a.idle) / Math.max(1, b.total - a.total)
}
const samplesAt = []
/** Wait until the machine is quiet; returns the idle share measured just before. */
async function waitQuiet() {
  if (args.includes('--no-wait') || !existsSync('/proc/stat')) return undefined
  const maxWait = args.includes('--max-wait') ? Number(args[args.indexOf('--max-wait') + 1]) : 300
  const threshold = (args.includes('--idle') ? Number(args[args.indexOf('--idle') + 1]) : 80) / 100
  const deadline = Date.now() + maxWait * 1000
  let streak = 0
  let last = 0
  while (Date.now() < deadline) {
    last = await idleShare(1000)
    streak = last >= threshold ? streak + 1 : 0
    if (streak >= 3) break
  }
  samplesAt.push(last)
  return last
}
const idleNote = () => {
  const s = samplesAt.splice(0)
  return s.length ? ` [CPU idle before samples: ${s.map((x) => `${Math.round(x * 100)}%`).join(', ')}]` : ''
}

function dirSize(dir) {
  let total = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    total += e.isDirectory() ? dirSize(p) : statSync(p).size
  }
  return total
}
const cpuMs = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}
const rssKb = (pid) => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim())

console.log(
  `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, node ${process.version}`,
)
console.log(`java: ${spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0]}; Kafka ${version}`)

if (!args.includes('--skip-maven')) {
  for (const mode of ['cold', 'warm']) {
    const times = []
    let jars = 0
    let bytes = 0
    let repoBytes = 0
    for (let i = 0; i < runs; i++) {
      const tmp = mkdtempSync(join(os.tmpdir(), 'kafka-wire-measure-mvn-'))
      const out = join(tmp, 'libs')
      const repoArgs = mode === 'cold' ? [`-Dmaven.repo.local=${join(tmp, 'm2')}`] : []
      await waitQuiet()
      const t = performance.now()
      execFileSync('mvn', [
        '-B',
        '-q',
        '-f',
        join(root, 'kafka', 'pom.xml'),
        ...repoArgs,
        `-Dkafka.version=${version}`,
        `-Dlog4j2.version=${kit.log4j2VersionFor(version)}`,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${out}`,
      ])
      times.push(performance.now() - t)
      jars = readdirSync(out).filter((f) => f.endsWith('.jar')).length
      bytes = dirSize(out)
      if (mode === 'cold') repoBytes = dirSize(join(tmp, 'm2'))
      rmSync(tmp, { recursive: true, force: true })
    }
    console.log(
      `maven ${mode}: ${times.map((t) => (t / 1000).toFixed(1)).join(', ')} s → median ${(median(times) / 1000).toFixed(1)} s; ` +
        `${jars} jars, ${(bytes / 1e6).toFixed(1)} MB` +
        (mode === 'cold'
          ? `; local repository after the run ${(repoBytes / 1e6).toFixed(0)} MB (incl. Maven plugins)`
          : '') +
        idleNote(),
    )
  }
}

async function measureCluster(label, options) {
  // One unmeasured start so the jar cache, format template and TLS cache exist.
  await (await kit.startKafka({ ...options, provider: 'jvm' })).stop()
  const times = []
  const rss = []
  const cpu = []
  for (let i = 0; i < runs; i++) {
    await sleep(2000)
    await waitQuiet()
    const t = performance.now()
    const cluster = await kit.startKafka({ ...options, provider: 'jvm' })
    times.push(performance.now() - t)
    cpu.push(cluster.nodes.reduce((sum, n) => sum + cpuMs(n.pid), 0))
    await sleep(5000)
    rss.push(cluster.nodes.reduce((sum, n) => sum + rssKb(n.pid), 0))
    await cluster.stop()
  }
  const n = options.nodes ?? 1
  console.log(
    `${label}: startKafka → ready ${times.map((t) => (t / 1000).toFixed(2)).join(', ')} s → median ${(median(times) / 1000).toFixed(2)} s; ` +
      `JVM CPU to ready (all nodes) ${cpu.map((c) => (c / 1000).toFixed(1)).join(', ')} s → median ${(median(cpu) / 1000).toFixed(1)} s; ` +
      `RSS 5 s after ready (all ${n} JVMs) ${rss.map((r) => Math.round(r / 1024)).join(', ')} MiB → median ${Math.round(median(rss) / 1024)} MiB` +
      (n > 1 ? ` (${Math.round(median(rss) / 1024 / n)} MiB per node)` : '') +
      idleNote(),
  )
}

process.env.KAFKA_WIRE_CDS = '0'
await measureCluster('1 node, PLAINTEXT, heap 512 MiB, no CDS archive', { nodes: 1 })
delete process.env.KAFKA_WIRE_CDS
await measureCluster('1 node, PLAINTEXT, heap 512 MiB', { nodes: 1 })
await measureCluster('1 node, 4 listeners + MTLS, heap 512 MiB', {
  nodes: 1,
  listeners: ['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL', 'SASL_SSL'],
})
await measureCluster('3 nodes, PLAINTEXT, heap 384 MiB each', { nodes: 3 })
