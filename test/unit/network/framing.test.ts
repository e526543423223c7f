import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../../src/errors.js'
import { FrameDecoder } from '../../../src/network/framing.js'

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(payload.length)
  return Buffer.concat([size, payload])
}

describe('FrameDecoder', () => {
  const a = frame(Buffer.from('00000001hello', 'utf8'))
  const b = frame(Buffer.from('00000002world!!', 'utf8'))
  const stream = Buffer.concat([a, b])

  it('returns whole frames without the size prefix', () => {
    const d = new FrameDecoder(1024)
    const frames = d.push(stream)
    expect(frames.map((f) => f.toString())).toEqual(['00000001hello', '00000002world!!'])
    expect(d.partial).toBe(false)
  })

  it('handles every split of the stream, including inside the length prefix', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const d = new FrameDecoder(1024)
        const out = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i, j)), ...d.push(stream.subarray(j))]
        expect(out.map((f) => f.toString())).toEqual(['00000001hello', '00000002world!!'])
      }
    }
  })

  it('byte by byte', () => {
    const d = new FrameDecoder(1024)
    const out: Buffer[] = []
    for (const byte of stream) out.push(...d.push(Buffer.from([byte])))
    expect(out).toHaveLength(2)
  })

  it('reports a partial frame and its size', () => {
    const d = new FrameDecoder(1024)
    d.push(a.subarray(0, 6))
    expect(d.partial).toBe(true)
    expect(d.pendingFrameSize).toBe(13)
  })

  it('fails at once on a length prefix above the maximum (2 GB), before receiving the frame', () => {
    const d = new FrameDecoder(256 * 1024 * 1024)
    const prefix = Buffer.from([0x7f, 0xff, 0xff, 0xff])
    expect(() => d.push(prefix)).toThrow(ProtocolError)
    expect(() => new FrameDecoder(100).push(frame(Buffer.alloc(101)))).toThrow(/exceeds maxResponseBytes 100/)
  })

  it('fails on a negative or too short length', () => {
    expect(() => new FrameDecoder(100).push(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(/Invalid response size -2/)
    expect(() => new FrameDecoder(100).push(Buffer.from([0, 0, 0, 2, 1, 2]))).toThrow(/Invalid response size 2/)
  })

  it('returns the frames completed before an invalid prefix, then fails', () => {
    const d = new FrameDecoder(100)
    const frames = d.push(Buffer.concat([a, Buffer.from([0xff, 0xff, 0xff, 0xfe]), b]))
    expect(frames.map((f) => f.toString())).toEqual(['00000001hello'])
    expect(d.error).toBeInstanceOf(ProtocolError)
    expect(d.error?.message).toMatch(/Invalid response size -2/)
    // The stream cannot be resynchronised: every later push fails with the same error.
    expect(() => d.push(b)).toThrow(/Invalid response size -2/)
  })

  it('holds only the bytes received for an incomplete large frame', () => {
    const d = new FrameDecoder(256 * 1024 * 1024)
    const before = process.memoryUsage().arrayBuffers
    const prefix = Buffer.alloc(4)
    prefix.writeInt32BE(200 * 1024 * 1024)
    d.push(prefix)
    d.push(Buffer.alloc(10))
    expect(d.bufferedBytes).toBe(14)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10 * 1024 * 1024)
  })
  it('detachPendingFrame hands over the frame being received in a buffer of its size, and the decoder goes on after it', () => {
    const d = new FrameDecoder(1024)
    expect(() => d.detachPendingFrame()).toThrow(/no frame is being received/)
    const big = frame(Buffer.from('00000003abcdefghijklmnopqrstuvwxyz', 'utf8'))
    d.push(big.subarray(0, 6))
    d.push(big.subarray(6, 10))
    const { frame: detached, filled } = d.detachPendingFrame()
    expect(detached.length).toBe(34)
    expect(filled).toBe(6)
    expect(detached.subarray(0, filled).toString()).toBe('000000')
    expect(d.partial).toBe(false)
    expect(d.push(a).map((f) => f.toString())).toEqual(['00000001hello'])
  })
})
