// The classic leader's metadata check (Java's assignment snapshot against the metadata snapshot):
// which differences make it rejoin. The integration side is test/integration/consumer/missing-topics.test.ts.
import { describe, expect, it } from 'vitest'
import { assignedMetadataChange } from '../../../../src/consumer/group/classic-assignment.js'

const counts = (o: Record<string, number>) => new Map(Object.entries(o))

describe('assignedMetadataChange', () => {
  it('is null when every subscribed topic has the partition count the leader assigned from', () => {
    expect(assignedMetadataChange(counts({ a: 3, b: 1 }), counts({ a: 3, b: 1 }))).toBeNull()
  })

  it('names a topic whose partition count changed', () => {
    expect(assignedMetadataChange(counts({ a: 3 }), counts({ a: 6 }))).toBe('partition count of a changed from 3 to 6')
  })

  it('names a topic gone from the metadata (deleted)', () => {
    expect(assignedMetadataChange(counts({ a: 3, b: 1 }), counts({ b: 1 }))).toBe('a is gone from the metadata')
  })

  it('names a subscribed topic that did not exist at assignment and now has partitions', () => {
    expect(assignedMetadataChange(counts({}), counts({ late: 6 }))).toBe(
      'late appeared in the metadata with 6 partitions',
    )
    expect(assignedMetadataChange(counts({ a: 3 }), counts({ a: 3, late: 1 }))).toBe(
      'late appeared in the metadata with 1 partition',
    )
  })

  it('ignores a topic reported with no partitions yet (being created)', () => {
    expect(assignedMetadataChange(counts({ a: 3 }), counts({ a: 3, late: 0 }))).toBeNull()
  })
})
