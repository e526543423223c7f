#!/usr/bin/env node
// A local development broker on 127.0.0.1:9092 (controller 9093) that keeps running after
// this script exits:  npm run kafka:start | npm run kafka:stop | node scripts/kafka-dev.mjs status
// It runs the built test kit (dist/esm/testing), so `npm run build` first.
// Options: --port N, --controller-port N, --version X.Y.Z (or KAFKA_VERSION).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const kit = join(root, 'dist', 'esm', 'testing', 'index.js')
const [command = 'status', ...rest] = process.argv.slice(2)

function option(name) {
  const i = rest.indexOf(`--${name}`)
  return i >= 0 ? rest[i + 1] : undefined
}

if (!['start', 'stop', 'status'].includes(command)) {
  console.error(
    'usage: node scripts/kafka-dev.mjs start|stop|status [--port 9092] [--controller-port 9093] [--version X.Y.Z]',
  )
  process.exit(2)
}
if (!existsSync(kit)) {
  console.error(`kafka-dev: ${kit} is missing; run \`npm run build\` first.`)
  process.exit(1)
}

const { startDevBroker, stopDevBroker, devBrokerStatus } = await import(pathToFileURL(kit).href)
const options = {
  port: option('port') ? Number(option('port')) : undefined,
  controllerPort: option('controller-port') ? Number(option('controller-port')) : undefined,
  version: option('version'),
  log: (m) => console.error(m),
}

try {
  if (command === 'start') {
    const before = await devBrokerStatus(options)
    const t = Date.now()
    const s = await startDevBroker(options)
    if (before.running) console.log(`Kafka ${s.version} is already running at ${s.bootstrapServers} (pid ${s.pid})`)
    else console.log(`Kafka ${s.version} started at ${s.bootstrapServers} (pid ${s.pid}, ${Date.now() - t} ms)`)
    console.log(`log: ${s.logPath}\nstop: npm run kafka:stop`)
  } else if (command === 'stop') {
    const r = await stopDevBroker(options)
    console.log(r.stopped ? `Kafka stopped (pid ${r.pid})` : 'Kafka dev broker is not running')
  } else {
    const s = await devBrokerStatus(options)
    if (s.running)
      console.log(
        `running: Kafka ${s.version} at ${s.bootstrapServers} (pid ${s.pid}${s.reachable ? '' : ', not reachable'})`,
      )
    else console.log('not running')
    process.exitCode = s.running ? 0 : 3
  }
} catch (err) {
  console.error(`kafka-dev: ${err.message}`)
  process.exit(1)
}
