/**
 * Round trip of every API × version (requests and responses) and of the consumer protocol's
 * embedded messages, with values generated from the schemas themselves (support/arbitrary.ts):
 * encode → decode gives the input back (absent/omitted fields as defaults), and decode →
 * encode gives the same bytes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Apis, ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../../src/protocol/messages/index.js'
import { decodeMessage, encodeMessage } from '../../src/protocol/schema/codec.js'
import type { MessageSchema } from '../../src/protocol/schema/dsl.js'
import { arbitraryFor, expectedDecode } from './support/arbitrary.js'

const RUNS = Number(process.env.ROUND_TRIP_RUNS ?? 40)

function roundTrip(schema: MessageSchema<any>, version: number): void {
  fc.assert(
    fc.property(arbitraryFor(schema, version), (input) => {
      const bytes = encodeMessage(schema, version, input)
      const decoded = decodeMessage(schema, version, bytes)
      expect(decoded).toStrictEqual(expectedDecode(schema, version, input))
      const again = encodeMessage(schema, version, decoded)
      expect(again.equals(bytes)).toBe(true)
    }),
    { numRuns: RUNS },
  )
}

function versions(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i)
}

describe.each(Object.values(Apis).map((a) => [a.name, a] as const))('%s', (_name, api) => {
  it.each(versions(api.minVersion, api.maxVersion))('request v%i', (v) => roundTrip(api.request, v))
  it.each(versions(api.minVersion, api.maxVersion))('response v%i', (v) => roundTrip(api.response, v))
})

describe.each([
  ['ConsumerProtocolSubscription', ConsumerProtocolSubscription],
  ['ConsumerProtocolAssignment', ConsumerProtocolAssignment],
] as const)('%s', (_name, schema) => {
  it.each(versions(schema.validVersions.min, schema.validVersions.max))('v%i', (v) => roundTrip(schema, v))
})

it('covers every API the registry lists, from minVersion to maxVersion', () => {
  const apis = Object.values(Apis)
  expect(apis.length).toBe(54)
  for (const api of apis) {
    expect(api.minVersion).toBe(api.request.validVersions.min)
    expect(api.maxVersion).toBeGreaterThanOrEqual(api.minVersion)
    expect(api.maxVersion).toBeLessThanOrEqual(api.request.validVersions.max)
  }
})
