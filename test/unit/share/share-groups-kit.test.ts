// The kit's share.version reading (FeatureCommand describe output of Kafka 4.4).
import { describe, expect, it } from 'vitest'
import { finalizedShareVersion } from '../../../src/testing/share-groups.js'

describe('finalizedShareVersion', () => {
  const out = (level: number) =>
    [
      'Feature: group.version	SupportedMinVersion: 0	SupportedMaxVersion: 1	FinalizedVersionLevel: 1	Epoch: 427',
      `Feature: share.version	SupportedMinVersion: 0	SupportedMaxVersion: 2	FinalizedVersionLevel: ${level}	Epoch: 427`,
    ].join('\n')
  it('reads the finalized level of share.version, not of another feature', () => {
    expect(finalizedShareVersion(out(2))).toBe(2)
    expect(finalizedShareVersion(out(0))).toBe(0)
  })
  it('is 0 when the broker does not know the feature (Kafka 3.x)', () => {
    expect(finalizedShareVersion('Feature: metadata.version	FinalizedVersionLevel: 3.9-IV0')).toBe(0)
  })
})
