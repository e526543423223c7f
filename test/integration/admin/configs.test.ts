// describeConfigs / incrementalAlterConfigs against the shared broker: topic, broker (per broker and
// cluster default), broker-logger and group resources, and per-resource error reporting.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Admin, AdminAggregateError } from '../../../src/admin/index.js'
import { eventually, uniqueName } from './helpers.js'

const bootstrapServers = inject('kafkaBootstrapServers')
let admin: Admin
let brokerId: string

beforeAll(async () => {
  admin = new Admin({ bootstrapServers, clientId: 'admin-configs-test' })
  brokerId = String((await admin.describeCluster()).brokers[0]!.nodeId)
})
afterAll(async () => {
  await admin.close()
})

async function topicConfig(topic: string, name: string) {
  const [r] = await admin.describeConfigs([{ type: 'topic', name: topic, configNames: [name] }])
  return r!.configs[name]!
}

describe('describeConfigs', () => {
  it('describes a topic, with synonyms and documentation on request', async () => {
    const topic = uniqueName('adm-cfg')
    await admin.createTopics([{ topic, configs: { 'retention.ms': '7200000' } }])
    const [plain] = await eventually(() => admin.describeConfigs([{ type: 'topic', name: topic }]))
    expect(plain).toMatchObject({ type: 'topic', name: topic })
    expect(plain!.configs['retention.ms']).toMatchObject({
      name: 'retention.ms',
      value: '7200000',
      source: 'dynamic-topic-config',
      isDefault: false,
      readOnly: false,
      sensitive: false,
      type: 'long',
      synonyms: [],
      documentation: null,
    })
    expect(plain!.configs['cleanup.policy']).toMatchObject({ value: 'delete', isDefault: true, type: 'list' })

    const [detailed] = await admin.describeConfigs([{ type: 'topic', name: topic, configNames: ['retention.ms'] }], {
      includeSynonyms: true,
      includeDocumentation: true,
    })
    expect(Object.keys(detailed!.configs)).toEqual(['retention.ms'])
    const entry = detailed!.configs['retention.ms']!
    expect(entry.documentation).toMatch(/\w+/)
    expect(entry.synonyms[0]).toEqual({ name: 'retention.ms', value: '7200000', source: 'dynamic-topic-config' })
  })

  it('asks a broker for its own config, and any broker for the cluster default', async () => {
    const [broker, clusterDefault] = await admin.describeConfigs([
      { type: 'broker', name: brokerId },
      { type: 'broker', name: '' },
    ])
    expect(broker!.configs['num.partitions']).toMatchObject({ name: 'num.partitions' })
    expect(broker!.configs['broker.id'] ?? broker!.configs['node.id']).toBeDefined()
    expect(clusterDefault).toMatchObject({ type: 'broker', name: '' })
  })

  it('describes broker loggers and group configs', async () => {
    const [loggers, group] = await admin.describeConfigs([
      { type: 'broker-logger', name: brokerId },
      { type: 'group', name: uniqueName('adm-cfg-group') },
    ])
    expect(loggers!.configs['root']).toBeDefined()
    expect(loggers!.configs['root']!.source).toBe('dynamic-broker-logger-config')
    expect(Object.keys(group!.configs).some((k) => k.startsWith('consumer.'))).toBe(true)
  })

  it('names each resource that failed', async () => {
    const missing = uniqueName('adm-cfg-missing')
    const error = await admin
      .describeConfigs([
        { type: 'topic', name: missing },
        { type: 'broker', name: brokerId },
      ])
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', topic: missing })
    expect(error.failed).toEqual([`topic ${missing}`])
    expect(error.succeeded[0]).toMatchObject({ type: 'broker', name: brokerId })
  })
})

