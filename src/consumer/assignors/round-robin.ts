/**
 * The 'roundrobin' assignor (Java's RoundRobinAssignor), EAGER only.
 *
 * All partitions of all subscribed topics (topics in name order, then partition order) are dealt
 * to the members in member order (static members by group instance id first, then member id),
 * cycling, and skipping a member not subscribed to the partition's topic. With identical
 * subscriptions the counts differ by at most one; with different subscriptions it can be
 * unbalanced, as in Java.
 */
import { assignableTopics, emptyAssignment, toGroupAssignments } from './normalize.js'
import { compareMembers } from './ordering.js'
import type { ConsumerPartitionAssignor, GroupAssignment, MemberSubscription, RebalanceProtocol } from './types.js'

export class RoundRobinAssignor implements ConsumerPartitionAssignor {
  readonly name: string = 'roundrobin'
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER']

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<string, MemberSubscription>,
  ): Map<string, GroupAssignment> {
    const assignment = emptyAssignment(subscriptions)
    const members = [...subscriptions.values()].sort(compareMembers).map((s) => ({
      memberId: s.memberId,
      topics: new Set(s.topics),
    }))
    let next = 0
    for (const [topic, count] of assignableTopics(partitionsPerTopic, subscriptions)) {
      for (let partition = 0; partition < count; partition++) {
        // Terminates: the topic is assignable only because some member subscribes to it.
        while (!members[next]!.topics.has(topic)) next = (next + 1) % members.length
        assignment.get(members[next]!.memberId)!.push({ topic, partition })
        next = (next + 1) % members.length
      }
    }
    return toGroupAssignments(assignment)
  }
}
