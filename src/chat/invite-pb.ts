import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Invite {
  peerId: Uint8Array<ArrayBuffer>
  onionKey: Uint8Array<ArrayBuffer>
  port: number
  mailbox?: InviteMailbox
}

export namespace Invite {
  let _codec: Codec<Invite>

  export const codec = (): Codec<Invite> => {
    if (_codec == null) {
      _codec = message<Invite>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.onionKey != null && obj.onionKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.onionKey)
        }

        if ((obj.port != null && obj.port !== 0)) {
          w.uint32(24)
          w.uint32(obj.port)
        }

        if (obj.mailbox != null) {
          w.uint32(34)
          InviteMailbox.codec().encode(obj.mailbox, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          onionKey: uint8ArrayAlloc(0),
          port: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              obj.onionKey = reader.bytes()
              break
            }
            case 3: {
              obj.port = reader.uint32()
              break
            }
            case 4: {
              obj.mailbox = InviteMailbox.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.mailbox
              })
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
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.onionKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.port`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield * InviteMailbox.codec().stream(reader, reader.uint32(), `${prefix}.mailbox`, {
                limits: opts.limits?.mailbox
              })

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

  export interface InvitePeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteOnionKeyFieldEvent {
    field: '$.onionKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InvitePortFieldEvent {
    field: '$.port'
    value: number
  }

  export interface InviteMailboxPeerIdFieldEvent {
    field: '$.mailbox.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteMailboxOnionKeyFieldEvent {
    field: '$.mailbox.onionKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteMailboxPortFieldEvent {
    field: '$.mailbox.port'
    value: number
  }

  export interface InviteMailboxInboxFieldEvent {
    field: '$.mailbox.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Invite>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Invite.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Invite {
    return decodeMessage(buf, Invite.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Generator<InvitePeerIdFieldEvent | InviteOnionKeyFieldEvent | InvitePortFieldEvent | InviteMailboxPeerIdFieldEvent | InviteMailboxOnionKeyFieldEvent | InviteMailboxPortFieldEvent | InviteMailboxInboxFieldEvent> {
    return streamMessage(buf, Invite.codec(), opts)
  }
}

export interface InviteMailbox {
  peerId: Uint8Array<ArrayBuffer>
  onionKey: Uint8Array<ArrayBuffer>
  port: number
  inbox: Uint8Array<ArrayBuffer>
}

export namespace InviteMailbox {
  let _codec: Codec<InviteMailbox>

  export const codec = (): Codec<InviteMailbox> => {
    if (_codec == null) {
      _codec = message<InviteMailbox>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.onionKey != null && obj.onionKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.onionKey)
        }

        if ((obj.port != null && obj.port !== 0)) {
          w.uint32(24)
          w.uint32(obj.port)
        }

        if ((obj.inbox != null && obj.inbox.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.inbox)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          onionKey: uint8ArrayAlloc(0),
          port: 0,
          inbox: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              obj.onionKey = reader.bytes()
              break
            }
            case 3: {
              obj.port = reader.uint32()
              break
            }
            case 4: {
              obj.inbox = reader.bytes()
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
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.onionKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.port`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.inbox`,
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

  export interface InviteMailboxPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteMailboxOnionKeyFieldEvent {
    field: '$.onionKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteMailboxPortFieldEvent {
    field: '$.port'
    value: number
  }

  export interface InviteMailboxInboxFieldEvent {
    field: '$.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<InviteMailbox>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, InviteMailbox.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteMailbox>): InviteMailbox {
    return decodeMessage(buf, InviteMailbox.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteMailbox>): Generator<InviteMailboxPeerIdFieldEvent | InviteMailboxOnionKeyFieldEvent | InviteMailboxPortFieldEvent | InviteMailboxInboxFieldEvent> {
    return streamMessage(buf, InviteMailbox.codec(), opts)
  }
}
