// Types of the values test/setup/global-broker.ts provides to integration tests.
import type { KafkaClusterInfo } from '../../src/testing/index.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** PLAINTEXT bootstrap servers of the shared cluster, 'host:port[,host:port]'. */
    kafkaBootstrapServers: string
    /** Every listener's bootstrap servers, TLS material paths (CA/client PEM, PKCS#12) and SASL users. */
    kafkaListeners: KafkaClusterInfo
    /** Directory of the Kafka jars for javaTool() ('' if unavailable, e.g. external cluster without Maven). */
    kafkaLibDir: string
    /** Kafka version of the shared cluster ('unknown' for an external cluster without KAFKA_VERSION). */
    kafkaVersion: string
    /** Log file of each broker node (empty for external clusters); see ./broker-logs.ts. */
    kafkaLogPaths: string[]
    /** The broker runs in ZooKeeper mode (the broker-version matrix's 3.x run, test/brokers/setup.ts). */
    kafkaZooKeeper?: boolean
  }
}
