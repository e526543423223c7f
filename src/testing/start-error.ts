/** The test kit's error for a broker that does not come up (the JVM provider and storage formatting raise it). */

/** Raised when a node fails to start; `bindError` means its ports were taken (worth retrying with new ports). */
export class KafkaStartError extends Error {
  readonly bindError: boolean
  constructor(message: string, bindError = false) {
    super(message)
    this.name = 'KafkaStartError'
    this.bindError = bindError
  }
}
