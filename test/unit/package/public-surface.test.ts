// The public surface: what users need, not internals or test seams.
import { describe, expect, it } from 'vitest'
import * as kafka from '../../../src/index.js'

describe('public surface (src/index.ts)', () => {
  it('exports the clients, fromProperties, serializers, partitionForKey and the errors', () => {
    for (const name of ['Producer', 'Consumer', 'Admin', 'ConsumerRecords', 'fromProperties', 'unsecuredJwt']) {
      expect(typeof (kafka as Record<string, unknown>)[name], name).toBe('function')
    }
    expect(typeof kafka.serializers.json).toBe('function')
    expect(kafka.partitionForKey('foobar', 7)).toBe(kafka.partitionForKey(Buffer.from('foobar'), 7))
    expect(new kafka.ConfigError('x', 'y')).toBeInstanceOf(kafka.KafkaError)
  })

  it('does not export internals or test seams', () => {
    const exported = new Set(Object.keys(kafka))
    for (const name of [
      'murmur2',
      'murmur2String',
      'toPositive',
      'CONSUMER_DEFAULTS',
      'PRODUCER_DEFAULTS',
      'COMMON_DEFAULTS',
      'defaultSerializer',
      'PRODUCER_CLUSTER',
      'resolveCommonOptions',
      'parseProperties',
      'Cluster',
    ]) {
      expect(exported.has(name), name).toBe(false)
    }
  })

  it('the Producer constructor takes one argument (no test seam)', () => {
    expect(kafka.Producer.length).toBe(1)
  })
})
