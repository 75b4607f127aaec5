import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface WebhookRecord {
  version: number
  event: string
  delivery: string
  body: Uint8Array<ArrayBuffer>
  signature: string
  receivedAt: bigint
}

export namespace WebhookRecord {
  let _codec: Codec<WebhookRecord>

  export const codec = (): Codec<WebhookRecord> => {
    if (_codec == null) {
      _codec = message<WebhookRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.event != null && obj.event !== '')) {
          w.uint32(18)
          w.string(obj.event)
        }

        if ((obj.delivery != null && obj.delivery !== '')) {
          w.uint32(26)
          w.string(obj.delivery)
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature !== '')) {
          w.uint32(42)
          w.string(obj.signature)
        }

        if ((obj.receivedAt != null && obj.receivedAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.receivedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          event: '',
          delivery: '',
          body: uint8ArrayAlloc(0),
          signature: '',
          receivedAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.event = reader.string()
              break
            }
            case 3: {
              obj.delivery = reader.string()
              break
            }
            case 4: {
              obj.body = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.string()
              break
            }
            case 6: {
              obj.receivedAt = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.event`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.delivery`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.receivedAt`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WebhookRecordVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface WebhookRecordEventFieldEvent {
    field: '$.event'
    value: string
  }

  export interface WebhookRecordDeliveryFieldEvent {
    field: '$.delivery'
    value: string
  }

  export interface WebhookRecordBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WebhookRecordSignatureFieldEvent {
    field: '$.signature'
    value: string
  }

  export interface WebhookRecordReceivedAtFieldEvent {
    field: '$.receivedAt'
    value: bigint
  }

  export function encode (obj: Partial<WebhookRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WebhookRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WebhookRecord>): WebhookRecord {
    return decodeMessage(buf, WebhookRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WebhookRecord>): Generator<WebhookRecordVersionFieldEvent | WebhookRecordEventFieldEvent | WebhookRecordDeliveryFieldEvent | WebhookRecordBodyFieldEvent | WebhookRecordSignatureFieldEvent | WebhookRecordReceivedAtFieldEvent> {
    return streamMessage(buf, WebhookRecord.codec(), opts)
  }
}
