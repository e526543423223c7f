import { describe, expect, it, vi } from 'vitest'
import { DEBUG_CATEGORIES, debugLine, enableDebug, parseDebugCategories } from '../../../src/diagnostics/debug.js'
import { ConfigError } from '../../../src/errors.js'
import { createLog, silentLog } from '../../../src/internal/log.js'
import { debugSensors } from '../../../src/network/debug.js'
import type { ConnectionSensors } from '../../../src/network/metrics.js'

describe('KAFKA_WIRE_DEBUG categories', () => {
  it('parses names separated by commas or spaces, any case; all is every category; unset is none', () => {
    expect([...parseDebugCategories('group, Protocol fetch')]).toEqual(['group', 'protocol', 'fetch'])
    expect([...parseDebugCategories('all')]).toEqual([...DEBUG_CATEGORIES])
    expect(parseDebugCategories(undefined).size).toBe(0)
    expect(parseDebugCategories(' , ').size).toBe(0)
  })

  it('an unknown name is a ConfigError on KAFKA_WIRE_DEBUG listing the known ones', () => {
    let error: unknown
    try {
      parseDebugCategories('group,cgrp')
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('KAFKA_WIRE_DEBUG')
    expect((error as Error).message).toContain("unknown debug category 'cgrp'")
  })

  it('a client whose logger has no debug method writes its lines to stderr, with a timestamp', () => {
    enableDebug(
      new Set(),
      'no-debug-client',
      createLog({ logger: { info() {}, warn() {}, error() {} } }, 'no-debug-client'),
    )
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      debugLine('group', 'no-debug-client', 'JoinGroup group=g ok in 1.0 ms')
      expect(write).toHaveBeenCalledTimes(1)
      expect(String(write.mock.calls[0]![0])).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z kafka-wire \[group\] client=no-debug-client JoinGroup group=g ok in 1\.0 ms\n$/,
      )
    } finally {
      write.mockRestore()
    }
  })

  it('a client with the default (silent) logger writes its lines to stderr: KAFKA_WIRE_DEBUG needs no logger', () => {
    enableDebug(new Set(), 'default-logger-client', silentLog)
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      debugLine('producer', 'default-logger-client', 'Produce ok in 1.0 ms')
      expect(write).toHaveBeenCalledTimes(1)
      expect(String(write.mock.calls[0]![0])).toContain('kafka-wire [producer] client=default-logger-client Produce ok')
    } finally {
      write.mockRestore()
    }
  })

  it('protocol lines wrap the client sensors, which still count everything', () => {
    const calls: string[] = []
    const inner: ConnectionSensors = {
      opened: (n) => calls.push(`opened ${n}`),
      closed: (n) => calls.push(`closed ${n}`),
      sent: (n, b) => calls.push(`sent ${n} ${b}`),
      received: (n, b) => calls.push(`received ${n} ${b}`),
    }
    expect(debugSensors('c', silentLog, inner, undefined)).toBe(inner)
    expect(debugSensors('c', silentLog, inner, 'group')).toBe(inner)
    const lines: string[] = []
    const logger = { debug: (m: string) => lines.push(m), info() {}, warn() {}, error() {} }
    const sensors = debugSensors('proto-client', createLog({ logger }, 'proto-client'), inner, 'protocol')!
    const request = { api: { name: 'Fetch' }, version: 17, correlationId: 9 }
    sensors.opened(1, 0)
    sensors.sent(1, 120, 1_000, request)
    sensors.received(1, 5_000, 1_007, request)
    sensors.closed(1, 2_000)
    expect(calls).toEqual(['opened 1', 'sent 1 120', 'received 1 5000', 'closed 1'])
    expect(lines).toEqual([
      'kafka-wire [protocol] client=proto-client node=1 → Fetch v17 correlation=9 120 B',
      'kafka-wire [protocol] client=proto-client node=1 ← Fetch v17 correlation=9 5000 B in 7 ms',
    ])
  })

  it('a structured (pino-style) logger gets each line as a record: context object first, then the message', () => {
    const records: unknown[][] = []
    const logger = { debug: (...args: unknown[]) => records.push(args), info() {}, warn() {}, error() {} }
    enableDebug(new Set(), 'structured-client', createLog({ logger, logFormat: 'object' }, 'structured-client'))
    debugLine('group', 'structured-client', 'JoinGroup group=g ok in 1.0 ms', { groupId: 'g', generationId: 3 })
    expect(records).toEqual([
      [
        { clientId: 'structured-client', category: 'group', groupId: 'g', generationId: 3 },
        'kafka-wire [group] JoinGroup group=g ok in 1.0 ms',
      ],
    ])
  })

  it('a logger whose own level drops debug (pino at info) sends the lines to stderr instead', () => {
    const debug = vi.fn()
    const logger = { debug, info() {}, warn() {}, error() {}, isLevelEnabled: (l: string) => l !== 'debug' }
    enableDebug(new Set(), 'info-level-client', createLog({ logger }, 'info-level-client'))
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      debugLine('fetch', 'info-level-client', 'Fetch node=1 ok in 1.0 ms')
      expect(debug).not.toHaveBeenCalled()
      expect(String(write.mock.calls[0]![0])).toContain('kafka-wire [fetch] client=info-level-client Fetch node=1 ok')
    } finally {
      write.mockRestore()
    }
  })
})
