/**
 * Opening a connection, before the Connection exists: the resolved options (defaults, validation,
 * KIP-511 client software name and version) and the socket (TCP connect or TLS handshake, bounded
 * by the setup timeout and the abort signal). connection.ts is the only caller.
 */
import { readFileSync } from 'node:fs'
import * as net from 'node:net'
import { join } from 'node:path'
import tls from 'node:tls'
import { AbortError, AuthenticationError, ConnectionError, TimeoutError } from '../errors.js'
import { type Log, type LogContext, silentLog } from '../internal/log.js'
import { packageRoot } from '../internal/package-root.js'
import type { ConnectionSensors } from './metrics.js'
import type { RequestObserver } from './request-observer.js'
import { isTlsAuthenticationFailure, tlsConnectOptions } from './tls.js'
import type { ConnectionOptions, SaslOptions, Workload } from './types.js'

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
export const DEFAULT_SOCKET_CONNECTION_SETUP_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 5
/** Default bound on a response frame: large enough for any sane fetch.max.bytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
export const CLIENT_SOFTWARE_NAME = 'kafka-wire'

let ownVersion: string | undefined

/** kafka-wire's version from its package.json, made valid for KIP-511 (`[a-zA-Z0-9.-]`). */
export function clientSoftwareVersion(): string {
  if (ownVersion === undefined) {
    try {
      const raw = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version
      ownVersion = sanitizeSoftwareField(String(raw))
    } catch {
      ownVersion = 'unknown'
    }
  }
  return ownVersion
}

/** Brokers reject a name or version not matching `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`. */
export function sanitizeSoftwareField(s: string): string {
  const cleaned = s.replace(/[^a-zA-Z0-9.-]/g, '-').replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '')
  return cleaned === '' ? 'unknown' : cleaned
}

export interface Resolved {
  host: string
  port: number
  nodeId: number
  clientId: string | null
  tls: ConnectionOptions['tls']
  sasl: SaslOptions | undefined
  requestTimeoutMs: number
  setupTimeoutMs: number
  maxInFlight: number
  maxResponseBytes: number
  workload: Workload | undefined
  logger: Log
  signal: AbortSignal | undefined
  softwareName: string
  softwareVersion: string
  requestObserver: RequestObserver | undefined
  sensors: ConnectionSensors | undefined
}

function positiveInt(value: unknown, fallback: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    throw new TypeError(`${name} must be an integer in [1, ${max}], got ${String(value)}`)
  }
  return value
}

