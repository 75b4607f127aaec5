/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Get {
  id: Uint8Array<ArrayBuffer>
  offset: bigint
}

export namespace Get {
  let _codec: Codec<Get>

  export const codec = (): Codec<Get> => {
    if (_codec == null) {
      _codec = message<Get>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.offset != null && obj.offset !== 0n)) {
          w.uint32(16)
          w.uint64(obj.offset)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          offset: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.offset = reader.uint64()
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
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.offset`,
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

  export interface GetIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GetOffsetFieldEvent {
    field: '$.offset'
    value: bigint
  }

  export function encode (obj: Partial<Get>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Get.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Get>): Get {
    return decodeMessage(buf, Get.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Get>): Generator<GetIdFieldEvent | GetOffsetFieldEvent> {
    return streamMessage(buf, Get.codec(), opts)
  }
}

export interface Chunk {
  data: Uint8Array<ArrayBuffer>
}

export namespace Chunk {
  let _codec: Codec<Chunk>

  export const codec = (): Codec<Chunk> => {
    if (_codec == null) {
      _codec = message<Chunk>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.data = reader.bytes()
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
                field: `${prefix}.data`,
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

  export interface ChunkDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Chunk>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Chunk.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chunk>): Chunk {
    return decodeMessage(buf, Chunk.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chunk>): Generator<ChunkDataFieldEvent> {
    return streamMessage(buf, Chunk.codec(), opts)
  }
}

export interface End {}

export namespace End {
  let _codec: Codec<End>

  export const codec = (): Codec<End> => {
    if (_codec == null) {
      _codec = message<End>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
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

  export function encode (obj: Partial<End>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, End.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<End>): End {
    return decodeMessage(buf, End.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<End>): Generator<{}> {
    return streamMessage(buf, End.codec(), opts)
  }
}

export interface Refusal {
  code: Refusal.Code
}

export namespace Refusal {
  export enum Code {
    NOT_FOUND = 'NOT_FOUND',
    BAD_OFFSET = 'BAD_OFFSET',
    CHANGED = 'CHANGED',
    BUSY = 'BUSY',
    FAILED = 'FAILED'
  }

  enum __CodeValues {
    NOT_FOUND = 0,
    BAD_OFFSET = 1,
    CHANGED = 2,
    BUSY = 3,
    FAILED = 4
  }

  export namespace Code {
    export const codec = (): Codec<Code> => {
      return enumeration<Code>(__CodeValues)
    }
  }

  let _codec: Codec<Refusal>

  export const codec = (): Codec<Refusal> => {
    if (_codec == null) {
      _codec = message<Refusal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.code != null && __CodeValues[obj.code] !== 0) {
          w.uint32(8)
          Refusal.Code.codec().encode(obj.code, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: Code.NOT_FOUND
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = Refusal.Code.codec().decode(reader)
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
                field: `${prefix}.code`,
                value: Refusal.Code.codec().decode(reader)
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

  export interface RefusalCodeFieldEvent {
    field: '$.code'
    value: Refusal.Code
  }

  export function encode (obj: Partial<Refusal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Refusal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal {
    return decodeMessage(buf, Refusal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalCodeFieldEvent> {
    return streamMessage(buf, Refusal.codec(), opts)
  }
}

export interface Served {
  chunk?: Chunk
  end?: End
  refusal?: Refusal
}

export namespace Served {
  let _codec: Codec<Served>

  export const codec = (): Codec<Served> => {
    if (_codec == null) {
      _codec = message<Served>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.chunk != null) {
          w.uint32(10)
          Chunk.codec().encode(obj.chunk, w)
        }

        if (obj.end != null) {
          w.uint32(18)
          End.codec().encode(obj.end, w)
        }

        if (obj.refusal != null) {
          w.uint32(26)
          Refusal.codec().encode(obj.refusal, w)
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
              obj.chunk = Chunk.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunk
              })
              break
            }
            case 2: {
              obj.end = End.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.end
              })
              break
            }
            case 3: {
              obj.refusal = Refusal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refusal
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
              yield * Chunk.codec().stream(reader, reader.uint32(), `${prefix}.chunk`, {
                limits: opts.limits?.chunk
              })

              break
            }
            case 2: {
              yield * End.codec().stream(reader, reader.uint32(), `${prefix}.end`, {
                limits: opts.limits?.end
              })

              break
            }
            case 3: {
              yield * Refusal.codec().stream(reader, reader.uint32(), `${prefix}.refusal`, {
                limits: opts.limits?.refusal
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

  export interface ServedChunkDataFieldEvent {
    field: '$.chunk.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ServedRefusalCodeFieldEvent {
    field: '$.refusal.code'
    value: Refusal.Code
  }

  export function encode (obj: Partial<Served>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Served.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Served>): Served {
    return decodeMessage(buf, Served.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Served>): Generator<ServedChunkDataFieldEvent | ServedRefusalCodeFieldEvent> {
    return streamMessage(buf, Served.codec(), opts)
  }
}
