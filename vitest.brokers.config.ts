import { defineConfig } from 'vitest/config'

// The broker-version matrix (scripts/test-brokers.mjs runs it once per Kafka release): the smoke
// checks of test/brokers against one broker of $KAFKA_VERSION started by test/brokers/setup.ts.
// Not part of `npm test`.
export default defineConfig({
  test: {
    name: 'brokers',
    include: ['test/brokers/**/*.test.ts'],
    globalSetup: ['test/brokers/setup.ts'],
    setupFiles: ['test/setup/broker-logs.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
})
