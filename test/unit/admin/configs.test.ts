import { describe, expect, it } from 'vitest'
import {
  buildDescribeConfigsRequest,
  buildIncrementalAlterConfigsRequest,
  handleDescribeConfigsResponse,
  handleIncrementalAlterConfigsResponse,
  resourceNode,
  validateAlterResources,
  validateResources,
} from '../../../src/admin/configs.js'
import { RoundReport } from '../../../src/admin/driver.js'
import { Apis, encodeMessage } from '../../../src/protocol/index.js'

describe('config resources', () => {
  it('routes broker resources to that broker and the rest to any broker', () => {
    expect(resourceNode({ type: 'broker', name: '3' })).toBe(3)
    expect(resourceNode({ type: 'broker-logger', name: '1' })).toBe(1)
    expect(resourceNode({ type: 'broker', name: '' })).toBeNull()
    expect(resourceNode({ type: 'topic', name: 't' })).toBeNull()
    expect(() => resourceNode({ type: 'broker', name: 'x' })).toThrow(/broker id/)
  })

  it('validates types, duplicates and op values', () => {
    expect(() => validateResources([{ type: 'nope' as any, name: 'x' }])).toThrow(/Unknown config resource type 'nope'/)
    expect(() =>
      validateResources([
        { type: 'topic', name: 'a' },
        { type: 'topic', name: 'a' },
      ]),
    ).toThrow(/Duplicate/)
    expect(() => validateAlterResources([{ type: 'topic', name: 'a', ops: [{ name: 'retention.ms' }] }])).toThrow(
      /'set' needs a value/,
    )
    expect(() =>
      validateAlterResources([{ type: 'topic', name: 'a', ops: [{ name: 'retention.ms', op: 'delete' }] }]),
    ).not.toThrow()
  })

  it('builds DescribeConfigs with resource type codes', () => {
    const req = buildDescribeConfigsRequest(
      [
        { type: 'topic', name: 't', configNames: ['retention.ms'] },
        { type: 'broker', name: '1' },
        { type: 'group', name: 'g' },
      ],
      { includeSynonyms: true, includeDocumentation: false },
    )
    expect(req.resources).toEqual([
      { resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms'] },
      { resourceType: 4, resourceName: '1', configurationKeys: null },
      { resourceType: 32, resourceName: 'g', configurationKeys: null },
    ])
    expect(() => encodeMessage(Apis.DescribeConfigs.request, 4, req)).not.toThrow()
  })

  it('maps configs with sources, types and synonyms, and names a failed resource', () => {
    const report = new RoundReport<any>()
    handleDescribeConfigsResponse(
      {
        throttleTimeMs: 0,
        results: [
          {
            errorCode: 0,
            errorMessage: null,
            resourceType: 2,
            resourceName: 't',
            configs: [
              {
                name: 'retention.ms',
                value: '1000',
                readOnly: false,
                configSource: 1,
                isSensitive: false,
                synonyms: [
                  { name: 'retention.ms', value: '1000', source: 1 },
                  { name: 'log.retention.hours', value: '168', source: 5 },
                ],
                configType: 5,
                documentation: 'How long',
              },
            ],
          },
          { errorCode: 3, errorMessage: 'Topic x does not exist', resourceType: 2, resourceName: 'x', configs: [] },
          { errorCode: 44, errorMessage: 'bad', resourceType: 4, resourceName: '7', configs: [] },
        ],
      },
      report,
      32,
      1,
    )
    expect(report.results.get('topic:t')).toEqual({
      type: 'topic',
      name: 't',
      configs: {
        'retention.ms': {
          name: 'retention.ms',
          value: '1000',
          source: 'dynamic-topic-config',
          isDefault: false,
          readOnly: false,
          sensitive: false,
          type: 'long',
          synonyms: [
            { name: 'retention.ms', value: '1000', source: 'dynamic-topic-config' },
            { name: 'log.retention.hours', value: '168', source: 'default-config' },
          ],
          documentation: 'How long',
        },
      },
    })
    expect(report.errors.get('topic:x')?.topic).toBe('x')
    expect(report.errors.get('topic:x')?.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(report.errors.get('broker:7')?.message).toContain('broker 7: bad')
  })

  it('builds IncrementalAlterConfigs with op codes (delete sends null)', () => {
    const req = buildIncrementalAlterConfigsRequest(
      [
        {
          type: 'topic',
          name: 't',
          ops: [
            { name: 'retention.ms', value: '5000' },
            { name: 'cleanup.policy', value: 'compact', op: 'append' },
            { name: 'segment.ms', value: 'ignored', op: 'delete' },
            { name: 'x', value: 'y', op: 'subtract' },
          ],
        },
      ],
      true,
    )
    expect(req).toEqual({
      resources: [
        {
          resourceType: 2,
          resourceName: 't',
          configs: [
            { name: 'retention.ms', configOperation: 0, value: '5000' },
            { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
            { name: 'segment.ms', configOperation: 1, value: null },
            { name: 'x', configOperation: 3, value: 'y' },
          ],
        },
      ],
      validateOnly: true,
    })
    const report = new RoundReport<any>()
    handleIncrementalAlterConfigsResponse(
      {
        throttleTimeMs: 0,
        responses: [
          { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't' },
          { errorCode: 40, errorMessage: 'Invalid value', resourceType: 2, resourceName: 'u' },
        ],
      },
      report,
      44,
      1,
    )
    expect(report.results.get('topic:t')).toEqual({ type: 'topic', name: 't' })
    expect(report.errors.get('topic:u')?.topic).toBe('u')
  })
})
