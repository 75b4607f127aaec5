import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface KeyCard {
  version: number
  peerId: Uint8Array<ArrayBuffer>
  x25519PublicKey: Uint8Array<ArrayBuffer>
  created: number
  expires?: number
  sequence: number
}

export namespace KeyCard {
  let _codec: Codec<KeyCard>

  export const codec = (): Codec<KeyCard> => {
    if (_codec == null) {
      _codec = message<KeyCard>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.peerId)
        }

        if ((obj.x25519PublicKey != null && obj.x25519PublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.x25519PublicKey)
        }

        if ((obj.created != null && obj.created !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.created)
        }

        if (obj.expires != null) {
          w.uint32(40)
          w.uint64Number(obj.expires)
        }

        if ((obj.sequence != null && obj.sequence !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.sequence)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          peerId: uint8ArrayAlloc(0),
          x25519PublicKey: uint8ArrayAlloc(0),
          created: 0,
          sequence: 0
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
              obj.peerId = reader.bytes()
              break
            }
            case 3: {
              obj.x25519PublicKey = reader.bytes()
              break
            }
            case 4: {
              obj.created = reader.uint64Number()
              break
            }
            case 5: {
              obj.expires = reader.uint64Number()
              break
            }
            case 6: {
              obj.sequence = reader.uint64Number()
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
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.x25519PublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.created`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.expires`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.sequence`,
                value: reader.uint64Number()
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

  export interface KeyCardVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface KeyCardPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyCardX25519PublicKeyFieldEvent {
    field: '$.x25519PublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyCardCreatedFieldEvent {
    field: '$.created'
    value: number
  }

  export interface KeyCardExpiresFieldEvent {
    field: '$.expires'
    value: number
  }

  export interface KeyCardSequenceFieldEvent {
    field: '$.sequence'
    value: number
  }

  export function encode (obj: Partial<KeyCard>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyCard.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyCard>): KeyCard {
    return decodeMessage(buf, KeyCard.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyCard>): Generator<KeyCardVersionFieldEvent | KeyCardPeerIdFieldEvent | KeyCardX25519PublicKeyFieldEvent | KeyCardCreatedFieldEvent | KeyCardExpiresFieldEvent | KeyCardSequenceFieldEvent> {
    return streamMessage(buf, KeyCard.codec(), opts)
  }
}

export interface SignedKeyCard {
  card: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedKeyCard {
  let _codec: Codec<SignedKeyCard>

  export const codec = (): Codec<SignedKeyCard> => {
    if (_codec == null) {
      _codec = message<SignedKeyCard>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.card != null && obj.card.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.card)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          card: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.card = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.card`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
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

  export interface SignedKeyCardCardFieldEvent {
    field: '$.card'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedKeyCardSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedKeyCard>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedKeyCard.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedKeyCard>): SignedKeyCard {
    return decodeMessage(buf, SignedKeyCard.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedKeyCard>): Generator<SignedKeyCardCardFieldEvent | SignedKeyCardSignatureFieldEvent> {
    return streamMessage(buf, SignedKeyCard.codec(), opts)
  }
}

export interface SealWrap {
  recipient: Uint8Array<ArrayBuffer>
  keyId: Uint8Array<ArrayBuffer>
  enc: Uint8Array<ArrayBuffer>
  wrappedKey: Uint8Array<ArrayBuffer>
}

export namespace SealWrap {
  let _codec: Codec<SealWrap>

  export const codec = (): Codec<SealWrap> => {
    if (_codec == null) {
      _codec = message<SealWrap>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.recipient != null && obj.recipient.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.recipient)
        }

        if ((obj.keyId != null && obj.keyId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.keyId)
        }

        if ((obj.enc != null && obj.enc.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.enc)
        }

        if ((obj.wrappedKey != null && obj.wrappedKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.wrappedKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          recipient: uint8ArrayAlloc(0),
          keyId: uint8ArrayAlloc(0),
          enc: uint8ArrayAlloc(0),
          wrappedKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.recipient = reader.bytes()
              break
            }
            case 2: {
              obj.keyId = reader.bytes()
              break
            }
            case 3: {
              obj.enc = reader.bytes()
              break
            }
            case 4: {
              obj.wrappedKey = reader.bytes()
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
                field: `${prefix}.recipient`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.keyId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.enc`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.wrappedKey`,
                value: reader.bytes()
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

  export interface SealWrapRecipientFieldEvent {
    field: '$.recipient'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealWrapKeyIdFieldEvent {
    field: '$.keyId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealWrapEncFieldEvent {
    field: '$.enc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealWrapWrappedKeyFieldEvent {
    field: '$.wrappedKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SealWrap>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SealWrap.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealWrap>): SealWrap {
    return decodeMessage(buf, SealWrap.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealWrap>): Generator<SealWrapRecipientFieldEvent | SealWrapKeyIdFieldEvent | SealWrapEncFieldEvent | SealWrapWrappedKeyFieldEvent> {
    return streamMessage(buf, SealWrap.codec(), opts)
  }
}

export enum SealContextKind {
  UNSPECIFIED = 'UNSPECIFIED',
  TOPIC = 'TOPIC',
  CALL = 'CALL',
  RESULT = 'RESULT',
  CHAT = 'CHAT'
}

enum __SealContextKindValues {
  UNSPECIFIED = 0,
  TOPIC = 1,
  CALL = 2,
  RESULT = 3,
  CHAT = 4
}

export namespace SealContextKind {
  export const codec = (): Codec<SealContextKind> => {
    return enumeration<SealContextKind>(__SealContextKindValues)
  }
}

export interface SealedEnvelope {
  version: number
  kind: SealContextKind
  context: string
  sender: Uint8Array<ArrayBuffer>
  senderKeyId: Uint8Array<ArrayBuffer>
  id: Uint8Array<ArrayBuffer>
  wraps: SealWrap[]
  ciphertext: Uint8Array<ArrayBuffer>
}

export namespace SealedEnvelope {
  let _codec: Codec<SealedEnvelope>

  export const codec = (): Codec<SealedEnvelope> => {
    if (_codec == null) {
      _codec = message<SealedEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.kind != null && __SealContextKindValues[obj.kind] !== 0) {
          w.uint32(16)
          SealContextKind.codec().encode(obj.kind, w)
        }

        if ((obj.context != null && obj.context !== '')) {
          w.uint32(26)
          w.string(obj.context)
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.sender)
        }

        if ((obj.senderKeyId != null && obj.senderKeyId.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.senderKeyId)
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.id)
        }

        if (obj.wraps != null && obj.wraps.length > 0) {
          for (const value of obj.wraps) {
            w.uint32(58)
            SealWrap.codec().encode(value, w)
          }
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: SealContextKind.UNSPECIFIED,
          context: '',
          sender: uint8ArrayAlloc(0),
          senderKeyId: uint8ArrayAlloc(0),
          id: uint8ArrayAlloc(0),
          wraps: [],
          ciphertext: uint8ArrayAlloc(0)
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
              obj.kind = SealContextKind.codec().decode(reader)
              break
            }
            case 3: {
              obj.context = reader.string()
              break
            }
            case 4: {
              obj.sender = reader.bytes()
              break
            }
            case 5: {
              obj.senderKeyId = reader.bytes()
              break
            }
            case 6: {
              obj.id = reader.bytes()
              break
            }
            case 7: {
              if (opts.limits?.wraps != null && obj.wraps.length === opts.limits.wraps) {
                throw new MaxLengthError('Decode error - repeated field "wraps" had too many elements')
              }

              obj.wraps.push(SealWrap.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.wraps$
              }))
              break
            }
            case 8: {
              obj.ciphertext = reader.bytes()
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
        const obj = {
          wraps: 0
        }

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
                field: `${prefix}.kind`,
                value: SealContextKind.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.context`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.senderKeyId`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              if (opts.limits?.wraps != null && obj.wraps === opts.limits.wraps) {
                throw new MaxLengthError('Streaming decode error - repeated field "wraps" had too many elements')
              }

              for (const evt of SealWrap.codec().stream(reader, reader.uint32(), `${prefix}.wraps[]`, {
                limits: opts.limits?.wraps$
              })) {
                yield {
                  ...evt,
                  index: obj.wraps
                }
              }

              obj.wraps++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
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

  export interface SealedEnvelopeVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SealedEnvelopeKindFieldEvent {
    field: '$.kind'
    value: SealContextKind
  }

  export interface SealedEnvelopeContextFieldEvent {
    field: '$.context'
    value: string
  }

  export interface SealedEnvelopeSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedEnvelopeSenderKeyIdFieldEvent {
    field: '$.senderKeyId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedEnvelopeIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedEnvelopeWrapsRecipientFieldEvent {
    field: '$.wraps[].recipient'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SealedEnvelopeWrapsKeyIdFieldEvent {
    field: '$.wraps[].keyId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SealedEnvelopeWrapsEncFieldEvent {
    field: '$.wraps[].enc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SealedEnvelopeWrapsWrappedKeyFieldEvent {
    field: '$.wraps[].wrappedKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SealedEnvelopeCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SealedEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SealedEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedEnvelope>): SealedEnvelope {
    return decodeMessage(buf, SealedEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedEnvelope>): Generator<SealedEnvelopeVersionFieldEvent | SealedEnvelopeKindFieldEvent | SealedEnvelopeContextFieldEvent | SealedEnvelopeSenderFieldEvent | SealedEnvelopeSenderKeyIdFieldEvent | SealedEnvelopeIdFieldEvent | SealedEnvelopeWrapsRecipientFieldEvent | SealedEnvelopeWrapsKeyIdFieldEvent | SealedEnvelopeWrapsEncFieldEvent | SealedEnvelopeWrapsWrappedKeyFieldEvent | SealedEnvelopeCiphertextFieldEvent> {
    return streamMessage(buf, SealedEnvelope.codec(), opts)
  }
}

export interface SealKeyFile {
  version: number
  keys: SealKeyEntry[]
}

export namespace SealKeyFile {
  let _codec: Codec<SealKeyFile>

  export const codec = (): Codec<SealKeyFile> => {
    if (_codec == null) {
      _codec = message<SealKeyFile>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.keys != null && obj.keys.length > 0) {
          for (const value of obj.keys) {
            w.uint32(18)
            SealKeyEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          keys: []
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
              if (opts.limits?.keys != null && obj.keys.length === opts.limits.keys) {
                throw new MaxLengthError('Decode error - repeated field "keys" had too many elements')
              }

              obj.keys.push(SealKeyEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.keys$
              }))
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
        const obj = {
          keys: 0
        }

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
              if (opts.limits?.keys != null && obj.keys === opts.limits.keys) {
                throw new MaxLengthError('Streaming decode error - repeated field "keys" had too many elements')
              }

              for (const evt of SealKeyEntry.codec().stream(reader, reader.uint32(), `${prefix}.keys[]`, {
                limits: opts.limits?.keys$
              })) {
                yield {
                  ...evt,
                  index: obj.keys
                }
              }

              obj.keys++

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

  export interface SealKeyFileVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SealKeyFileKeysPrivateKeyFieldEvent {
    field: '$.keys[].privateKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SealKeyFileKeysCreatedFieldEvent {
    field: '$.keys[].created'
    value: number
    index: number
  }

  export interface SealKeyFileKeysExpiresFieldEvent {
    field: '$.keys[].expires'
    value: number
    index: number
  }

  export function encode (obj: Partial<SealKeyFile>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SealKeyFile.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealKeyFile>): SealKeyFile {
    return decodeMessage(buf, SealKeyFile.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealKeyFile>): Generator<SealKeyFileVersionFieldEvent | SealKeyFileKeysPrivateKeyFieldEvent | SealKeyFileKeysCreatedFieldEvent | SealKeyFileKeysExpiresFieldEvent> {
    return streamMessage(buf, SealKeyFile.codec(), opts)
  }
}

export interface SealKeyEntry {
  privateKey: Uint8Array<ArrayBuffer>
  created: number
  expires?: number
}

export namespace SealKeyEntry {
  let _codec: Codec<SealKeyEntry>

  export const codec = (): Codec<SealKeyEntry> => {
    if (_codec == null) {
      _codec = message<SealKeyEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.privateKey != null && obj.privateKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.privateKey)
        }

        if ((obj.created != null && obj.created !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.created)
        }

        if (obj.expires != null) {
          w.uint32(24)
          w.uint64Number(obj.expires)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          privateKey: uint8ArrayAlloc(0),
          created: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.privateKey = reader.bytes()
              break
            }
            case 2: {
              obj.created = reader.uint64Number()
              break
            }
            case 3: {
              obj.expires = reader.uint64Number()
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
                field: `${prefix}.privateKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.created`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expires`,
                value: reader.uint64Number()
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

  export interface SealKeyEntryPrivateKeyFieldEvent {
    field: '$.privateKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealKeyEntryCreatedFieldEvent {
    field: '$.created'
    value: number
  }

  export interface SealKeyEntryExpiresFieldEvent {
    field: '$.expires'
    value: number
  }

  export function encode (obj: Partial<SealKeyEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SealKeyEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealKeyEntry>): SealKeyEntry {
    return decodeMessage(buf, SealKeyEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealKeyEntry>): Generator<SealKeyEntryPrivateKeyFieldEvent | SealKeyEntryCreatedFieldEvent | SealKeyEntryExpiresFieldEvent> {
    return streamMessage(buf, SealKeyEntry.codec(), opts)
  }
}