export function resolve(o: ConnectionOptions): Resolved {
  if (typeof o.host !== 'string' || o.host === '') throw new TypeError('host must be a non-empty string')
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new TypeError(`invalid port ${o.port}`)
  return {
    host: o.host,
    port: o.port,
    nodeId: o.nodeId ?? -1,
    clientId: o.clientId === undefined ? CLIENT_SOFTWARE_NAME : o.clientId,
    tls: o.tls,
    sasl: o.sasl,
    requestTimeoutMs: positiveInt(o.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs'),
    setupTimeoutMs: positiveInt(
      o.socketConnectionSetupTimeoutMs,
      DEFAULT_SOCKET_CONNECTION_SETUP_TIMEOUT_MS,
      'socketConnectionSetupTimeoutMs',
    ),
    maxInFlight: positiveInt(o.maxInFlightRequests, DEFAULT_MAX_IN_FLIGHT_REQUESTS, 'maxInFlightRequests'),
    maxResponseBytes: positiveInt(o.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, 'maxResponseBytes', 0x7fffffff),
    workload: o.workload,
    logger: o.logger ?? silentLog,
    signal: o.signal,
    softwareName: sanitizeSoftwareField(o.clientSoftwareName ?? CLIENT_SOFTWARE_NAME),
    softwareVersion: sanitizeSoftwareField(o.clientSoftwareVersion ?? clientSoftwareVersion()),
    requestObserver: o.requestObserver,
    sensors: o.sensors,
  }
}

export function usesTls(o: Resolved): boolean {
  return o.tls !== undefined && o.tls !== false
}

/** The onread hooks of a socket (net.connect's and tls.connect's `onread` option). */
export interface DirectReads {
  buffer(): Uint8Array
  callback(bytes: number): boolean
}

/** tls.connect's options with `onread` (Node takes it since 14.18 / 15.1; @types/node does not declare it). */
function tlsWithReads(options: tls.ConnectionOptions, onread: DirectReads): tls.ConnectionOptions {
  const withReads: tls.ConnectionOptions & { onread: DirectReads } = { ...options, onread }
  return withReads
}

/** A log record's broker fields: node id, `host:port`, the connection's workload. */
export function brokerContext(o: Resolved): LogContext {
  return { nodeId: o.nodeId, broker: `${o.host}:${o.port}`, workload: o.workload }
}

export function describeEndpoint(o: { host: string; port: number; nodeId: number }): string {
  return o.nodeId >= 0 ? `broker ${o.nodeId} (${o.host}:${o.port})` : `bootstrap server ${o.host}:${o.port}`
}

export function brokerOf(o: { nodeId: number }): { broker?: number } {
  return o.nodeId >= 0 ? { broker: o.nodeId } : {}
}

/**
 * TCP connect (and TLS handshake), bounded by the setup timeout and the abort signal. The socket
 * reads through `directReads`. A plain TCP socket is returned paused: the caller resumes it once it
 * can handle what they deliver. A TLS socket is not (its handshake needs the reads, and pausing it
 * does not stop onread's deliveries): the caller must expect reads from the moment it resolves.
 */
export function openSocket(o: Resolved, directReads: DirectReads): Promise<net.Socket> {
  const endpoint = describeEndpoint(o)
  return new Promise((resolvePromise, reject) => {
    if (o.signal?.aborted) {
      reject(new AbortError(`Connecting to ${endpoint} was aborted`, { cause: o.signal.reason }))
      return
    }
    const useTls = usesTls(o)
    const socket = useTls
      ? tls.connect(
          tlsWithReads(
            tlsConnectOptions(o.host, o.port, o.tls as Exclude<ConnectionOptions['tls'], false | undefined>),
            directReads,
          ),
        )
      : net.connect({ host: o.host, port: o.port, onread: directReads })
    // A paused socket does not start reading when it connects (net's afterConnect checks isPaused()).
    if (!useTls) socket.pause()
    const ready = useTls ? 'secureConnect' : 'connect'
    const cleanup = () => {
      clearTimeout(timer)
      socket.off(ready, onReady)
      socket.off('error', onError)
      socket.off('close', onClose)
      o.signal?.removeEventListener('abort', onAbort)
    }
    const fail = (err: Error) => {
      cleanup()
      socket.destroy()
      reject(err)
    }
    const onReady = () => {
      cleanup()
      resolvePromise(socket)
    }
    const onError = (err: Error) => {
      fail(
        isTlsAuthenticationFailure(err)
          ? new AuthenticationError(`TLS handshake with ${endpoint} failed: ${err.message}`, {
              cause: err,
              ...brokerOf(o),
            })
          : new ConnectionError(`Cannot connect to ${endpoint}: ${err.message}`, { cause: err, ...brokerOf(o) }),
      )
    }
    const onClose = () => fail(new ConnectionError(`Connection to ${endpoint} closed during setup`, brokerOf(o)))
    const onAbort = () => fail(new AbortError(`Connecting to ${endpoint} was aborted`, { cause: o.signal?.reason }))
    const timer = setTimeout(
      () => fail(new TimeoutError(`Connecting to ${endpoint} timed out after ${o.setupTimeoutMs} ms`, brokerOf(o))),
      o.setupTimeoutMs,
    )
    timer.unref()
    socket.once(ready, onReady)
    socket.once('error', onError)
    socket.once('close', onClose)
    o.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
