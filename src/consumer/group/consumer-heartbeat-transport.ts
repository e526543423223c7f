/**
 * Sends one ConsumerGroupHeartbeat, for both transports (the worker's own connection, the Cluster).
 * v1 is required (KIP-1082 client-generated member ids, SubscribedTopicRegex): a broker without it,
 * or without the API at all, gets the same answer as a broker that has the protocol turned off,
 * UNSUPPORTED_VERSION, which the member state machine turns into a fatal error that says to use
 * groupProtocol 'classic'.
 */
import { ErrorCode } from '../../error-codes.js'
import { UnsupportedVersionError } from '../../errors.js'
import type { Apis, ResponseOf } from '../../protocol/index.js'
import type { ConsumerHeartbeatResponse } from './consumer-member.js'

export const MIN_CONSUMER_GROUP_HEARTBEAT_VERSION = 1

type Response = ResponseOf<typeof Apis.ConsumerGroupHeartbeat>

/** Throws UnsupportedVersionError below v1 (call it with the negotiated version before sending). */
export function requireConsumerGroupHeartbeatV1(version: number): void {
  if (version < MIN_CONSUMER_GROUP_HEARTBEAT_VERSION) {
    throw new UnsupportedVersionError(`ConsumerGroupHeartbeat v${version} is too old (v1+ is required)`)
  }
}

/** `send` sends the request (calling requireConsumerGroupHeartbeatV1 on its version); rejects on a transport failure. */
export async function consumerGroupHeartbeat(send: () => Promise<Response>): Promise<ConsumerHeartbeatResponse> {
  let res: Response
  try {
    res = await send()
  } catch (err) {
    if (err instanceof UnsupportedVersionError) return unsupported()
    throw err
  }
  return {
    errorCode: res.errorCode,
    errorMessage: res.errorMessage,
    memberId: res.memberId,
    memberEpoch: res.memberEpoch,
    heartbeatIntervalMs: res.heartbeatIntervalMs,
    assignment:
      res.assignment === null
        ? null
        : {
            topicPartitions: res.assignment.topicPartitions.map((t) => ({
              topicId: t.topicId,
              partitions: [...t.partitions],
            })),
          },
  }
}

function unsupported(): ConsumerHeartbeatResponse {
  return {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    errorMessage: null,
    memberId: null,
    memberEpoch: -1,
    heartbeatIntervalMs: 0,
    assignment: null,
  }
}
