/**
 * The group behaviour tests run under both group protocols (issue #16): the test parameter, and
 * what differs between the two for a test's setup.
 *
 * - 'classic': the member sets its session timeout and heartbeat interval (sessionTimeoutMs,
 *   heartbeatIntervalMs) and its assignors (partitionAssignmentStrategy).
 * - 'consumer' (KIP-848): the broker decides all three; the Consumer rejects those options (as
 *   Java does). A test that needs a short session sets it on the group instead
 *   (consumer.session.timeout.ms, a GROUP config resource), within the broker's
 *   group.consumer.min.session.timeout.ms (6000 on the test brokers, src/testing/config.ts).
 */
import { Admin } from '../../../src/admin/index.js'

export type GroupProtocol = 'classic' | 'consumer'

/**
 * Whether the Consumer speaks the 'consumer' protocol in this tree (#16). While it did not, the
 * 'consumer' cases were declared but skipped; false again skips them all.
 */
export const CONSUMER_PROTOCOL_READY = true

export const GROUP_PROTOCOLS: readonly GroupProtocol[] = ['classic', 'consumer']

/** Skip a 'consumer' case while the protocol is not in the Consumer yet. */
export function unavailable(protocol: GroupProtocol): boolean {
  return protocol === 'consumer' && !CONSUMER_PROTOCOL_READY
}

export interface Liveness {
  /** The session timeout the group runs with (ms). */
  sessionTimeoutMs: number
  /** The heartbeat interval (ms). */
  heartbeatIntervalMs: number
}

/**
 * Consumer options for `protocol`: under 'classic' the session timeout and heartbeat interval
 * (the member's own), under 'consumer' groupProtocol only (see groupLiveness for the session).
 */
export function protocolOptions(protocol: GroupProtocol, liveness: Liveness): Record<string, unknown> {
  return protocol === 'classic'
    ? { sessionTimeoutMs: liveness.sessionTimeoutMs, heartbeatIntervalMs: liveness.heartbeatIntervalMs }
    : { groupProtocol: 'consumer' }
}

/**
 * Under 'consumer', sets the group's own session timeout and heartbeat interval (GROUP config
 * resource, KIP-848) before its members join, clamped to the brokers' minimums; returns the
 * liveness the group really runs with. Under 'classic', returns `wanted` (the members set it).
 */
export async function groupLiveness(
  bootstrapServers: string,
  protocol: GroupProtocol,
  groupId: string,
  wanted: Liveness,
): Promise<Liveness> {
  if (protocol === 'classic') return wanted
  const liveness = {
    sessionTimeoutMs: Math.max(wanted.sessionTimeoutMs, 6000),
    heartbeatIntervalMs: Math.max(wanted.heartbeatIntervalMs, 500),
  }
  const admin = new Admin({ bootstrapServers })
  try {
    await admin.incrementalAlterConfigs([
      {
        type: 'group',
        name: groupId,
        ops: [
          { name: 'consumer.session.timeout.ms', value: String(liveness.sessionTimeoutMs) },
          { name: 'consumer.heartbeat.interval.ms', value: String(liveness.heartbeatIntervalMs) },
        ],
      },
    ])
  } finally {
    await admin.close()
  }
  return liveness
}
