// Smoke test (b): a 3-node cluster — all nodes answer, one is SIGKILLed, the others still
// answer, and startNode brings it back on the same port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JAVA_TOOLS, javaTool, type KafkaCluster, startKafka } from '../../src/testing/index.js'
import { canConnect } from '../../src/testing/ports.js'
import { rawApiVersions } from '../integration/smoke/raw-api-versions.js'

describe('3-node cluster (JVM provider)', () => {
  let cluster: KafkaCluster

  beforeAll(async () => {
    cluster = await startKafka({ nodes: 3, provider: 'jvm' })
  }, 300_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  const answers = async (hostPort: string) => {
    const reply = await rawApiVersions(hostPort)
    expect(reply.errorCode).toBe(0)
    expect(reply.apiKeys.some((k) => k.apiKey === 0)).toBe(true)
    expect(reply.apiKeys.some((k) => k.apiKey === 1)).toBe(true)
  }

  it('starts three nodes that form one cluster', async () => {
    expect(cluster.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3])
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3)
    expect(cluster.bootstrapServers.split(',')).toHaveLength(3)
    for (const n of cluster.nodes) await answers(`${n.host}:${n.port}`)
    // Replication factor 3 needs all three brokers registered with the (shared) controller quorum.
    const r = await javaTool(cluster, JAVA_TOOLS.topicCommand, [
      '--bootstrap-server',
      cluster.bootstrapServers,
      '--create',
      '--topic',
      'rf3',
      '--partitions',
      '3',
      '--replication-factor',
      '3',
    ])
    expect(r.code, r.stdout + r.stderr).toBe(0)
  }, 300_000)

  it('SIGKILL one node: the other two still answer; startNode brings it back', async () => {
    const victim = cluster.nodes[1]!
    const pid = victim.pid!
    await cluster.kill(victim.nodeId)
    expect(() => process.kill(pid, 0)).toThrow()
    expect(victim.pid).toBeUndefined()
    expect(await canConnect(victim.host, victim.port, 500)).toBe(false)
    for (const n of cluster.nodes.filter((x) => x !== victim)) await answers(`${n.host}:${n.port}`)
    // The quorum (2 of 3) still serves metadata writes.
    const r = await javaTool(cluster, JAVA_TOOLS.topicCommand, [
      '--bootstrap-server',
      cluster.nodes
        .filter((x) => x !== victim)
        .map((n) => `${n.host}:${n.port}`)
        .join(','),
      '--create',
      '--topic',
      'while-one-is-down',
      '--partitions',
      '1',
      '--replication-factor',
      '2',
    ])
    expect(r.code, r.stdout + r.stderr).toBe(0)

    await cluster.startNode(victim.nodeId)
    expect(victim.pid).toBeGreaterThan(0)
    expect(victim.pid).not.toBe(pid)
    await answers(`${victim.host}:${victim.port}`)
  }, 300_000)

  it('stopNode is a controlled shutdown (SIGTERM) and the node restarts', async () => {
    const node = cluster.nodes[2]!
    await cluster.stopNode(node.nodeId)
    expect(node.pid).toBeUndefined()
    const log = cluster.logTail(node.nodeId, 200)
    expect(log).toMatch(/shut ?down|Shutting down|stopped/i)
    await cluster.startNode(node.nodeId)
    await answers(`${node.host}:${node.port}`)
  }, 300_000)
})
