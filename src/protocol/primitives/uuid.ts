/** Kafka Uuids are 16 bytes on the wire and base64url (22 chars, no padding) as text, as Kafka prints them. */
import { ProtocolError } from '../../errors.js'

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

export function uuidFromBytes(buf: Buffer, pos: number): string {
  return buf.toString('base64url', pos, pos + 16)
}

export function uuidToBytes(uuid: string, out: Buffer, pos: number): void {
  if (uuid.length !== 22) throw new ProtocolError(`Invalid Uuid "${uuid}": expected 22 base64url characters`)
  const written = out.write(uuid, pos, 16, 'base64url')
  if (written !== 16) throw new ProtocolError(`Invalid Uuid "${uuid}"`)
}
