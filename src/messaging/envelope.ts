/**
 * The envelope a member puts in a gossipsub message's data (envelope-pb.proto).
 * gossipsub signs the whole data field (StrictSign), so the id, time and
 * content type are covered by the originator's signature. `sealed` is
 * reserved for issue 14's end-to-end encryption: the hub routes, judges and
 * retains an envelope without reading `body`.
 */
import { randomBytes } from 'node:crypto'
import { Envelope } from './envelope-pb.js'
import { ProtocolError } from './errors.js'

export { Envelope }

/** Envelope ids are 16 random bytes; hex on the CLI and in `since`. */
export const ENVELOPE_ID_BYTES = 16

/**
 * Bytes an envelope may add around its payload: the id, time, content type
 * and tags (under 200), or a seal's header and per-recipient key wraps
 * (about 140 bytes each: docs/sealed-envelope.md).
 */
export const ENVELOPE_OVERHEAD = 64 * 1024

export const JSON_CONTENT_TYPE = 'application/json'
export const BYTES_CONTENT_TYPE = 'application/octet-stream'

export function newEnvelope (body: Uint8Array, contentType = BYTES_CONTENT_TYPE, now = Date.now()): Envelope {
  return { id: new Uint8Array(randomBytes(ENVELOPE_ID_BYTES)), time: BigInt(now), contentType: contentType.slice(0, 128), body: new Uint8Array(body) }
}

export function encodeEnvelope (e: Envelope): Uint8Array {
  return Envelope.encode(e)
}

/** Decodes and checks the shape; throws ProtocolError for anything a publisher could not have made. */
export function decodeEnvelope (data: Uint8Array, maxBodyBytes: number): Envelope {
  if (data.byteLength > maxBodyBytes + ENVELOPE_OVERHEAD) throw new ProtocolError(`envelope of ${data.byteLength} bytes exceeds the cap of ${maxBodyBytes} bytes of payload`)
  let e: Envelope
  try {
    e = Envelope.decode(data)
  } catch (err) {
    throw new ProtocolError('message data is not a p2p-tor envelope', { cause: err })
  }
  if (e.id.byteLength !== ENVELOPE_ID_BYTES) throw new ProtocolError(`envelope id must be ${ENVELOPE_ID_BYTES} bytes, got ${e.id.byteLength}`)
  if (e.contentType.length > 128) throw new ProtocolError('envelope content type is longer than 128 characters')
  return e
}

export function idHex (id: Uint8Array): string {
  return Buffer.from(id).toString('hex')
}

/** A bounded set of recently seen ids (insertion order is eviction order). */
export class SeenIds {
  private readonly ids = new Set<string>()
  constructor (private readonly max = 8192) {}

  /** True the first time an id is seen; false for a duplicate. */
  add (id: string): boolean {
    if (this.ids.has(id)) return false
    this.ids.add(id)
    if (this.ids.size > this.max) {
      const oldest = this.ids.values().next().value
      if (oldest != null) this.ids.delete(oldest)
    }
    return true
  }

  has (id: string): boolean {
    return this.ids.has(id)
  }
}
