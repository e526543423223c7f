/** kafkajs's logLevel, logCreator and logger interface (owner: core). */
export interface KafkaJSLogger {
  info(message: string, extra?: object): void
  error(message: string, extra?: object): void
  warn(message: string, extra?: object): void
  debug(message: string, extra?: object): void
  namespace(namespace: string, logLevel?: number): KafkaJSLogger
  setLogLevel(logLevel: number): void
}
