import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MailboxRequest {
  register?: Register
  deposit?: Deposit
  fetch?: Fetch
  delete?: Delete
}

export namespace MailboxRequest {
  let _codec: Codec<MailboxRequest>

  export const codec = (): Codec<MailboxRequest> => {
    if (_codec == null) {
      _codec = message<MailboxRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.register != null) {
          w.uint32(10)
          Register.codec().encode(obj.register, w)
        }

        if (obj.deposit != null) {
          w.uint32(18)
          Deposit.codec().encode(obj.deposit, w)
        }

        if (obj.fetch != null) {
          w.uint32(26)
          Fetch.codec().encode(obj.fetch, w)
        }

        if (obj.delete != null) {
          w.uint32(34)
          Delete.codec().encode(obj.delete, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.register = Register.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.register
              })
              break
            }
            case 2: {
              obj.deposit = Deposit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deposit
              })
              break
            }
            case 3: {
              obj.fetch = Fetch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetch
              })
              break
            }
            case 4: {
              obj.delete = Delete.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delete
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
              yield * Register.codec().stream(reader, reader.uint32(), `${prefix}.register`, {
                limits: opts.limits?.register
              })

              break
            }
            case 2: {
              yield * Deposit.codec().stream(reader, reader.uint32(), `${prefix}.deposit`, {
                limits: opts.limits?.deposit
              })

              break
            }
            case 3: {
              yield * Fetch.codec().stream(reader, reader.uint32(), `${prefix}.fetch`, {
                limits: opts.limits?.fetch
              })

              break
            }
            case 4: {
              yield * Delete.codec().stream(reader, reader.uint32(), `${prefix}.delete`, {
                limits: opts.limits?.delete
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

  export interface MailboxRequestRegisterInboxFieldEvent {
    field: '$.register.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestDepositInboxFieldEvent {
    field: '$.deposit.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestDepositBlobFieldEvent {
    field: '$.deposit.blob'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestFetchInboxFieldEvent {
    field: '$.fetch.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestFetchLimitFieldEvent {
    field: '$.fetch.limit'
    value: number
  }

  export interface MailboxRequestDeleteInboxFieldEvent {
    field: '$.delete.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestDeleteIdsFieldEvent {
    field: '$.delete.ids[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<MailboxRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MailboxRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxRequest>): MailboxRequest {
    return decodeMessage(buf, MailboxRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxRequest>): Generator<MailboxRequestRegisterInboxFieldEvent | MailboxRequestDepositInboxFieldEvent | MailboxRequestDepositBlobFieldEvent | MailboxRequestFetchInboxFieldEvent | MailboxRequestFetchLimitFieldEvent | MailboxRequestDeleteInboxFieldEvent | MailboxRequestDeleteIdsFieldEvent> {
    return streamMessage(buf, MailboxRequest.codec(), opts)
  }
}

export interface Register {
  inbox: Uint8Array<ArrayBuffer>
}

export namespace Register {
  let _codec: Codec<Register>

  export const codec = (): Codec<Register> => {
    if (_codec == null) {
      _codec = message<Register>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.inbox != null && obj.inbox.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.inbox)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          inbox: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
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

  export interface RegisterInboxFieldEvent {
    field: '$.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Register>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Register.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Register>): Register {
    return decodeMessage(buf, Register.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Register>): Generator<RegisterInboxFieldEvent> {
    return streamMessage(buf, Register.codec(), opts)
  }
}

export interface Deposit {
  inbox: Uint8Array<ArrayBuffer>
  blob: Uint8Array<ArrayBuffer>
}

export namespace Deposit {
  let _codec: Codec<Deposit>

  export const codec = (): Codec<Deposit> => {
    if (_codec == null) {
      _codec = message<Deposit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.inbox != null && obj.inbox.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.inbox)
        }

        if ((obj.blob != null && obj.blob.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.blob)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          inbox: uint8ArrayAlloc(0),
          blob: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.inbox = reader.bytes()
              break
            }
            case 2: {
              obj.blob = reader.bytes()
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
                field: `${prefix}.inbox`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.blob`,
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

  export interface DepositInboxFieldEvent {
    field: '$.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DepositBlobFieldEvent {
    field: '$.blob'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Deposit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Deposit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Deposit {
    return decodeMessage(buf, Deposit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Generator<DepositInboxFieldEvent | DepositBlobFieldEvent> {
    return streamMessage(buf, Deposit.codec(), opts)
  }
}

export interface Fetch {
  inbox: Uint8Array<ArrayBuffer>
  limit: number
}

export namespace Fetch {
  let _codec: Codec<Fetch>

  export const codec = (): Codec<Fetch> => {
    if (_codec == null) {
      _codec = message<Fetch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.inbox != null && obj.inbox.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.inbox)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(16)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          inbox: uint8ArrayAlloc(0),
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.inbox = reader.bytes()
              break
            }
            case 2: {
              obj.limit = reader.uint32()
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
                field: `${prefix}.inbox`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.limit`,
                value: reader.uint32()
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

  export interface FetchInboxFieldEvent {
    field: '$.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<Fetch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Fetch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Fetch {
    return decodeMessage(buf, Fetch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Generator<FetchInboxFieldEvent | FetchLimitFieldEvent> {
    return streamMessage(buf, Fetch.codec(), opts)
  }
}

export interface Delete {
  inbox: Uint8Array<ArrayBuffer>
  ids: bigint[]
}

export namespace Delete {
  let _codec: Codec<Delete>

  export const codec = (): Codec<Delete> => {
    if (_codec == null) {
      _codec = message<Delete>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.inbox != null && obj.inbox.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.inbox)
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(16)
            w.uint64(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          inbox: uint8ArrayAlloc(0),
          ids: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.inbox = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.uint64())
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
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.inbox`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.uint64()
              }

              obj.ids++

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

  export interface DeleteInboxFieldEvent {
    field: '$.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeleteIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<Delete>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Delete.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delete>): Delete {
    return decodeMessage(buf, Delete.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delete>): Generator<DeleteInboxFieldEvent | DeleteIdsFieldEvent> {
    return streamMessage(buf, Delete.codec(), opts)
  }
}

export enum MailboxStatus {
  OK = 'OK',
  UNKNOWN_INBOX = 'UNKNOWN_INBOX',
  TOO_LARGE = 'TOO_LARGE',
  QUOTA = 'QUOTA',
  NOT_OWNER = 'NOT_OWNER',
  REFUSED = 'REFUSED',
  BAD_REQUEST = 'BAD_REQUEST',
  INTERNAL = 'INTERNAL'
}

enum __MailboxStatusValues {
  OK = 0,
  UNKNOWN_INBOX = 1,
  TOO_LARGE = 2,
  QUOTA = 3,
  NOT_OWNER = 4,
  REFUSED = 5,
  BAD_REQUEST = 6,
  INTERNAL = 7
}

export namespace MailboxStatus {
  export const codec = (): Codec<MailboxStatus> => {
    return enumeration<MailboxStatus>(__MailboxStatusValues)
  }
}

export interface StoredBlob {
  id: bigint
  blob: Uint8Array<ArrayBuffer>
}

export namespace StoredBlob {
  let _codec: Codec<StoredBlob>

  export const codec = (): Codec<StoredBlob> => {
    if (_codec == null) {
      _codec = message<StoredBlob>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0n)) {
          w.uint32(8)
          w.uint64(obj.id)
        }

        if ((obj.blob != null && obj.blob.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.blob)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0n,
          blob: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint64()
              break
            }
            case 2: {
              obj.blob = reader.bytes()
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
                field: `${prefix}.id`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.blob`,
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

  export interface StoredBlobIdFieldEvent {
    field: '$.id'
    value: bigint
  }

  export interface StoredBlobBlobFieldEvent {
    field: '$.blob'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<StoredBlob>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoredBlob.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredBlob>): StoredBlob {
    return decodeMessage(buf, StoredBlob.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredBlob>): Generator<StoredBlobIdFieldEvent | StoredBlobBlobFieldEvent> {
    return streamMessage(buf, StoredBlob.codec(), opts)
  }
}

export interface MailboxResponse {
  status: MailboxStatus
  message: string
  blobs: StoredBlob[]
  more: boolean
}

export namespace MailboxResponse {
  let _codec: Codec<MailboxResponse>

  export const codec = (): Codec<MailboxResponse> => {
    if (_codec == null) {
      _codec = message<MailboxResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __MailboxStatusValues[obj.status] !== 0) {
          w.uint32(8)
          MailboxStatus.codec().encode(obj.status, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (obj.blobs != null && obj.blobs.length > 0) {
          for (const value of obj.blobs) {
            w.uint32(26)
            StoredBlob.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(32)
          w.bool(obj.more)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: MailboxStatus.OK,
          message: '',
          blobs: [],
          more: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = MailboxStatus.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.blobs != null && obj.blobs.length === opts.limits.blobs) {
                throw new MaxLengthError('Decode error - repeated field "blobs" had too many elements')
              }

              obj.blobs.push(StoredBlob.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.blobs$
              }))
              break
            }
            case 4: {
              obj.more = reader.bool()
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
          blobs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: MailboxStatus.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.blobs != null && obj.blobs === opts.limits.blobs) {
                throw new MaxLengthError('Streaming decode error - repeated field "blobs" had too many elements')
              }

              for (const evt of StoredBlob.codec().stream(reader, reader.uint32(), `${prefix}.blobs[]`, {
                limits: opts.limits?.blobs$
              })) {
                yield {
                  ...evt,
                  index: obj.blobs
                }
              }

              obj.blobs++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
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

  export interface MailboxResponseStatusFieldEvent {
    field: '$.status'
    value: MailboxStatus
  }

  export interface MailboxResponseMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface MailboxResponseBlobsIdFieldEvent {
    field: '$.blobs[].id'
    value: bigint
    index: number
  }

  export interface MailboxResponseBlobsBlobFieldEvent {
    field: '$.blobs[].blob'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export function encode (obj: Partial<MailboxResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MailboxResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxResponse>): MailboxResponse {
    return decodeMessage(buf, MailboxResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxResponse>): Generator<MailboxResponseStatusFieldEvent | MailboxResponseMessageFieldEvent | MailboxResponseBlobsIdFieldEvent | MailboxResponseBlobsBlobFieldEvent | MailboxResponseMoreFieldEvent> {
    return streamMessage(buf, MailboxResponse.codec(), opts)
  }
}
