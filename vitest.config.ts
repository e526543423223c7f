import { defineConfig } from 'vitest/config'

// Three projects, run one after another (sequence.groupOrder):
// - `unit` needs nothing but Node;
// - `integration` talks to a real Apache Kafka broker that test/setup/global-broker.ts starts
//   once (or finds through KAFKA_BOOTSTRAP_SERVERS) and shares with every integration file;
// - `fault` starts its own clusters (3 nodes, kills, restarts), one file at a time, since each
//   cluster is 3 JVMs on a 2-core machine.
const integrationDefaults = {
  globalSetup: ['test/setup/global-broker.ts'],
  testTimeout: 120_000,
  hookTimeout: 180_000,
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/protocol/**/*.test.ts'],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          ...integrationDefaults,
          // Prints what the shared broker logged while a failing test ran.
          setupFiles: ['test/setup/broker-logs.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'fault',
          include: ['test/fault/**/*.test.ts'],
          ...integrationDefaults,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
