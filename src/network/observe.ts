/**
 * A connection's diagnostics channels (src/diagnostics): connection:open and connection:auth
 * traced, connection:close published. Each builds its payload only when someone subscribes.
 * Called by connection.ts.
 */
import { type ConnectionMessage, channels, traced } from '../diagnostics/index.js'
import type { Resolved } from './connection-setup.js'
import type { ConnectionOptions, SaslOptions } from './types.js'

function message(o: ConnectionOptions | Resolved, sasl?: SaslOptions): ConnectionMessage {
  return {
    clientId: o.clientId ?? '',
    host: o.host,
    port: o.port,
    nodeId: o.nodeId ?? -1,
    workload: o.workload,
    ...(sasl === undefined ? {} : { mechanism: sasl.mechanism }),
  }
}

/** Connection.open(), traced on `kafka-wire:connection:open` (result: the Connection). */
export function traceOpen<T>(options: ConnectionOptions, open: () => Promise<T>): Promise<T> {
  if (!channels.connectionOpen.hasSubscribers) return open()
  return traced(channels.connectionOpen, message(options), open)
}

/** The SASL exchange, traced on `kafka-wire:connection:auth`. */
export function traceAuth<T>(o: Resolved, sasl: SaslOptions, authenticate: () => Promise<T>): Promise<T> {
  if (!channels.connectionAuth.hasSubscribers) return authenticate()
  return traced(channels.connectionAuth, message(o, sasl), authenticate)
}

/** Publishes `kafka-wire:connection:close` and counts the close in the client's network metrics. */
export function publishClose(o: Resolved, reason: Error): void {
  o.sensors?.closed(o.nodeId, Date.now())
  if (channels.connectionClose.hasSubscribers) channels.connectionClose.publish({ ...message(o), reason })
}
