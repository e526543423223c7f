/**
 * Test seams: hooks that unit tests and benchmarks use to run a client without a broker. They are
 * symbol-keyed options, so they are not part of any public type, cannot be reached from the
 * package's entry points, and pass the unknown-option check (which looks at string keys only).
 *
 *   new Producer({ bootstrapServers: 'fake:9092', [PRODUCER_CLUSTER]: fakeCluster } as ProducerOptions)
 */

/** Producer option: a stand-in for the Cluster (a `ProducerCluster`, see producer/producer.ts). */
export const PRODUCER_CLUSTER: unique symbol = Symbol('kafka-wire: producer cluster (tests and benchmarks)')