describe('incrementalAlterConfigs', () => {
  it('sets, appends, subtracts and deletes topic config entries', async () => {
    const topic = uniqueName('adm-alter')
    await admin.createTopics([{ topic }])
    await eventually(() => admin.describeConfigs([{ type: 'topic', name: topic }]))
    await admin.incrementalAlterConfigs([
      {
        type: 'topic',
        name: topic,
        ops: [
          { name: 'retention.ms', value: '60000' },
          { name: 'cleanup.policy', value: 'compact', op: 'append' },
        ],
      },
    ])
    await eventually(async () => {
      expect((await topicConfig(topic, 'retention.ms')).value).toBe('60000')
      expect((await topicConfig(topic, 'cleanup.policy')).value).toBe('delete,compact')
    })
    await admin.incrementalAlterConfigs([
      {
        type: 'topic',
        name: topic,
        ops: [
          { name: 'retention.ms', op: 'delete' },
          { name: 'cleanup.policy', value: 'delete', op: 'subtract' },
        ],
      },
    ])
    await eventually(async () => {
      expect(await topicConfig(topic, 'retention.ms')).toMatchObject({ isDefault: true })
      expect((await topicConfig(topic, 'cleanup.policy')).value).toBe('compact')
    })
  })

  it('validateOnly changes nothing', async () => {
    const topic = uniqueName('adm-alter-validate')
    await admin.createTopics([{ topic }])
    await eventually(() => admin.describeConfigs([{ type: 'topic', name: topic }]))
    await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ name: 'retention.ms', value: '1' }] }], {
      validateOnly: true,
    })
    expect(await topicConfig(topic, 'retention.ms')).toMatchObject({ isDefault: true })
  })

  it('alters the cluster-wide broker default and a broker logger', async () => {
    const [before] = await admin.describeConfigs([{ type: 'broker-logger', name: brokerId }])
    const logger = Object.keys(before!.configs).find((name) => name.startsWith('kafka.') && name !== 'root')!
    expect(logger).toBeDefined()
    await admin.incrementalAlterConfigs([
      { type: 'broker', name: '', ops: [{ name: 'log.cleaner.backoff.ms', value: '15001' }] },
      { type: 'broker-logger', name: brokerId, ops: [{ name: logger, value: 'WARN' }] },
    ])
    await eventually(async () => {
      const [def, loggers] = await admin.describeConfigs([
        { type: 'broker', name: '' },
        { type: 'broker-logger', name: brokerId },
      ])
      expect(def!.configs['log.cleaner.backoff.ms']).toMatchObject({
        value: '15001',
        source: 'dynamic-default-broker-config',
      })
      expect(loggers!.configs[logger]!.value).toBe('WARN')
    })
    await admin.incrementalAlterConfigs([
      { type: 'broker', name: '', ops: [{ name: 'log.cleaner.backoff.ms', op: 'delete' }] },
      { type: 'broker-logger', name: brokerId, ops: [{ name: logger, op: 'delete' }] },
    ])
  })

  it('names each resource that failed and applies the others', async () => {
    const topic = uniqueName('adm-alter-ok')
    const missing = uniqueName('adm-alter-missing')
    const invalid = uniqueName('adm-alter-invalid')
    await admin.createTopics([{ topic }, { topic: invalid }])
    await eventually(() => admin.describeConfigs([{ type: 'topic', name: topic }]))
    const error = await admin
      .incrementalAlterConfigs([
        { type: 'topic', name: topic, ops: [{ name: 'retention.ms', value: '120000' }] },
        { type: 'topic', name: missing, ops: [{ name: 'retention.ms', value: '120000' }] },
        { type: 'topic', name: invalid, ops: [{ name: 'retention.ms', value: 'not-a-number' }] },
      ])
      .catch((e) => e)
    expect(error).toBeInstanceOf(AdminAggregateError)
    const byTopic = Object.fromEntries(error.errors.map((e: any) => [e.topic, e.code]))
    expect(byTopic).toEqual({ [missing]: 'UNKNOWN_TOPIC_OR_PARTITION', [invalid]: 'INVALID_CONFIG' })
    expect(error.succeeded).toEqual([{ type: 'topic', name: topic }])
    await eventually(async () => expect((await topicConfig(topic, 'retention.ms')).value).toBe('120000'))
  })
})
