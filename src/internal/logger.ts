/**
 * The Logger every layer writes to, a silent default logger, and redaction of credentials.
 *
 * kafka-wire never hands a password, token, private key or JAAS line to a logger or puts one in an
 * error message. Objects that hold credentials (resolved options, SASL and TLS settings, clients)
 * carry a `util.inspect.custom` method built from `redact()`, so that `console.log(client)` or a
 * logger that inspects its arguments shows `[redacted]` instead.
 */

/**
 * The logger an application gives kafka-wire (the `logger` option). `console`, pino, winston and
 * bunyan all satisfy it; `debug` is optional. kafka-wire calls it in the shape the `logFormat`
 * option names (internal/log.ts): `(context, msg)` for pino, `(msg, context)`, or one string.
 * kafka-wire never passes credentials to it.
 */
export interface Logger {
  debug?(msg: string, ...args: unknown[]): void
  info(msg: string, ...args: unknown[]): void
  warn(msg: string, ...args: unknown[]): void
  error(msg: string, ...args: unknown[]): void
}

export const REDACTED = '[redacted]'

/** A logger that drops everything (the default: a library should be quiet unless asked). */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})

const SENSITIVE = /pass(word|phrase)?|secret|token|credential|^key$|private|jaas|auth(bytes)?$|^pfx$/i

/** Whether a property of this name holds a credential. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.test(key)
}

/**
 * A deep copy of `value` with every credential-bearing property replaced by `[redacted]`
 * (functions are shown as `[function]`). Safe to log.
 */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' ? '[function]' : value
  }
  if (Buffer.isBuffer(value)) return `<Buffer ${value.length} bytes>`
  if (seen.has(value)) return '[circular]'
  seen.add(value)
  if (Array.isArray(value)) return value.map((v) => redact(v, seen))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = v !== undefined && v !== null && isSensitiveKey(k) ? REDACTED : redact(v, seen)
  }
  return out
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')

/**
 * Gives `obj` a non-enumerable `util.inspect.custom` method showing the redacted copy. Non-enumerable
 * and symbol-keyed, so spreading, JSON and structured cloning (to a worker thread) are unaffected.
 */
export function redactOnInspect<T extends object>(obj: T, name?: string): T {
  Object.defineProperty(obj, inspectSymbol, {
    value(_depth: number, options: object, inspect: (v: unknown, o: object) => string) {
      const body = inspect(redact({ ...obj }), options)
      return name === undefined ? body : `${name} ${body}`
    },
    enumerable: false,
    configurable: true,
    writable: true,
  })
  return obj
}
