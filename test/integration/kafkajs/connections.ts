// What the layer's clients open, seen from the connection:open diagnostics channel: the cluster tests
// (consumer-cluster.test.ts, producer-cluster.test.ts) count bootstraps and repeated connections with it.
import dc from 'node:diagnostics_channel'

/** Connections opened by `clientId`, as `nodeId/workload`, from the connection:open channel. */
export function recordConnections(clientId: string): { opened: string[]; stop: () => void } {
  const opened: string[] = []
  const start = dc.channel('tracing:kafka-wire:connection:open:start')
  const onStart = (message: unknown) => {
    const m = message as { clientId: string; nodeId: number; workload?: string }
    if (m.clientId === clientId) opened.push(`${m.nodeId}/${m.workload ?? ''}`)
  }
  start.subscribe(onStart)
  return { opened, stop: () => void start.unsubscribe(onStart) }
}
