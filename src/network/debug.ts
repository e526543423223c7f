/**
 * KAFKA_WIRE_DEBUG for a client's connections (diagnostics/debug.ts has the categories): reads the
 * variable when a Cluster is created, turns the channel categories on, and for `protocol` wraps the
 * client's ConnectionSensors so that every request and response is one debug line (API, version,
 * correlation id, bytes, latency). Nothing is wrapped or subscribed when the variable is unset.
 *
 * Called by cluster/cluster.ts.
 */
import { DEBUG_ENV, debugLine, enableDebug, parseDebugCategories } from '../diagnostics/debug.js'
import type { Log } from '../internal/log.js'
import type { ConnectionSensors, SensedRequest } from './metrics.js'

/** The sensors a client's connections report to: `sensors`, plus protocol debug lines when enabled. */
export function debugSensors(
  clientId: string,
  logger: Log,
  sensors: ConnectionSensors | undefined,
  env: string | undefined = process.env[DEBUG_ENV],
): ConnectionSensors | undefined {
  const categories = parseDebugCategories(env)
  if (categories.size === 0) return sensors
  enableDebug(categories, clientId, logger)
  return categories.has('protocol') ? new ProtocolDebug(clientId, sensors) : sensors
}

class ProtocolDebug implements ConnectionSensors {
  readonly #clientId: string
  readonly #inner: ConnectionSensors | undefined
  /** When each request in flight was written, by its Connection's record of it. */
  readonly #sentAt = new WeakMap<SensedRequest, number>()

  constructor(clientId: string, inner: ConnectionSensors | undefined) {
    this.#clientId = clientId
    this.#inner = inner
  }

  opened(nodeId: number, now: number): void {
    this.#inner?.opened(nodeId, now)
  }

  closed(nodeId: number, now: number): void {
    this.#inner?.closed(nodeId, now)
  }

  sent(nodeId: number, bytes: number, now: number, r: SensedRequest): void {
    this.#inner?.sent(nodeId, bytes, now, r)
    this.#sentAt.set(r, now)
    debugLine(
      'protocol',
      this.#clientId,
      `node=${nodeId} → ${r.api.name} v${r.version} correlation=${r.correlationId} ${bytes} B`,
      { nodeId, direction: 'sent', api: r.api.name, version: r.version, correlationId: r.correlationId, bytes },
    )
  }

  received(nodeId: number, bytes: number, now: number, r: SensedRequest): void {
    this.#inner?.received(nodeId, bytes, now, r)
    const at = this.#sentAt.get(r)
    debugLine(
      'protocol',
      this.#clientId,
      `node=${nodeId} ← ${r.api.name} v${r.version} correlation=${r.correlationId} ${bytes} B${at === undefined ? '' : ` in ${now - at} ms`}`,
      {
        nodeId,
        direction: 'received',
        api: r.api.name,
        version: r.version,
        correlationId: r.correlationId,
        bytes,
        durationMs: at === undefined ? undefined : now - at,
      },
    )
  }
}
