import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Frame {
  request?: Request
  response?: Response
  history?: History
}

export namespace Frame {
  let _codec: Codec<Frame>

  export const codec = (): Codec<Frame> => {
    if (_codec == null) {
      _codec = message<Frame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.request != null) {
          w.uint32(10)
          Request.codec().encode(obj.request, w)
        }

        if (obj.response != null) {
          w.uint32(18)
          Response.codec().encode(obj.response, w)
        }

        if (obj.history != null) {
          w.uint32(26)
          History.codec().encode(obj.history, w)
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
              obj.request = Request.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.request
              })
              break
            }
            case 2: {
              obj.response = Response.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.response
              })
              break
            }
            case 3: {
              obj.history = History.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.history
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
              yield * Request.codec().stream(reader, reader.uint32(), `${prefix}.request`, {
                limits: opts.limits?.request
              })

              break
            }
            case 2: {
              yield * Response.codec().stream(reader, reader.uint32(), `${prefix}.response`, {
                limits: opts.limits?.response
              })

              break
            }
            case 3: {
              yield * History.codec().stream(reader, reader.uint32(), `${prefix}.history`, {
                limits: opts.limits?.history
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

  export interface FrameRequestIdFieldEvent {
    field: '$.request.id'
    value: bigint
  }

  export interface FrameRequestSubscribeTopicFieldEvent {
    field: '$.request.subscribe.topic'
    value: string
  }

  export interface FrameRequestSubscribeSinceIdFieldEvent {
    field: '$.request.subscribe.sinceId'
    value: string
  }

  export interface FrameRequestSubscribeSinceTimeFieldEvent {
    field: '$.request.subscribe.sinceTime'
    value: bigint
  }

  export interface FrameRequestUnsubscribeTopicFieldEvent {
    field: '$.request.unsubscribe.topic'
    value: string
  }

  export interface FrameRequestPublishIntentTopicFieldEvent {
    field: '$.request.publishIntent.topic'
    value: string
  }

  export interface FrameRequestPublishAckTopicFieldEvent {
    field: '$.request.publishAck.topic'
    value: string
  }

  export interface FrameRequestPublishAckEnvelopeIdFieldEvent {
    field: '$.request.publishAck.envelopeId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameRequestPublishAckTimeoutMsFieldEvent {
    field: '$.request.publishAck.timeoutMs'
    value: number
  }

  export interface FrameRequestRegisterUriFieldEvent {
    field: '$.request.register.uri'
    value: string
  }

  export interface FrameRequestUnregisterUriFieldEvent {
    field: '$.request.unregister.uri'
    value: string
  }

  export interface FrameRequestCallUriFieldEvent {
    field: '$.request.call.uri'
    value: string
  }

  export interface FrameRequestCallDataFieldEvent {
    field: '$.request.call.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameRequestCallTimeoutMsFieldEvent {
    field: '$.request.call.timeoutMs'
    value: number
  }

  export interface FrameRequestCancelCallIdFieldEvent {
    field: '$.request.cancel.callId'
    value: bigint
  }

  export interface FrameRequestInvokeUriFieldEvent {
    field: '$.request.invoke.uri'
    value: string
  }

  export interface FrameRequestInvokeDataFieldEvent {
    field: '$.request.invoke.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameRequestInvokeCallerFieldEvent {
    field: '$.request.invoke.caller'
    value: string
  }

  export interface FrameRequestInvokeTimeoutMsFieldEvent {
    field: '$.request.invoke.timeoutMs'
    value: number
  }

  export interface FrameRequestInterruptInvokeIdFieldEvent {
    field: '$.request.interrupt.invokeId'
    value: bigint
  }

  export interface FrameRequestPutCardCardFieldEvent {
    field: '$.request.putCard.card'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameRequestGetCardPeerFieldEvent {
    field: '$.request.getCard.peer'
    value: string
  }

  export interface FrameRequestWhoHoldsUriFieldEvent {
    field: '$.request.whoHolds.uri'
    value: string
  }

  export interface FrameResponseIdFieldEvent {
    field: '$.response.id'
    value: bigint
  }

  export interface FrameResponseResultFieldEvent {
    field: '$.response.result'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameResponseErrorCodeFieldEvent {
    field: '$.response.error.code'
    value: string
  }

  export interface FrameResponseErrorMessageFieldEvent {
    field: '$.response.error.message'
    value: string
  }

  export interface FrameResponseErrorUriFieldEvent {
    field: '$.response.error.uri'
    value: string
  }

  export interface FrameResponseErrorActionFieldEvent {
    field: '$.response.error.action'
    value: string
  }

  export interface FrameResponseErrorHolderFieldEvent {
    field: '$.response.error.holder'
    value: string
  }

  export interface FrameResponseReplayedFieldEvent {
    field: '$.response.replayed'
    value: number
  }

  export interface FrameHistoryRequestIdFieldEvent {
    field: '$.history.requestId'
    value: bigint
  }

  export interface FrameHistoryTopicFieldEvent {
    field: '$.history.topic'
    value: string
  }

  export interface FrameHistoryFromFieldEvent {
    field: '$.history.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameHistoryDataFieldEvent {
    field: '$.history.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameHistorySeqnoFieldEvent {
    field: '$.history.seqno'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameHistorySignatureFieldEvent {
    field: '$.history.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameHistoryKeyFieldEvent {
    field: '$.history.key'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Frame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Frame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame {
    return decodeMessage(buf, Frame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Generator<FrameRequestIdFieldEvent | FrameRequestSubscribeTopicFieldEvent | FrameRequestSubscribeSinceIdFieldEvent | FrameRequestSubscribeSinceTimeFieldEvent | FrameRequestUnsubscribeTopicFieldEvent | FrameRequestPublishIntentTopicFieldEvent | FrameRequestPublishAckTopicFieldEvent | FrameRequestPublishAckEnvelopeIdFieldEvent | FrameRequestPublishAckTimeoutMsFieldEvent | FrameRequestRegisterUriFieldEvent | FrameRequestUnregisterUriFieldEvent | FrameRequestCallUriFieldEvent | FrameRequestCallDataFieldEvent | FrameRequestCallTimeoutMsFieldEvent | FrameRequestCancelCallIdFieldEvent | FrameRequestInvokeUriFieldEvent | FrameRequestInvokeDataFieldEvent | FrameRequestInvokeCallerFieldEvent | FrameRequestInvokeTimeoutMsFieldEvent | FrameRequestInterruptInvokeIdFieldEvent | FrameRequestPutCardCardFieldEvent | FrameRequestGetCardPeerFieldEvent | FrameRequestWhoHoldsUriFieldEvent | FrameResponseIdFieldEvent | FrameResponseResultFieldEvent | FrameResponseErrorCodeFieldEvent | FrameResponseErrorMessageFieldEvent | FrameResponseErrorUriFieldEvent | FrameResponseErrorActionFieldEvent | FrameResponseErrorHolderFieldEvent | FrameResponseReplayedFieldEvent | FrameHistoryRequestIdFieldEvent | FrameHistoryTopicFieldEvent | FrameHistoryFromFieldEvent | FrameHistoryDataFieldEvent | FrameHistorySeqnoFieldEvent | FrameHistorySignatureFieldEvent | FrameHistoryKeyFieldEvent> {
    return streamMessage(buf, Frame.codec(), opts)
  }
}

export interface Request {
  id: bigint
  subscribe?: Subscribe
  unsubscribe?: Unsubscribe
  publishIntent?: PublishIntent
  publishAck?: PublishAck
  register?: Register
  unregister?: Unregister
  call?: Call
  cancel?: Cancel
  invoke?: Invoke
  interrupt?: Interrupt
  putCard?: PutCard
  getCard?: GetCard
  whoHolds?: WhoHolds
}

export namespace Request {
  let _codec: Codec<Request>

  export const codec = (): Codec<Request> => {
    if (_codec == null) {
      _codec = message<Request>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0n)) {
          w.uint32(8)
          w.uint64(obj.id)
        }

        if (obj.subscribe != null) {
          w.uint32(18)
          Subscribe.codec().encode(obj.subscribe, w)
        }

        if (obj.unsubscribe != null) {
          w.uint32(26)
          Unsubscribe.codec().encode(obj.unsubscribe, w)
        }

        if (obj.publishIntent != null) {
          w.uint32(34)
          PublishIntent.codec().encode(obj.publishIntent, w)
        }

        if (obj.publishAck != null) {
          w.uint32(42)
          PublishAck.codec().encode(obj.publishAck, w)
        }

        if (obj.register != null) {
          w.uint32(50)
          Register.codec().encode(obj.register, w)
        }

        if (obj.unregister != null) {
          w.uint32(58)
          Unregister.codec().encode(obj.unregister, w)
        }

        if (obj.call != null) {
          w.uint32(66)
          Call.codec().encode(obj.call, w)
        }

        if (obj.cancel != null) {
          w.uint32(74)
          Cancel.codec().encode(obj.cancel, w)
        }

        if (obj.invoke != null) {
          w.uint32(82)
          Invoke.codec().encode(obj.invoke, w)
        }

        if (obj.interrupt != null) {
          w.uint32(90)
          Interrupt.codec().encode(obj.interrupt, w)
        }

        if (obj.putCard != null) {
          w.uint32(98)
          PutCard.codec().encode(obj.putCard, w)
        }

        if (obj.getCard != null) {
          w.uint32(106)
          GetCard.codec().encode(obj.getCard, w)
        }

        if (obj.whoHolds != null) {
          w.uint32(114)
          WhoHolds.codec().encode(obj.whoHolds, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0n
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
              obj.subscribe = Subscribe.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.subscribe
              })
              break
            }
            case 3: {
              obj.unsubscribe = Unsubscribe.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.unsubscribe
              })
              break
            }
            case 4: {
              obj.publishIntent = PublishIntent.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.publishIntent
              })
              break
            }
            case 5: {
              obj.publishAck = PublishAck.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.publishAck
              })
              break
            }
            case 6: {
              obj.register = Register.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.register
              })
              break
            }
            case 7: {
              obj.unregister = Unregister.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.unregister
              })
              break
            }
            case 8: {
              obj.call = Call.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.call
              })
              break
            }
            case 9: {
              obj.cancel = Cancel.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.cancel
              })
              break
            }
            case 10: {
              obj.invoke = Invoke.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.invoke
              })
              break
            }
            case 11: {
              obj.interrupt = Interrupt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.interrupt
              })
              break
            }
            case 12: {
              obj.putCard = PutCard.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.putCard
              })
              break
            }
            case 13: {
              obj.getCard = GetCard.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.getCard
              })
              break
            }
            case 14: {
              obj.whoHolds = WhoHolds.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.whoHolds
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
                field: `${prefix}.id`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield * Subscribe.codec().stream(reader, reader.uint32(), `${prefix}.subscribe`, {
                limits: opts.limits?.subscribe
              })

              break
            }
            case 3: {
              yield * Unsubscribe.codec().stream(reader, reader.uint32(), `${prefix}.unsubscribe`, {
                limits: opts.limits?.unsubscribe
              })

              break
            }
            case 4: {
              yield * PublishIntent.codec().stream(reader, reader.uint32(), `${prefix}.publishIntent`, {
                limits: opts.limits?.publishIntent
              })

              break
            }
            case 5: {
              yield * PublishAck.codec().stream(reader, reader.uint32(), `${prefix}.publishAck`, {
                limits: opts.limits?.publishAck
              })

              break
            }
            case 6: {
              yield * Register.codec().stream(reader, reader.uint32(), `${prefix}.register`, {
                limits: opts.limits?.register
              })

              break
            }
            case 7: {
              yield * Unregister.codec().stream(reader, reader.uint32(), `${prefix}.unregister`, {
                limits: opts.limits?.unregister
              })

              break
            }
            case 8: {
              yield * Call.codec().stream(reader, reader.uint32(), `${prefix}.call`, {
                limits: opts.limits?.call
              })

              break
            }
            case 9: {
              yield * Cancel.codec().stream(reader, reader.uint32(), `${prefix}.cancel`, {
                limits: opts.limits?.cancel
              })

              break
            }
            case 10: {
              yield * Invoke.codec().stream(reader, reader.uint32(), `${prefix}.invoke`, {
                limits: opts.limits?.invoke
              })

              break
            }
            case 11: {
              yield * Interrupt.codec().stream(reader, reader.uint32(), `${prefix}.interrupt`, {
                limits: opts.limits?.interrupt
              })

              break
            }
            case 12: {
              yield * PutCard.codec().stream(reader, reader.uint32(), `${prefix}.putCard`, {
                limits: opts.limits?.putCard
              })

              break
            }
            case 13: {
              yield * GetCard.codec().stream(reader, reader.uint32(), `${prefix}.getCard`, {
                limits: opts.limits?.getCard
              })

              break
            }
            case 14: {
              yield * WhoHolds.codec().stream(reader, reader.uint32(), `${prefix}.whoHolds`, {
                limits: opts.limits?.whoHolds
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

  export interface RequestIdFieldEvent {
    field: '$.id'
    value: bigint
  }

  export interface RequestSubscribeTopicFieldEvent {
    field: '$.subscribe.topic'
    value: string
  }

  export interface RequestSubscribeSinceIdFieldEvent {
    field: '$.subscribe.sinceId'
    value: string
  }

  export interface RequestSubscribeSinceTimeFieldEvent {
    field: '$.subscribe.sinceTime'
    value: bigint
  }

  export interface RequestUnsubscribeTopicFieldEvent {
    field: '$.unsubscribe.topic'
    value: string
  }

  export interface RequestPublishIntentTopicFieldEvent {
    field: '$.publishIntent.topic'
    value: string
  }

  export interface RequestPublishAckTopicFieldEvent {
    field: '$.publishAck.topic'
    value: string
  }

  export interface RequestPublishAckEnvelopeIdFieldEvent {
    field: '$.publishAck.envelopeId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestPublishAckTimeoutMsFieldEvent {
    field: '$.publishAck.timeoutMs'
    value: number
  }

  export interface RequestRegisterUriFieldEvent {
    field: '$.register.uri'
    value: string
  }

  export interface RequestUnregisterUriFieldEvent {
    field: '$.unregister.uri'
    value: string
  }

  export interface RequestCallUriFieldEvent {
    field: '$.call.uri'
    value: string
  }

  export interface RequestCallDataFieldEvent {
    field: '$.call.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestCallTimeoutMsFieldEvent {
    field: '$.call.timeoutMs'
    value: number
  }

  export interface RequestCancelCallIdFieldEvent {
    field: '$.cancel.callId'
    value: bigint
  }

  export interface RequestInvokeUriFieldEvent {
    field: '$.invoke.uri'
    value: string
  }

  export interface RequestInvokeDataFieldEvent {
    field: '$.invoke.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestInvokeCallerFieldEvent {
    field: '$.invoke.caller'
    value: string
  }

  export interface RequestInvokeTimeoutMsFieldEvent {
    field: '$.invoke.timeoutMs'
    value: number
  }

  export interface RequestInterruptInvokeIdFieldEvent {
    field: '$.interrupt.invokeId'
    value: bigint
  }

  export interface RequestPutCardCardFieldEvent {
    field: '$.putCard.card'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestGetCardPeerFieldEvent {
    field: '$.getCard.peer'
    value: string
  }

  export interface RequestWhoHoldsUriFieldEvent {
    field: '$.whoHolds.uri'
    value: string
  }

  export function encode (obj: Partial<Request>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Request.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request {
    return decodeMessage(buf, Request.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestIdFieldEvent | RequestSubscribeTopicFieldEvent | RequestSubscribeSinceIdFieldEvent | RequestSubscribeSinceTimeFieldEvent | RequestUnsubscribeTopicFieldEvent | RequestPublishIntentTopicFieldEvent | RequestPublishAckTopicFieldEvent | RequestPublishAckEnvelopeIdFieldEvent | RequestPublishAckTimeoutMsFieldEvent | RequestRegisterUriFieldEvent | RequestUnregisterUriFieldEvent | RequestCallUriFieldEvent | RequestCallDataFieldEvent | RequestCallTimeoutMsFieldEvent | RequestCancelCallIdFieldEvent | RequestInvokeUriFieldEvent | RequestInvokeDataFieldEvent | RequestInvokeCallerFieldEvent | RequestInvokeTimeoutMsFieldEvent | RequestInterruptInvokeIdFieldEvent | RequestPutCardCardFieldEvent | RequestGetCardPeerFieldEvent | RequestWhoHoldsUriFieldEvent> {
    return streamMessage(buf, Request.codec(), opts)
  }
}

export interface Response {
  id: bigint
  result?: Uint8Array<ArrayBuffer>
  error?: Failure
  replayed?: number
}

export namespace Response {
  let _codec: Codec<Response>

  export const codec = (): Codec<Response> => {
    if (_codec == null) {
      _codec = message<Response>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0n)) {
          w.uint32(8)
          w.uint64(obj.id)
        }

        if (obj.result != null) {
          w.uint32(18)
          w.bytes(obj.result)
        }

        if (obj.error != null) {
          w.uint32(26)
          Failure.codec().encode(obj.error, w)
        }

        if (obj.replayed != null) {
          w.uint32(32)
          w.uint32(obj.replayed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0n
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
              obj.result = reader.bytes()
              break
            }
            case 3: {
              obj.error = Failure.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
              })
              break
            }
            case 4: {
              obj.replayed = reader.uint32()
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
                field: `${prefix}.result`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * Failure.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.replayed`,
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

  export interface ResponseIdFieldEvent {
    field: '$.id'
    value: bigint
  }

  export interface ResponseResultFieldEvent {
    field: '$.result'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResponseErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface ResponseErrorMessageFieldEvent {
    field: '$.error.message'
    value: string
  }

  export interface ResponseErrorUriFieldEvent {
    field: '$.error.uri'
    value: string
  }

  export interface ResponseErrorActionFieldEvent {
    field: '$.error.action'
    value: string
  }

  export interface ResponseErrorHolderFieldEvent {
    field: '$.error.holder'
    value: string
  }

  export interface ResponseReplayedFieldEvent {
    field: '$.replayed'
    value: number
  }

  export function encode (obj: Partial<Response>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Response.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Response {
    return decodeMessage(buf, Response.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Generator<ResponseIdFieldEvent | ResponseResultFieldEvent | ResponseErrorCodeFieldEvent | ResponseErrorMessageFieldEvent | ResponseErrorUriFieldEvent | ResponseErrorActionFieldEvent | ResponseErrorHolderFieldEvent | ResponseReplayedFieldEvent> {
    return streamMessage(buf, Response.codec(), opts)
  }
}

export interface Failure {
  code: string
  message: string
  uri?: string
  action?: string
  holder?: string
}

export namespace Failure {
  let _codec: Codec<Failure>

  export const codec = (): Codec<Failure> => {
    if (_codec == null) {
      _codec = message<Failure>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(10)
          w.string(obj.code)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (obj.uri != null) {
          w.uint32(26)
          w.string(obj.uri)
        }

        if (obj.action != null) {
          w.uint32(34)
          w.string(obj.action)
        }

        if (obj.holder != null) {
          w.uint32(42)
          w.string(obj.holder)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = reader.string()
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              obj.uri = reader.string()
              break
            }
            case 4: {
              obj.action = reader.string()
              break
            }
            case 5: {
              obj.holder = reader.string()
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
                value: reader.string()
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
              yield {
                field: `${prefix}.uri`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.action`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.holder`,
                value: reader.string()
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

  export interface FailureCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface FailureMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface FailureUriFieldEvent {
    field: '$.uri'
    value: string
  }

  export interface FailureActionFieldEvent {
    field: '$.action'
    value: string
  }

  export interface FailureHolderFieldEvent {
    field: '$.holder'
    value: string
  }

  export function encode (obj: Partial<Failure>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Failure.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Failure>): Failure {
    return decodeMessage(buf, Failure.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Failure>): Generator<FailureCodeFieldEvent | FailureMessageFieldEvent | FailureUriFieldEvent | FailureActionFieldEvent | FailureHolderFieldEvent> {
    return streamMessage(buf, Failure.codec(), opts)
  }
}

export interface Subscribe {
  topic: string
  sinceId?: string
  sinceTime?: bigint
}

export namespace Subscribe {
  let _codec: Codec<Subscribe>

  export const codec = (): Codec<Subscribe> => {
    if (_codec == null) {
      _codec = message<Subscribe>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.topic != null && obj.topic !== '')) {
          w.uint32(10)
          w.string(obj.topic)
        }

        if (obj.sinceId != null) {
          w.uint32(18)
          w.string(obj.sinceId)
        }

        if (obj.sinceTime != null) {
          w.uint32(24)
          w.uint64(obj.sinceTime)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          topic: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.topic = reader.string()
              break
            }
            case 2: {
              obj.sinceId = reader.string()
              break
            }
            case 3: {
              obj.sinceTime = reader.uint64()
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
                field: `${prefix}.topic`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sinceId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sinceTime`,
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

  export interface SubscribeTopicFieldEvent {
    field: '$.topic'
    value: string
  }

  export interface SubscribeSinceIdFieldEvent {
    field: '$.sinceId'
    value: string
  }

  export interface SubscribeSinceTimeFieldEvent {
    field: '$.sinceTime'
    value: bigint
  }

  export function encode (obj: Partial<Subscribe>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Subscribe.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Subscribe>): Subscribe {
    return decodeMessage(buf, Subscribe.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Subscribe>): Generator<SubscribeTopicFieldEvent | SubscribeSinceIdFieldEvent | SubscribeSinceTimeFieldEvent> {
    return streamMessage(buf, Subscribe.codec(), opts)
  }
}

export interface Unsubscribe {
  topic: string
}

export namespace Unsubscribe {
  let _codec: Codec<Unsubscribe>

  export const codec = (): Codec<Unsubscribe> => {
    if (_codec == null) {
      _codec = message<Unsubscribe>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.topic != null && obj.topic !== '')) {
          w.uint32(10)
          w.string(obj.topic)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          topic: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.topic = reader.string()
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
                field: `${prefix}.topic`,
                value: reader.string()
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

  export interface UnsubscribeTopicFieldEvent {
    field: '$.topic'
    value: string
  }

  export function encode (obj: Partial<Unsubscribe>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Unsubscribe.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Unsubscribe>): Unsubscribe {
    return decodeMessage(buf, Unsubscribe.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Unsubscribe>): Generator<UnsubscribeTopicFieldEvent> {
    return streamMessage(buf, Unsubscribe.codec(), opts)
  }
}

export interface PublishIntent {
  topic: string
}

export namespace PublishIntent {
  let _codec: Codec<PublishIntent>

  export const codec = (): Codec<PublishIntent> => {
    if (_codec == null) {
      _codec = message<PublishIntent>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.topic != null && obj.topic !== '')) {
          w.uint32(10)
          w.string(obj.topic)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          topic: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.topic = reader.string()
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
                field: `${prefix}.topic`,
                value: reader.string()
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

  export interface PublishIntentTopicFieldEvent {
    field: '$.topic'
    value: string
  }

  export function encode (obj: Partial<PublishIntent>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PublishIntent.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishIntent>): PublishIntent {
    return decodeMessage(buf, PublishIntent.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishIntent>): Generator<PublishIntentTopicFieldEvent> {
    return streamMessage(buf, PublishIntent.codec(), opts)
  }
}

export interface PublishAck {
  topic: string
  envelopeId: Uint8Array<ArrayBuffer>
  timeoutMs: number
}

export namespace PublishAck {
  let _codec: Codec<PublishAck>

  export const codec = (): Codec<PublishAck> => {
    if (_codec == null) {
      _codec = message<PublishAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.topic != null && obj.topic !== '')) {
          w.uint32(10)
          w.string(obj.topic)
        }

        if ((obj.envelopeId != null && obj.envelopeId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.envelopeId)
        }

        if ((obj.timeoutMs != null && obj.timeoutMs !== 0)) {
          w.uint32(24)
          w.uint32(obj.timeoutMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          topic: '',
          envelopeId: uint8ArrayAlloc(0),
          timeoutMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.topic = reader.string()
              break
            }
            case 2: {
              obj.envelopeId = reader.bytes()
              break
            }
            case 3: {
              obj.timeoutMs = reader.uint32()
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
                field: `${prefix}.topic`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.envelopeId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timeoutMs`,
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

  export interface PublishAckTopicFieldEvent {
    field: '$.topic'
    value: string
  }

  export interface PublishAckEnvelopeIdFieldEvent {
    field: '$.envelopeId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PublishAckTimeoutMsFieldEvent {
    field: '$.timeoutMs'
    value: number
  }

  export function encode (obj: Partial<PublishAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PublishAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishAck>): PublishAck {
    return decodeMessage(buf, PublishAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishAck>): Generator<PublishAckTopicFieldEvent | PublishAckEnvelopeIdFieldEvent | PublishAckTimeoutMsFieldEvent> {
    return streamMessage(buf, PublishAck.codec(), opts)
  }
}

export interface Register {
  uri: string
}

export namespace Register {
  let _codec: Codec<Register>

  export const codec = (): Codec<Register> => {
    if (_codec == null) {
      _codec = message<Register>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.uri != null && obj.uri !== '')) {
          w.uint32(10)
          w.string(obj.uri)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          uri: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.uri = reader.string()
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
                field: `${prefix}.uri`,
                value: reader.string()
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

  export interface RegisterUriFieldEvent {
    field: '$.uri'
    value: string
  }

  export function encode (obj: Partial<Register>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Register.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Register>): Register {
    return decodeMessage(buf, Register.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Register>): Generator<RegisterUriFieldEvent> {
    return streamMessage(buf, Register.codec(), opts)
  }
}

export interface Unregister {
  uri: string
}

export namespace Unregister {
  let _codec: Codec<Unregister>

  export const codec = (): Codec<Unregister> => {
    if (_codec == null) {
      _codec = message<Unregister>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.uri != null && obj.uri !== '')) {
          w.uint32(10)
          w.string(obj.uri)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          uri: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.uri = reader.string()
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
                field: `${prefix}.uri`,
                value: reader.string()
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

  export interface UnregisterUriFieldEvent {
    field: '$.uri'
    value: string
  }

  export function encode (obj: Partial<Unregister>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Unregister.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Unregister>): Unregister {
    return decodeMessage(buf, Unregister.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Unregister>): Generator<UnregisterUriFieldEvent> {
    return streamMessage(buf, Unregister.codec(), opts)
  }
}

export interface Call {
  uri: string
  data: Uint8Array<ArrayBuffer>
  timeoutMs: number
}

export namespace Call {
  let _codec: Codec<Call>

  export const codec = (): Codec<Call> => {
    if (_codec == null) {
      _codec = message<Call>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.uri != null && obj.uri !== '')) {
          w.uint32(10)
          w.string(obj.uri)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if ((obj.timeoutMs != null && obj.timeoutMs !== 0)) {
          w.uint32(24)
          w.uint32(obj.timeoutMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          uri: '',
          data: uint8ArrayAlloc(0),
          timeoutMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.uri = reader.string()
              break
            }
            case 2: {
              obj.data = reader.bytes()
              break
            }
            case 3: {
              obj.timeoutMs = reader.uint32()
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
                field: `${prefix}.uri`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timeoutMs`,
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

  export interface CallUriFieldEvent {
    field: '$.uri'
    value: string
  }

  export interface CallDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CallTimeoutMsFieldEvent {
    field: '$.timeoutMs'
    value: number
  }

  export function encode (obj: Partial<Call>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Call.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Call>): Call {
    return decodeMessage(buf, Call.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Call>): Generator<CallUriFieldEvent | CallDataFieldEvent | CallTimeoutMsFieldEvent> {
    return streamMessage(buf, Call.codec(), opts)
  }
}

export interface Cancel {
  callId: bigint
}

export namespace Cancel {
  let _codec: Codec<Cancel>

  export const codec = (): Codec<Cancel> => {
    if (_codec == null) {
      _codec = message<Cancel>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.callId != null && obj.callId !== 0n)) {
          w.uint32(8)
          w.uint64(obj.callId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          callId: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.callId = reader.uint64()
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
                field: `${prefix}.callId`,
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

  export interface CancelCallIdFieldEvent {
    field: '$.callId'
    value: bigint
  }

  export function encode (obj: Partial<Cancel>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Cancel.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Cancel {
    return decodeMessage(buf, Cancel.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Generator<CancelCallIdFieldEvent> {
    return streamMessage(buf, Cancel.codec(), opts)
  }
}

export interface Invoke {
  uri: string
  data: Uint8Array<ArrayBuffer>
  caller: string
  timeoutMs: number
}

export namespace Invoke {
  let _codec: Codec<Invoke>

  export const codec = (): Codec<Invoke> => {
    if (_codec == null) {
      _codec = message<Invoke>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.uri != null && obj.uri !== '')) {
          w.uint32(10)
          w.string(obj.uri)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if ((obj.caller != null && obj.caller !== '')) {
          w.uint32(26)
          w.string(obj.caller)
        }

        if ((obj.timeoutMs != null && obj.timeoutMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.timeoutMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          uri: '',
          data: uint8ArrayAlloc(0),
          caller: '',
          timeoutMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.uri = reader.string()
              break
            }
            case 2: {
              obj.data = reader.bytes()
              break
            }
            case 3: {
              obj.caller = reader.string()
              break
            }
            case 4: {
              obj.timeoutMs = reader.uint32()
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
                field: `${prefix}.uri`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.caller`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.timeoutMs`,
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

  export interface InvokeUriFieldEvent {
    field: '$.uri'
    value: string
  }

  export interface InvokeDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InvokeCallerFieldEvent {
    field: '$.caller'
    value: string
  }

  export interface InvokeTimeoutMsFieldEvent {
    field: '$.timeoutMs'
    value: number
  }

  export function encode (obj: Partial<Invoke>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Invoke.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invoke>): Invoke {
    return decodeMessage(buf, Invoke.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invoke>): Generator<InvokeUriFieldEvent | InvokeDataFieldEvent | InvokeCallerFieldEvent | InvokeTimeoutMsFieldEvent> {
    return streamMessage(buf, Invoke.codec(), opts)
  }
}

export interface Interrupt {
  invokeId: bigint
}

export namespace Interrupt {
  let _codec: Codec<Interrupt>

  export const codec = (): Codec<Interrupt> => {
    if (_codec == null) {
      _codec = message<Interrupt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.invokeId != null && obj.invokeId !== 0n)) {
          w.uint32(8)
          w.uint64(obj.invokeId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          invokeId: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.invokeId = reader.uint64()
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
                field: `${prefix}.invokeId`,
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

  export interface InterruptInvokeIdFieldEvent {
    field: '$.invokeId'
    value: bigint
  }

  export function encode (obj: Partial<Interrupt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Interrupt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Interrupt>): Interrupt {
    return decodeMessage(buf, Interrupt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Interrupt>): Generator<InterruptInvokeIdFieldEvent> {
    return streamMessage(buf, Interrupt.codec(), opts)
  }
}

export interface PutCard {
  card: Uint8Array<ArrayBuffer>
}

export namespace PutCard {
  let _codec: Codec<PutCard>

  export const codec = (): Codec<PutCard> => {
    if (_codec == null) {
      _codec = message<PutCard>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.card != null && obj.card.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.card)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          card: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.card = reader.bytes()
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

  export interface PutCardCardFieldEvent {
    field: '$.card'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PutCard>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PutCard.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PutCard>): PutCard {
    return decodeMessage(buf, PutCard.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PutCard>): Generator<PutCardCardFieldEvent> {
    return streamMessage(buf, PutCard.codec(), opts)
  }
}

export interface GetCard {
  peer: string
}

export namespace GetCard {
  let _codec: Codec<GetCard>

  export const codec = (): Codec<GetCard> => {
    if (_codec == null) {
      _codec = message<GetCard>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(10)
          w.string(obj.peer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.string()
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
                field: `${prefix}.peer`,
                value: reader.string()
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

  export interface GetCardPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export function encode (obj: Partial<GetCard>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GetCard.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetCard>): GetCard {
    return decodeMessage(buf, GetCard.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GetCard>): Generator<GetCardPeerFieldEvent> {
    return streamMessage(buf, GetCard.codec(), opts)
  }
}

export interface WhoHolds {
  uri: string
}

export namespace WhoHolds {
  let _codec: Codec<WhoHolds>

  export const codec = (): Codec<WhoHolds> => {
    if (_codec == null) {
      _codec = message<WhoHolds>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.uri != null && obj.uri !== '')) {
          w.uint32(10)
          w.string(obj.uri)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          uri: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.uri = reader.string()
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
                field: `${prefix}.uri`,
                value: reader.string()
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

  export interface WhoHoldsUriFieldEvent {
    field: '$.uri'
    value: string
  }

  export function encode (obj: Partial<WhoHolds>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WhoHolds.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WhoHolds>): WhoHolds {
    return decodeMessage(buf, WhoHolds.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WhoHolds>): Generator<WhoHoldsUriFieldEvent> {
    return streamMessage(buf, WhoHolds.codec(), opts)
  }
}

export interface History {
  requestId: bigint
  topic: string
  from: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
  seqno: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  key: Uint8Array<ArrayBuffer>
}

export namespace History {
  let _codec: Codec<History>

  export const codec = (): Codec<History> => {
    if (_codec == null) {
      _codec = message<History>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.requestId != null && obj.requestId !== 0n)) {
          w.uint32(8)
          w.uint64(obj.requestId)
        }

        if ((obj.topic != null && obj.topic !== '')) {
          w.uint32(18)
          w.string(obj.topic)
        }

        if ((obj.from != null && obj.from.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.from)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.data)
        }

        if ((obj.seqno != null && obj.seqno.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.seqno)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.signature)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.key)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          requestId: 0n,
          topic: '',
          from: uint8ArrayAlloc(0),
          data: uint8ArrayAlloc(0),
          seqno: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          key: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.requestId = reader.uint64()
              break
            }
            case 2: {
              obj.topic = reader.string()
              break
            }
            case 3: {
              obj.from = reader.bytes()
              break
            }
            case 4: {
              obj.data = reader.bytes()
              break
            }
            case 5: {
              obj.seqno = reader.bytes()
              break
            }
            case 6: {
              obj.signature = reader.bytes()
              break
            }
            case 7: {
              obj.key = reader.bytes()
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
                field: `${prefix}.requestId`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.topic`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.from`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.seqno`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.key`,
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

  export interface HistoryRequestIdFieldEvent {
    field: '$.requestId'
    value: bigint
  }

  export interface HistoryTopicFieldEvent {
    field: '$.topic'
    value: string
  }

  export interface HistoryFromFieldEvent {
    field: '$.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistoryDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistorySeqnoFieldEvent {
    field: '$.seqno'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistorySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistoryKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<History>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, History.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<History>): History {
    return decodeMessage(buf, History.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<History>): Generator<HistoryRequestIdFieldEvent | HistoryTopicFieldEvent | HistoryFromFieldEvent | HistoryDataFieldEvent | HistorySeqnoFieldEvent | HistorySignatureFieldEvent | HistoryKeyFieldEvent> {
    return streamMessage(buf, History.codec(), opts)
  }
}
