/**
 * The versioned record a relay publishes per accepted delivery
 * (webhook-record.proto): event, delivery id, the raw body, the signature
 * header, the time it was received. Pure: no I/O, no libp2p.
 */
import { ProtocolError } from '../messaging/index.js'
import { isDeliveryId, isEventName, isSignatureHeader } from './github.js'
import { WebhookRecord } from './record-pb.js'

export { WebhookRecord }

/** The record format this code writes and reads. */
export const RECORD_VERSION = 1

/** Bytes a record adds around its body, at most (event, delivery, signature, time, tags). */
export const RECORD_OVERHEAD = 512

export function encodeRecord (r: WebhookRecord): Uint8Array {
  return WebhookRecord.encode(r)
}

/**
 * Decodes a record and checks every field; refuses anything a relay of this
 * version could not have written.
 *
 * @throws {ProtocolError} over the cap (checked before decoding), not a
 * record, an unknown version, or a field that fails its check
 */
export function decodeRecord (data: Uint8Array, maxBodyBytes: number): WebhookRecord {
  if (data.byteLength > maxBodyBytes + RECORD_OVERHEAD) {
    throw new ProtocolError(`webhook record of ${data.byteLength} bytes exceeds the cap of ${maxBodyBytes} bytes of body; raise maxBodyBytes if GitHub really sends bodies this large`)
  }
  let r: WebhookRecord
  try {
    r = WebhookRecord.decode(data)
  } catch (err) {
    throw new ProtocolError('message data is not a webhook record', { cause: err })
  }
  if (r.version !== RECORD_VERSION) {
    throw new ProtocolError(`webhook record version ${r.version} is not supported (this code reads version ${RECORD_VERSION}); run the same p2p-tor version on the relay and the builder`)
  }
  if (!isEventName(r.event)) throw new ProtocolError('webhook record has an invalid event name')
  if (!isDeliveryId(r.delivery)) throw new ProtocolError('webhook record has an invalid delivery id')
  if (!isSignatureHeader(r.signature)) throw new ProtocolError('webhook record has no well-formed X-Hub-Signature-256')
  if (r.body.byteLength === 0) throw new ProtocolError('webhook record has an empty body')
  return r
}
