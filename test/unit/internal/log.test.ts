// The log records of internal/log.ts: the call shape per logFormat (pino detected), levels, the
// text line, and redaction of credentials in contexts, with a real pino writing to memory.
import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import { createLog, formatText, Log, safeContext } from '../../../src/internal/log.js'
import { REDACTED, silentLogger } from '../../../src/internal/logger.js'
import { Producer } from '../../../src/producer/index.js'

/** A pino logger writing its JSON lines into `lines`. */
function memoryPino(level = 'debug') {
  const lines: Record<string, any>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: pino({ level }, stream), lines }
}

function recorder() {
  const calls: { level: string; args: unknown[] }[] = []
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      calls.push({ level, args })
  return { calls, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}

describe('createLog', () => {
  it('a pino logger gets object-first calls; any other logger one text line; logFormat overrides', () => {
    expect(createLog({ logger: pino() }, 'c').format).toBe('object')
    expect(createLog({ logger: console }, 'c').format).toBe('text')
    expect(createLog({ logger: recorder().logger, logFormat: 'meta' }, 'c').format).toBe('meta')
    expect(createLog({ logger: pino(), logFormat: 'text' }, 'c').format).toBe('text')
  })

  it('validates logger, logLevel and logFormat, naming the option', () => {
    const option = (f: () => unknown) => {
      try {
        f()
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError)
        return (err as ConfigError).option
      }
      throw new Error('no error')
    }
    expect(option(() => createLog({ logLevel: 'verbose' }, 'c'))).toBe('logLevel')
    expect(option(() => createLog({ logFormat: 'json' }, 'c'))).toBe('logFormat')
    expect(option(() => createLog({ logger: { info() {} } }, 'c'))).toBe('logger')
    // Registered as client options: a typo gets the closest name.
    expect(option(() => new Producer({ bootstrapServers: 'h:1', logLevl: 'debug' } as never))).toBe('logLevl')
  })
})

describe('Log', () => {
  it("object: (context, msg) with the client's bindings; meta: (msg, context); text: one line", () => {
    const err = new Error('boom')
    for (const [format, expected] of [
      ['object', [{ clientId: 'app', topic: 't', partition: 3, err }, 'kafka-wire producer: send failed']],
      ['meta', ['kafka-wire producer: send failed', { clientId: 'app', topic: 't', partition: 3, err }]],
      ['text', ['kafka-wire producer: send failed: Error: boom (clientId=app topic=t partition=3)']],
    ] as const) {
      const { calls, logger } = recorder()
      createLog({ logger, logFormat: format }, 'app').error(
        { topic: 't', partition: 3, err },
        'kafka-wire producer: send failed',
      )
      expect(calls).toEqual([{ level: 'error', args: expected }])
    }
  })

  it('text: values with spaces or quotes are quoted, objects as JSON, undefined fields left out', () => {
    expect(formatText('m', { reason: 'a b', topic: 't', partitions: ['t-0', 't-1'], n: 1 })).toBe(
      'm (reason="a b" topic=t partitions="[\\"t-0\\",\\"t-1\\"]" n=1)',
    )
    const { calls, logger } = recorder()
    createLog({ logger }, 'c').warn({ topic: undefined, reason: '' }, 'm')
    expect(calls[0]!.args).toEqual(['m (clientId=c reason="")'])
  })

  it("levels: logLevel when given; else the logger's own isLevelEnabled; else info", () => {
    const { calls, logger } = recorder()
    const log = createLog({ logger, logLevel: 'warn' }, 'c')
    log.info({}, 'dropped')
    log.warn({}, 'kept')
    log.error({}, 'kept')
    expect(calls.map((c) => c.level)).toEqual(['warn', 'error'])
    calls.length = 0
    const byDefault = createLog({ logger }, 'c')
    byDefault.debug({}, 'dropped')
    byDefault.info({}, 'kept')
    expect(calls.map((c) => c.level)).toEqual(['info'])
    calls.length = 0
    createLog({ logger, logLevel: 'silent' }, 'c').error({}, 'dropped')
    expect(calls).toEqual([])
    const own = { ...logger, isLevelEnabled: vi.fn((l: string) => l === 'debug') }
    createLog({ logger: own }, 'c').debug({}, 'kept')
    createLog({ logger: own }, 'c').info({}, 'dropped')
    expect(calls.map((c) => c.level)).toEqual(['debug'])
    // No debug method, the silent default: nothing is built.
    expect(createLog({ logger: { info() {}, warn() {}, error() {} }, logLevel: 'debug' }, 'c').enabled('debug')).toBe(
      false,
    )
    expect(new Log(silentLogger).enabled('error')).toBe(false)
  })

  it('child() adds bindings; a record field wins over a binding', () => {
    const { calls, logger } = recorder()
    createLog({ logger, logFormat: 'object' }, 'c')
      .child({ groupId: 'g', generationId: 1 })
      .info({ generationId: 2 }, 'm')
    expect(calls[0]!.args).toEqual([{ clientId: 'c', groupId: 'g', generationId: 2 }, 'm'])
  })

  it('a context never carries a credential: credential-named fields print [redacted], nested ones too', () => {
    const record = safeContext(
      { clientId: 'c' },
      {
        password: 'hunter2',
        token: 'eyJ-secret',
        sasl: { mechanism: 'PLAIN', username: 'u', password: 'hunter2' },
        options: { tls: { key: 'PRIVATE KEY', passphrase: 'pp' } },
        offset: 12n,
        huge: 2n ** 60n,
        err: new Error('e'),
      },
    )
    expect(record).toMatchObject({
      password: REDACTED,
      token: REDACTED,
      sasl: { mechanism: 'PLAIN', username: 'u', password: REDACTED },
      options: { tls: { key: REDACTED, passphrase: REDACTED } },
      offset: 12,
      huge: String(2n ** 60n),
    })
    expect(record.err).toBeInstanceOf(Error)
    const { logger, lines } = memoryPino()
    createLog({ logger }, 'c').warn({ sasl: { mechanism: 'PLAIN', username: 'u', password: 'hunter2' } }, 'm')
    expect(JSON.stringify(lines)).not.toContain('hunter2')
  })

  it('a real pino logger writes JSON lines carrying the context fields and the error as pino serializes err', () => {
    const { logger, lines } = memoryPino('info')
    const log = createLog({ logger }, 'orders-app').child({ groupId: 'g1' })
    const err = Object.assign(new Error('not the leader'), { code: 'NOT_LEADER_OR_FOLLOWER' })
    log.warn(
      { topic: 'orders', partition: 4, generationId: 7, memberId: 'm-1', err },
      'kafka-wire consumer: fetch failed',
    )
    log.debug({ topic: 'orders' }, 'below pino level: dropped')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'kafka-wire consumer: fetch failed',
      clientId: 'orders-app',
      groupId: 'g1',
      topic: 'orders',
      partition: 4,
      generationId: 7,
      memberId: 'm-1',
      err: { type: 'Error', message: 'not the leader', code: 'NOT_LEADER_OR_FOLLOWER' },
    })
    expect(lines[0]!.err.stack).toContain('not the leader')
  })
})
