import { defineConfig } from 'vitest/config'

// Two projects: `unit` needs nothing but Node; `integration` talks to a real
// Apache Kafka broker that test/setup/global-broker.ts starts once (or finds
// through KAFKA_BOOTSTRAP_SERVERS) and shares with every integration file.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/protocol/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/fault/**/*.test.ts'],
          globalSetup: ['test/setup/global-broker.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // 2 cores: one broker JVM plus test files; extra clusters are started by fault tests.
          maxWorkers: 2,
        },
      },
    ],
  },
})
