// Config fuzzing (issue #19, bad input): every option of every client constructor, given values
// of the wrong type, NaN, negative and huge numbers, empty strings, objects and functions, either
// works or throws a ConfigError naming that option — never a TypeError or RangeError from deep
// inside, never an accepted nonsense value. No I/O happens at construction, so no broker is needed.
import { describe, expect, it } from 'vitest'
import { Admin } from '../../../src/admin/index.js'
import { COMMON_DEFAULTS, COMMON_OPTION_NAMES } from '../../../src/cluster/options.js'
import { CONSUMER_DEFAULTS, CONSUMER_OPTION_NAMES } from '../../../src/consumer/options.js'
import { ConfigError } from '../../../src/errors.js'
import { Consumer } from '../../../src/index.js'
import { Producer } from '../../../src/producer/index.js'
import { PRODUCER_DEFAULTS, PRODUCER_OPTION_NAMES } from '../../../src/producer/options.js'

const BAD: [string, unknown][] = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-1', -1],
  ['1e20', 1e20],
  ['1.5', 1.5],
  ["''", ''],
  ["'abc'", 'abc'],
  ['{}', {}],
  ['[]', []],
  ['true', true],
  ['a function', () => 1],
  ['a bigint', 10n],
]

/** Options whose documented range includes -1 (Java's "never"/"disabled"). */
const MINUS_ONE_OK = new Set(['connectionsMaxIdleMs', 'compressionLevel', 'acks'])

const DEFAULTS: Record<string, unknown> = { ...COMMON_DEFAULTS, ...PRODUCER_DEFAULTS, ...CONSUMER_DEFAULTS }

/** Whether a constructor must refuse `value` for `option`, judged by the type of the option's default. */
function mustRefuse(option: string, value: unknown): boolean {
  const d = DEFAULTS[option]
  if (typeof d === 'number') {
    if (typeof value !== 'number') return !(option === 'acks' && value === 'all')
    if (!Number.isFinite(value) || value > 2 ** 53) return true
    if (value === -1) return !MINUS_ONE_OK.has(option)
    return !Number.isInteger(value)
  }
  if (typeof d === 'boolean') return typeof value !== 'boolean'
  // An empty clientId is valid, as in Java (client.id defaults to "").
  if (typeof d === 'string') return typeof value !== 'string' || (value === '' && option !== 'clientId')
  // Options without a scalar default (tls, sasl, logger, serializers, partitioner, ...): wrong
  // primitive types must be refused; objects, arrays and functions may be the right shape.
  return typeof value === 'number' || typeof value === 'bigint' || value === ''
}

const clients: [string, ReadonlySet<string>, (o: Record<string, unknown>) => { close(): Promise<void> }][] = [
  ['Producer', new Set([...COMMON_OPTION_NAMES, ...PRODUCER_OPTION_NAMES]), (o) => new Producer(o as never)],
  [
    'Consumer',
    new Set([...COMMON_OPTION_NAMES, ...CONSUMER_OPTION_NAMES]),
    (o) => new Consumer({ groupId: 'g', ...o } as never),
  ],
  ['Admin', new Set([...COMMON_OPTION_NAMES, 'defaultApiTimeoutMs']), (o) => new Admin(o as never)],
]

describe.each(clients)('new %s(options)', (_name, names, create) => {
  const options = [...names].filter((n) => n !== 'bootstrapServers')

  it.each(options)('%s: wrong values are a ConfigError naming it, or accepted only when valid', async (option) => {
    const wrong: string[] = []
    for (const [label, value] of BAD) {
      let client: { close(): Promise<void> } | undefined
      try {
        client = create({ bootstrapServers: 'localhost:9092', [option]: value })
      } catch (err) {
        if (!(err instanceof ConfigError)) {
          wrong.push(`${label}: threw ${(err as Error)?.name}: ${(err as Error)?.message}`)
        } else if (err.option !== option && !err.option.startsWith(`${option}.`)) {
          wrong.push(`${label}: ConfigError names ${err.option}`)
        }
        continue
      }
      await client.close()
      if (mustRefuse(option, value)) wrong.push(`${label}: accepted`)
    }
    expect(wrong).toEqual([])
  })

  it('bootstrapServers: missing, empty, malformed or of the wrong type is a ConfigError naming it', () => {
    for (const value of [undefined, '', 'no-port', 'host:99999', ':9092', 42, {}, [], [''], null]) {
      let err: unknown
      try {
        create({ bootstrapServers: value })
      } catch (e) {
        err = e
      }
      expect(err, String(value)).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).option).toBe('bootstrapServers')
    }
  })
})
