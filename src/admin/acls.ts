/**
 * ACL calls: DescribeAcls, CreateAcls, DeleteAcls (any broker; it forwards to the controller).
 * Friendly enums ↔ wire codes, request building and response mapping, and the operations
 * declaring each call for executor.ts.
 */

import { ErrorCode } from '../error-codes.js'
import { brokerError } from '../errors.js'
import { Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import { invalidArgument, namedMessage } from './common.js'
import type { RoundReport } from './driver.js'
import { aclOperations, aclPatternTypes, aclPermissionTypes, aclResourceTypes } from './enums.js'
import { operation, singleOperation } from './operation.js'
import type { AclBinding, AclBindingFilter, DeleteAclsFilterResult, NewAclBinding } from './types.js'

/** A binding with its defaults filled in (pattern 'literal', host '*'). */
export function normalizeBinding(b: NewAclBinding): AclBinding {
  const binding: AclBinding = {
    resourceType: b.resourceType,
    resourceName: b.resourceName,
    patternType: b.patternType ?? 'literal',
    principal: b.principal,
    host: b.host ?? '*',
    operation: b.operation,
    permissionType: b.permissionType,
  }
  for (const [what, value] of [
    ['resourceType', binding.resourceType],
    ['patternType', binding.patternType],
    ['operation', binding.operation],
    ['permissionType', binding.permissionType],
  ] as const) {
    if (value === 'any' || value === 'unknown' || (what === 'patternType' && value === 'match')) {
      throw invalidArgument(`An ACL binding cannot have ${what} '${value}' (only filters can)`)
    }
  }
  if (typeof binding.resourceName !== 'string' || binding.resourceName === '') {
    throw invalidArgument('AclBinding.resourceName must be a non-empty string')
  }
  if (typeof binding.principal !== 'string' || !binding.principal.includes(':')) {
    throw invalidArgument(`AclBinding.principal must look like 'User:name' (got '${binding.principal}')`)
  }
  return binding
}

/** 'User:alice from * may allow read on topic orders (literal)'. */
export function bindingLabel(b: AclBinding): string {
  return `${b.principal} from ${b.host}: ${b.permissionType} ${b.operation} on ${b.resourceType} '${b.resourceName}' (${b.patternType})`
}

export function filterLabel(f: AclBindingFilter): string {
  const parts = [
    `resourceType=${f.resourceType ?? 'any'}`,
    `resourceName=${f.resourceName ?? '*'}`,
    `patternType=${f.patternType ?? 'any'}`,
    `principal=${f.principal ?? '*'}`,
    `host=${f.host ?? '*'}`,
    `operation=${f.operation ?? 'any'}`,
    `permissionType=${f.permissionType ?? 'any'}`,
  ]
  return `ACL filter {${parts.join(', ')}}`
}

export function buildCreateAclsRequest(bindings: readonly AclBinding[]): RequestOf<typeof Apis.CreateAcls> {
  return {
    creations: bindings.map((b) => ({
      resourceType: aclResourceTypes.code(b.resourceType),
      resourceName: b.resourceName,
      resourcePatternType: aclPatternTypes.code(b.patternType),
      principal: b.principal,
      host: b.host,
      operation: aclOperations.code(b.operation),
      permissionType: aclPermissionTypes.code(b.permissionType),
    })),
  }
}

/** CreateAcls results come back in request order: item keys are the indexes. */
export function handleCreateAclsResponse(
  response: ResponseOf<typeof Apis.CreateAcls>,
  bindings: readonly AclBinding[],
  keys: readonly string[],
  report: RoundReport<AclBinding>,
  apiKey: number,
): void {
  response.results.forEach((r, i) => {
    const key = keys[i]
    const binding = bindings[i]
    if (key === undefined || binding === undefined) return
    if (r.errorCode !== ErrorCode.NONE) {
      report.fail(key, brokerError(r.errorCode, namedMessage(bindingLabel(binding), r.errorMessage), { apiKey }))
    } else {
      report.ok(key, binding)
    }
  })
}

function filterFields(f: AclBindingFilter) {
  return {
    resourceTypeFilter: aclResourceTypes.code(f.resourceType ?? 'any'),
    resourceNameFilter: f.resourceName ?? null,
    patternTypeFilter: aclPatternTypes.code(f.patternType ?? 'any'),
    principalFilter: f.principal ?? null,
    hostFilter: f.host ?? null,
    operation: aclOperations.code(f.operation ?? 'any'),
    permissionType: aclPermissionTypes.code(f.permissionType ?? 'any'),
  }
}

export function buildDescribeAclsRequest(filter: AclBindingFilter): RequestOf<typeof Apis.DescribeAcls> {
  return filterFields(filter)
}

export function buildDeleteAclsRequest(filters: readonly AclBindingFilter[]): RequestOf<typeof Apis.DeleteAcls> {
  return { filters: filters.map(filterFields) }
}

/** Flattens a DescribeAcls response (a top-level error is thrown, naming the filter). */
export function aclsFromDescribe(
  response: ResponseOf<typeof Apis.DescribeAcls>,
  filter: AclBindingFilter,
  apiKey: number,
): AclBinding[] {
  if (response.errorCode !== ErrorCode.NONE) {
    throw brokerError(response.errorCode, namedMessage(filterLabel(filter), response.errorMessage), { apiKey })
  }
  const out: AclBinding[] = []
  for (const r of response.resources) {
    for (const a of r.acls) {
      out.push({
        resourceType: aclResourceTypes.name(r.resourceType),
        resourceName: r.resourceName,
        patternType: aclPatternTypes.name(r.patternType),
        principal: a.principal,
        host: a.host,
        operation: aclOperations.name(a.operation),
        permissionType: aclPermissionTypes.name(a.permissionType),
      })
    }
  }
  return out
}

/** DeleteAcls results come back in filter order; a filter fails if it, or any ACL it matched, failed. */
export function handleDeleteAclsResponse(
  response: ResponseOf<typeof Apis.DeleteAcls>,
  filters: readonly AclBindingFilter[],
  keys: readonly string[],
  report: RoundReport<DeleteAclsFilterResult>,
  apiKey: number,
): void {
  response.filterResults.forEach((r, i) => {
    const key = keys[i]
    const filter = filters[i]
    if (key === undefined || filter === undefined) return
    if (r.errorCode !== ErrorCode.NONE) {
      report.fail(key, brokerError(r.errorCode, namedMessage(filterLabel(filter), r.errorMessage), { apiKey }))
      return
    }
    const deleted: AclBinding[] = []
    for (const m of r.matchingAcls) {
      const binding: AclBinding = {
        resourceType: aclResourceTypes.name(m.resourceType),
        resourceName: m.resourceName,
        patternType: aclPatternTypes.name(m.patternType),
        principal: m.principal,
        host: m.host,
        operation: aclOperations.name(m.operation),
        permissionType: aclPermissionTypes.name(m.permissionType),
      }
      if (m.errorCode !== ErrorCode.NONE) {
        report.fail(key, brokerError(m.errorCode, namedMessage(bindingLabel(binding), m.errorMessage), { apiKey }))
        return
      }
      deleted.push(binding)
    }
    report.ok(key, { filter, deleted })
  })
}

// ---------------------------------------------------------------------------------------------
// Operations (run by executor.ts); items of createAcls / deleteAcls are keyed by their index.

export function describeAclsOperation(filter: AclBindingFilter) {
  const request = buildDescribeAclsRequest(filter) // validates the enums before any I/O
  return singleOperation({
    name: 'describeAcls',
    api: Apis.DescribeAcls,
    route: 'any',
    build: () => request,
    handle: (response, report: RoundReport<AclBinding[]>, ctx) =>
      report.ok('call', aclsFromDescribe(response, filter, ctx.apiKey)),
  })
}

export function createAclsOperation(bindings: readonly NewAclBinding[]) {
  const normalized = bindings.map(normalizeBinding)
  buildCreateAclsRequest(normalized) // validates the enums before any I/O
  return operation({
    name: 'createAcls',
    itemKind: 'ACL bindings',
    api: Apis.CreateAcls,
    route: 'any',
    items: new Map(normalized.map((b, i) => [String(i), b])),
    itemName: (k) => bindingLabel(normalized[Number(k)]!),
    build: (list) => buildCreateAclsRequest(list),
    handle: (response, report: RoundReport<AclBinding>, ctx) =>
      handleCreateAclsResponse(response, ctx.items, ctx.keys, report, ctx.apiKey),
    result: () => undefined,
  })
}

export function deleteAclsOperation(filters: readonly AclBindingFilter[]) {
  buildDeleteAclsRequest(filters) // validates the enums before any I/O
  return operation({
    name: 'deleteAcls',
    itemKind: 'ACL filters',
    api: Apis.DeleteAcls,
    route: 'any',
    items: new Map(filters.map((f, i) => [String(i), f])),
    itemName: (k) => filterLabel(filters[Number(k)]!),
    build: (list) => buildDeleteAclsRequest(list),
    handle: (response, report: RoundReport<DeleteAclsFilterResult>, ctx) =>
      handleDeleteAclsResponse(response, ctx.items, ctx.keys, report, ctx.apiKey),
  })
}
