import { describe, expect, it } from 'vitest'
import {
  aclsFromDescribe,
  buildCreateAclsRequest,
  buildDeleteAclsRequest,
  buildDescribeAclsRequest,
  handleCreateAclsResponse,
  handleDeleteAclsResponse,
  normalizeBinding,
} from '../../../src/admin/acls.js'
import { RoundReport } from '../../../src/admin/driver.js'
import { Apis, encodeMessage } from '../../../src/protocol/index.js'

const binding = {
  resourceType: 'topic' as const,
  resourceName: 'orders',
  principal: 'User:alice',
  operation: 'read' as const,
  permissionType: 'allow' as const,
}

describe('ACLs', () => {
  it('fills binding defaults and refuses filter-only values', () => {
    expect(normalizeBinding(binding)).toEqual({ ...binding, patternType: 'literal', host: '*' })
    expect(() => normalizeBinding({ ...binding, operation: 'any' })).toThrow(/only filters/)
    expect(() => normalizeBinding({ ...binding, patternType: 'match' })).toThrow(/only filters/)
    expect(() => normalizeBinding({ ...binding, principal: 'alice' })).toThrow(/User:name/)
  })

  it('encodes friendly enums as Kafka codes', () => {
    const req = buildCreateAclsRequest([
      normalizeBinding({ ...binding, patternType: 'prefixed', operation: 'idempotent-write', resourceType: 'cluster' }),
    ])
    expect(req.creations).toEqual([
      {
        resourceType: 4,
        resourceName: 'orders',
        resourcePatternType: 4,
        principal: 'User:alice',
        host: '*',
        operation: 12,
        permissionType: 3,
      },
    ])
    expect(() => encodeMessage(Apis.CreateAcls.request, 3, req)).not.toThrow()
    expect(buildDescribeAclsRequest({})).toEqual({
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    })
    expect(buildDeleteAclsRequest([{ principal: 'User:bob', patternType: 'match' }]).filters?.[0]).toMatchObject({
      principalFilter: 'User:bob',
      patternTypeFilter: 2,
    })
    expect(() => buildDescribeAclsRequest({ operation: 'fly' as any })).toThrow(/Unknown ACL operation 'fly'/)
  })

  it('decodes DescribeAcls and throws SECURITY_DISABLED naming the filter', () => {
    const acls = aclsFromDescribe(
      {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        resources: [
          {
            resourceType: 2,
            resourceName: 'orders',
            patternType: 3,
            acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }],
          },
        ],
      },
      {},
      29,
    )
    expect(acls).toEqual([{ ...binding, patternType: 'literal', host: '*' }])
    expect(() =>
      aclsFromDescribe(
        { throttleTimeMs: 0, errorCode: 54, errorMessage: 'No Authorizer is configured.', resources: [] },
        { resourceType: 'topic' },
        29,
      ),
    ).toThrow(/SECURITY_DISABLED: ACL filter \{resourceType=topic.*No Authorizer/)
  })

  it('maps CreateAcls and DeleteAcls results by position', () => {
    const bindings = [normalizeBinding(binding), normalizeBinding({ ...binding, resourceName: 'x' })]
    const report = new RoundReport<any>()
    handleCreateAclsResponse(
      {
        throttleTimeMs: 0,
        results: [
          { errorCode: 0, errorMessage: null },
          { errorCode: 42, errorMessage: 'bad' },
        ],
      },
      bindings,
      ['0', '1'],
      report,
      30,
    )
    expect(report.results.get('0')).toEqual(bindings[0])
    expect(report.errors.get('1')?.message).toContain("User:alice from *: allow read on topic 'x' (literal): bad")

    const del = new RoundReport<any>()
    handleDeleteAclsResponse(
      {
        throttleTimeMs: 0,
        filterResults: [
          {
            errorCode: 0,
            errorMessage: null,
            matchingAcls: [
              {
                errorCode: 0,
                errorMessage: null,
                resourceType: 2,
                resourceName: 'orders',
                patternType: 3,
                principal: 'User:alice',
                host: '*',
                operation: 3,
                permissionType: 3,
              },
            ],
          },
        ],
      },
      [{ principal: 'User:alice' }],
      ['0'],
      del,
      31,
    )
    expect(del.results.get('0')).toEqual({ filter: { principal: 'User:alice' }, deleted: [bindings[0]] })
  })
})
