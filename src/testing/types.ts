/** Public types of the test kit (kafka-wire/testing). */

/** Client-facing listeners a test can ask for. PLAINTEXT is always on (inter-broker traffic uses it). */
export type SecurityProtocol = 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL'

/** Listener names on a kit broker: the security protocols, plus `MTLS` (SSL with required client certs) when a TLS listener is requested. */
export type ListenerName = SecurityProtocol | 'MTLS'

/** The kit configures PLAIN and SCRAM; other names appear when brokerConfig enables them (e.g. OAUTHBEARER). */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER' | 'GSSAPI'

export type ProviderName = 'external' | 'jvm' | 'testcontainers'

export interface KafkaUser {
  name: string
  password: string
}

export interface StartKafkaOptions {
  /** 1 (default) or 3 combined broker+controller nodes. */
  nodes?: 1 | 3
  /** Apache Kafka version (default `$KAFKA_VERSION`, else the pinned release). */
  version?: string
  /** Listeners besides PLAINTEXT (which is always on). Default `['PLAINTEXT']`. */
  listeners?: SecurityProtocol[]
  /** server.properties overrides, merged last. */
  brokerConfig?: Record<string, string>
  /** SCRAM-SHA-256 and -512 users created at format time. Default alice/alice-secret when a SASL listener is requested. */
  scramUsers?: KafkaUser[]
  /** JVM heap (-Xms/-Xmx) per node in MiB. Default 512 for 1 node, 384 for 3. */
  heapMb?: number
  /** Extra JVM arguments for each broker (e.g. `-XX:TieredStopAtLevel=1` for faster startup; not for benchmarks). */
  jvmArgs?: string[]
  /**
   * Jars or class directories added to each broker's classpath after Kafka's: broker plugins named
   * in brokerConfig, such as a `metric.reporters` class (e.g. buildTelemetryRecorderJar's).
   * JVM provider only (with 'auto' and no KAFKA_BOOTSTRAP_SERVERS it selects it; pass
   * `provider: 'jvm'` to have it anyway); the external and testcontainers providers reject it.
   */
  classpath?: string[]
  /** Default 'auto': `KAFKA_BOOTSTRAP_SERVERS` → external; `KAFKA_PROVIDER`; a Docker engine → testcontainers; else jvm. */
  provider?: 'auto' | ProviderName
  /** Per-node readiness timeout (default `$KAFKA_WIRE_READY_TIMEOUT_MS` or 90 s); a node still using CPU at the deadline gets up to 3× that (overloaded machines). */
  readyTimeoutMs?: number
  /** Keep the cluster directory (logs, data) after stop(). Also `KAFKA_WIRE_KEEP_DIR=1`. */
  keepDir?: boolean
  /** Fixed ports for a single-node cluster (default: free ports picked by the kit). */
  ports?: Partial<Record<ListenerName | 'CONTROLLER', number>>
  /** Use this directory instead of a fresh temp dir (it must be empty or absent). */
  dir?: string
  /** Reuse a formatted-storage template per version/config instead of running StorageTool every time (default true; `KAFKA_WIRE_FORMAT_CACHE=0` disables). */
  formatCache?: boolean
  /** Generate new TLS material for this cluster instead of copying the per-machine cached set (slower: ~5 s of keytool). */
  freshTls?: boolean
  /** Progress messages (default: silent, except the one-time jar download which goes to stderr). */
  log?: (message: string) => void
  /**
   * Make sure share groups (KIP-932) are on: finalizes the share.version feature with FeatureCommand
   * when it is off (Kafka 4.0/4.1; 4.2+ formats with it on). Idempotent, also for external clusters.
   */
  shareGroups?: boolean
}

export interface ListenerInfo {
  /** 'host:port,host:port' of this listener on every node. */
  bootstrapServers: string
  securityProtocol: SecurityProtocol
  /** SASL mechanisms enabled on this listener. */
  saslMechanisms?: SaslMechanism[]
  /** True for the MTLS listener: the broker requires a client certificate. */
  clientAuthRequired?: boolean
}

/** TLS material generated for the cluster (all paths absolute). */
export interface TlsMaterial {
  /** The test CA's certificate (PEM) — `ca` for node:tls. */
  caPem: string
  caPemContent: string
  /** Client certificate (PEM) signed by the CA, for the MTLS listener — `cert` for node:tls. Needs openssl; absent without it. */
  clientCertPem?: string
  /** Client private key (PEM, unencrypted) — `key` for node:tls. Needs openssl; absent without it. */
  clientKeyPem?: string
  /** Client key + certificate chain as PKCS#12 — `pfx` (with `passphrase: password`) for node:tls. */
  clientP12: string
  /** Broker keystore (PKCS#12) and the CA truststore (PKCS#12), e.g. for Java tools. */
  brokerKeystoreP12: string
  truststoreP12: string
  /** Password of every keystore. */
  password: string
  /** Host name in the broker certificate (its SAN also holds IP 127.0.0.1). */
  serverName: string
}

export interface SaslInfo {
  mechanisms: SaslMechanism[]
  /** PLAIN users (in the broker's JAAS config). */
  plainUsers: KafkaUser[]
  /** SCRAM-SHA-256 and SCRAM-SHA-512 users. */
  scramUsers: KafkaUser[]
}

export interface KafkaNodeInfo {
  nodeId: number
  host: string
  /** PLAINTEXT port. */
  port: number
  /** Port of every listener of this node, CONTROLLER included. */
  ports: Partial<Record<ListenerName | 'CONTROLLER', number>>
  /** The node's stdout/stderr log (JVM provider). */
  logPath: string
  dataDir: string
  /** Pid of the running JVM, undefined while stopped. */
  readonly pid: number | undefined
}

/** JSON-serialisable description of a cluster's endpoints and credentials. */
export interface KafkaClusterInfo {
  provider: ProviderName
  version: string
  bootstrapServers: string
  listeners: Partial<Record<ListenerName, ListenerInfo>>
  tls?: Omit<TlsMaterial, 'caPemContent'>
  sasl?: SaslInfo
}

export interface KafkaCluster extends AsyncDisposable {
  readonly provider: ProviderName
  readonly version: string
  /** PLAINTEXT bootstrap servers, 'host:port,host:port'. */
  readonly bootstrapServers: string
  readonly listeners: Partial<Record<ListenerName, ListenerInfo>>
  readonly tls?: TlsMaterial
  readonly sasl?: SaslInfo
  readonly nodes: readonly KafkaNodeInfo[]
  /** Directory of the Kafka jars, for `javaTool` (JVM provider; resolved lazily by `javaTool` otherwise). */
  readonly libDir?: string
  /** The cluster's directory (configs, data, logs, TLS material). */
  readonly dir?: string
  readonly clusterId?: string
  /** Stop every node (SIGKILL, as the data is deleted; SIGTERM with keepDir) and delete the cluster directory unless keepDir. Idempotent. */
  stop(): Promise<void>
  /** SIGKILL a node (crash). */
  kill(nodeId: number): Promise<void>
  /** SIGTERM a node (controlled shutdown) and wait for it to exit. */
  stopNode(nodeId: number): Promise<void>
  /** Start a stopped or killed node again on the same ports and directories; resolves when ready. */
  startNode(nodeId: number): Promise<void>
  /** Path of a node's log file. */
  logPath(nodeId: number): string
  /** The last `lines` lines of a node's log (all nodes if nodeId is omitted). */
  logTail(nodeId?: number, lines?: number): string
}
