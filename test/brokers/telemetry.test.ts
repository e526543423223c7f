/**
 * KIP-714 client telemetry on every KRaft broker generation of the matrix (3.7+ has it): a broker
 * of $KAFKA_VERSION of its own, with the test kit's telemetry recorder on its classpath (Kafka
 * 4.x's ClientTelemetryExporterProvider, or 3.x's ClientTelemetry receiver), receives a
 * producer's pushes of the subscribed metrics and the terminating push on close.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect, inject, it } from 'vitest'
import { Admin } from '../../src/admin/index.js'
import { Producer } from '../../src/producer/index.js'
import { buildTelemetryRecorder, readTelemetryPushes, startKafka } from '../../src/testing/index.js'

const version = inject('kafkaVersion')

// ZooKeeper-mode brokers are the kit's KRaft ones' elders: one telemetry run per release is enough.
it.skipIf(inject('kafkaZooKeeper'))(
  `Kafka ${version}: pushes reach the broker's telemetry plugin, the last one terminating`,
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-brokers-telemetry-'))
    const file = path.join(dir, 'pushes.jsonl')
    const recorder = await buildTelemetryRecorder(version)
    const kafka = await startKafka({
      provider: 'jvm',
      version,
      classpath: [recorder.classpath],
      brokerConfig: recorder.brokerConfig(file),
    })
    try {
      const bootstrapServers = kafka.bootstrapServers
      const admin = new Admin({ bootstrapServers, enableMetricsPush: false })
      try {
        await admin.incrementalAlterConfigs([
          {
            type: 'client-metrics',
            name: 'matrix',
            ops: [
              { name: 'metrics', value: 'org.apache.kafka.producer.' },
              { name: 'interval.ms', value: '1000' },
            ],
          },
        ])
        await admin.createTopics([{ topic: 'telemetry', numPartitions: 1, replicationFactor: 1 }])
      } finally {
        await admin.close()
      }
      const producer = new Producer({ bootstrapServers, clientId: 'matrix-producer' })
      try {
        await producer.send({ topic: 'telemetry', value: 'x' })
        const deadline = Date.now() + 60_000
        while (readTelemetryPushes(file).length < 2 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100))
      } finally {
        await producer.close({ timeoutMs: 10_000 })
      }
      const pushes = readTelemetryPushes(file)
      expect(pushes.length).toBeGreaterThanOrEqual(3)
      for (const p of pushes) {
        expect(p.error).toBeUndefined()
        expect(p.clientId).toBe('matrix-producer')
        for (const m of p.metrics!) expect(m.name).toMatch(/^org\.apache\.kafka\.producer\./)
      }
      expect(pushes.map((p) => p.terminating)).toEqual([...pushes.slice(1).map(() => false), true])
    } finally {
      await kafka.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  },
  300_000,
)
