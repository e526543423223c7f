// Missing topics and partitions are not silent (issue #18 §5):
// - subscribed to a topic that does not exist: a warning naming it (rate-limited), as Java logs;
// - allowAutoCreateTopics (Java's allow.auto.create.topics): the consumer's metadata requests for
//   its subscription create the topic when the broker allows it (auto.create.topics.enable), and
//   never when false;
// - endOffsets() / `consume --partition` on a partition the topic does not have: an error naming
//   the partition at once, not a wait until the timeout.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, Consumer, Producer } from '../../../src/index.js'
import { GROUP_PROTOCOLS } from './protocols.js'

const bootstrap = inject('kafkaBootstrapServers')
const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
const admin = new Admin({ bootstrapServers: bootstrap })
const oneP = `missing-p-${run}`
let autoCreateEnabled = false

beforeAll(async () => {
  await admin.createTopics([{ topic: oneP, numPartitions: 1, replicationFactor: 1 }])
  const { brokers } = await admin.describeCluster()
  const id = String(brokers[0]!.nodeId)
  const [broker] = await admin.describeConfigs([
    { type: 'broker', name: id, configNames: ['auto.create.topics.enable'] },
  ] as any)
  autoCreateEnabled = broker!.configs['auto.create.topics.enable']?.value === 'true'
})

afterAll(async () => {
  const names = (await admin.listTopics()).map((t) => t.topic).filter((t) => t.endsWith(run))
  await admin.deleteTopics(names).catch(() => {})
  await admin.close()
})

async function pollFor(consumer: Consumer, ms: number, until: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline && !(await until())) await consumer.poll(200)
}

const topicExists = async (t: string) => (await admin.listTopics()).some((x) => x.topic === t)

describe('a consumer and topics that do not exist', () => {
  it('warns (once, not every poll) when a subscribed topic does not exist; never creates it with allowAutoCreateTopics false', async () => {
    const topic = `missing-${run}`
    const warned: string[] = []
    const logger = { info() {}, warn: (m: string) => warned.push(m), error() {} }
    const consumer = new Consumer({
      bootstrapServers: bootstrap,
      groupId: `g-${topic}`,
      clientId: `c-${topic}`,
      allowAutoCreateTopics: false,
      logger,
    })
    consumer.subscribe([topic])
    try {
      await pollFor(consumer, 8000, () => warned.some((w) => w.includes(topic)))
      await pollFor(consumer, 2500, () => false) // more metadata rounds: still one warning
    } finally {
      await consumer.close()
    }
    const lines = warned.filter((w) => w.includes(topic))
    expect(lines).toEqual([
      `kafka-wire consumer: a subscribed topic is unavailable; waiting for it (clientId=c-${topic} groupId=g-${topic} ` +
        `topic=${topic} errorCode=UNKNOWN_TOPIC_OR_PARTITION hint="the topic does not exist; allowAutoCreateTopics is false")`,
    ])
    expect(await topicExists(topic)).toBe(false)
  })

  it('allowAutoCreateTopics (default true) lets the subscription create the topic when the broker allows it', async (ctx) => {
    if (!autoCreateEnabled) ctx.skip() // the broker decides (auto.create.topics.enable)
    const topic = `autocreated-${run}`
    const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: `g-${topic}` })
    consumer.subscribe([topic])
    try {
      await pollFor(consumer, 15_000, () => topicExists(topic))
    } finally {
      await consumer.close()
    }
    expect(await topicExists(topic)).toBe(true)
  })

  it('endOffsets() of a partition the topic does not have fails at once, naming it', async () => {
    const consumer = new Consumer({ bootstrapServers: bootstrap })
    const started = Date.now()
    try {
      consumer.assign([{ topic: oneP, partition: 9 }])
      const err = await consumer.endOffsets([{ topic: oneP, partition: 9 }]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).name).toBe('UnknownTopicOrPartitionError')
      expect((err as Error).message).toContain(`${oneP}-9`)
      expect((err as Error).message).toContain('has 1 partition')
    } finally {
      await consumer.close()
    }
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('kafka-wire consume --partition 9 on a 1-partition topic: one error line naming the partition', async () => {
    const bin = join(import.meta.dirname, '../../../dist/esm/cli/bin.js')
    const child = spawn(
      process.execPath,
      [bin, 'consume', '--bootstrap-server', bootstrap, '--topic', oneP, '--partition', '9'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).toBe(1)
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^kafka-wire: UnknownTopicOrPartitionError: .*${oneP}-9`),
    )
  })
})

describe.each(GROUP_PROTOCOLS)('a subscribed topic deleted under the %s protocol', (groupProtocol) => {
  it('its partitions are revoked (the group rebalances), the other topic is kept', async () => {
    const keep = `deleted-keep-${groupProtocol}-${run}`
    const gone = `deleted-gone-${groupProtocol}-${run}`
    await admin.createTopics([
      { topic: keep, numPartitions: 1, replicationFactor: 1 },
      { topic: gone, numPartitions: 1, replicationFactor: 1 },
    ])
    const consumer = new Consumer({
      bootstrapServers: bootstrap,
      groupId: `deleted-${groupProtocol}-${run}`,
      groupProtocol,
      metadataMaxAgeMs: 1000,
      allowAutoCreateTopics: false, // or the consumer's own metadata requests would create the topic again
    })
    try {
      consumer.subscribe([keep, gone])
      const has = (t: string) => consumer.assignment().some((tp) => tp.topic === t)
      await pollFor(consumer, 30_000, () => has(keep) && has(gone))
      expect(has(gone)).toBe(true)
      await admin.deleteTopics([gone])
      // Under the eager classic protocol the assignment is empty while the group rebalances: wait for the new one.
      await pollFor(consumer, 30_000, () => !has(gone) && has(keep))
      expect(has(gone)).toBe(false)
      expect(has(keep)).toBe(true)
    } finally {
      await consumer.close()
    }
  })
})

describe.each(GROUP_PROTOCOLS)(
  'a subscribed topic created after subscribe() under the %s protocol',
  (groupProtocol) => {
    it('is assigned and consumed once it exists (default metadataMaxAgeMs: not after five minutes)', async () => {
      const topic = `late-${groupProtocol}-${run}`
      const consumer = new Consumer({
        bootstrapServers: bootstrap,
        groupId: `late-${groupProtocol}-${run}`,
        groupProtocol,
        autoOffsetReset: 'earliest',
        allowAutoCreateTopics: false,
      })
      const producer = new Producer({ bootstrapServers: bootstrap })
      try {
        consumer.subscribe([topic])
        // The group forms while the topic does not exist: nothing to assign.
        await pollFor(consumer, 3000, () => false)
        expect(consumer.assignment()).toEqual([])
        await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }])
        await producer.send({ topic, partition: 1, value: 'after the subscription' })
        const values: string[] = []
        const deadline = Date.now() + 30_000
        while (values.length === 0 && Date.now() < deadline) {
          for (const r of await consumer.poll(200)) values.push(String(r.value))
        }
        expect(values).toEqual(['after the subscription'])
        expect(
          consumer
            .assignment()
            .map((tp) => tp.partition)
            .sort(),
        ).toEqual([0, 1])
      } finally {
        await producer.close()
        await consumer.close()
      }
    })
  },
)
