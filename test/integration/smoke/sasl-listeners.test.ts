// The SASL listeners authenticate the kit's PLAIN users (SaslHandshake v1 + SaslAuthenticate v0, by hand).
import { readFileSync } from 'node:fs'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { describe, expect, inject, it } from 'vitest'
import { exchange } from './raw-api-versions.js'

const info = inject('kafkaListeners')

function header(apiKey: number, version: number, correlationId: number): Buffer {
  const id = Buffer.from('kafka-wire-smoke')
  const b = Buffer.alloc(10 + id.length)
  b.writeInt16BE(apiKey, 0)
  b.writeInt16BE(version, 2)
  b.writeInt32BE(correlationId, 4)
  b.writeInt16BE(id.length, 8)
  id.copy(b, 10)
  return b
}

function frame(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

function str(s: string): Buffer {
  const b = Buffer.from(s)
  const len = Buffer.alloc(2)
  len.writeInt16BE(b.length)
  return Buffer.concat([len, b])
}

function bytes(b: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeInt32BE(b.length)
  return Buffer.concat([len, b])
}

async function connect(hostPort: string, useTls: boolean): Promise<Duplex> {
  const i = hostPort.lastIndexOf(':')
  const host = hostPort.slice(0, i)
  const port = Number(hostPort.slice(i + 1))
  const socket = useTls
    ? tls.connect({ host, port, ca: readFileSync(info.tls!.caPem), servername: 'localhost' })
    : net.connect({ host, port })
  await new Promise<void>((resolve, reject) => {
    socket.once(useTls ? 'secureConnect' : 'connect', () => resolve())
    socket.once('error', reject)
  })
  return socket
}

/** SaslHandshake v1 for PLAIN, then SaslAuthenticate v0; returns the handshake's mechanisms and the auth error code. */
async function plainLogin(hostPort: string, useTls: boolean, user: string, password: string) {
  const socket = await connect(hostPort, useTls)
  try {
    const hs = await exchange(socket, frame(header(17, 1, 1), str('PLAIN')))
    let o = 4
    expect(hs.readInt32BE(o)).toBe(1) // correlation id
    o += 4
    const handshakeError = hs.readInt16BE(o)
    o += 2
    const mechanisms: string[] = []
    const n = hs.readInt32BE(o)
    o += 4
    for (let i = 0; i < n; i++) {
      const len = hs.readInt16BE(o)
      mechanisms.push(hs.toString('utf8', o + 2, o + 2 + len))
      o += 2 + len
    }
    const token = Buffer.from(`\0${user}\0${password}`)
    const auth = await exchange(socket, frame(header(36, 0, 2), bytes(token)))
    expect(auth.readInt32BE(4)).toBe(2)
    return { handshakeError, mechanisms, authError: auth.readInt16BE(8) }
  } finally {
    socket.destroy()
  }
}

describe.skipIf(!info.sasl)('SASL listeners (PLAIN, by hand)', () => {
  const cases = [
    ['SASL_PLAINTEXT', false],
    ['SASL_SSL', true],
  ] as const
  for (const [listener, useTls] of cases) {
    it(`${listener}: the PLAIN users log in, a wrong password is refused`, async () => {
      const hostPort = info.listeners[listener]!.bootstrapServers.split(',')[0]!
      for (const u of info.sasl!.plainUsers) {
        const ok = await plainLogin(hostPort, useTls, u.name, u.password)
        expect(ok.handshakeError).toBe(0)
        expect(ok.mechanisms.sort()).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])
        expect(ok.authError).toBe(0)
      }
      const bad = await plainLogin(hostPort, useTls, 'alice', 'wrong-password')
      expect(bad.authError).toBe(58) // SASL_AUTHENTICATION_FAILED
    })
  }

  it('lists the default users', () => {
    expect(info.sasl!.plainUsers).toEqual([
      { name: 'admin', password: 'admin-secret' },
      { name: 'alice', password: 'alice-secret' },
    ])
    expect(info.sasl!.scramUsers).toEqual([{ name: 'alice', password: 'alice-secret' }])
  })
})
