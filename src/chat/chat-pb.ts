import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChatFrame {
  hello?: Uint8Array<ArrayBuffer>
  deliver?: Uint8Array<ArrayBuffer>
  ack?: Uint8Array<ArrayBuffer>
  refused?: string
}

export namespace ChatFrame {
  let _codec: Codec<ChatFrame>

  export const codec = (): Codec<ChatFrame> => {
    if (_codec == null) {
      _codec = message<ChatFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hello != null) {
          w.uint32(10)
          w.bytes(obj.hello)
        }

        if (obj.deliver != null) {
          w.uint32(18)
          w.bytes(obj.deliver)
        }

        if (obj.ack != null) {
          w.uint32(26)
          w.bytes(obj.ack)
        }

        if (obj.refused != null) {
          w.uint32(34)
          w.string(obj.refused)
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
              obj.hello = reader.bytes()
              break
            }
            case 2: {
              obj.deliver = reader.bytes()
              break
            }
            case 3: {
              obj.ack = reader.bytes()
              break
            }
            case 4: {
              obj.refused = reader.string()
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
                field: `${prefix}.hello`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.deliver`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ack`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.refused`,
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

  export interface ChatFrameHelloFieldEvent {
    field: '$.hello'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatFrameDeliverFieldEvent {
    field: '$.deliver'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatFrameAckFieldEvent {
    field: '$.ack'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatFrameRefusedFieldEvent {
    field: '$.refused'
    value: string
  }

  export function encode (obj: Partial<ChatFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatFrame>): ChatFrame {
    return decodeMessage(buf, ChatFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatFrame>): Generator<ChatFrameHelloFieldEvent | ChatFrameDeliverFieldEvent | ChatFrameAckFieldEvent | ChatFrameRefusedFieldEvent> {
    return streamMessage(buf, ChatFrame.codec(), opts)
  }
}

export enum PayloadKind {
  UNSPECIFIED = 'UNSPECIFIED',
  TEXT = 'TEXT',
  REQUEST = 'REQUEST',
  ACCEPT = 'ACCEPT',
  RECEIPT = 'RECEIPT',
  GROUP_STATE = 'GROUP_STATE',
  GROUP_MESSAGE = 'GROUP_MESSAGE',
  FILE_OFFER = 'FILE_OFFER'
}

enum __PayloadKindValues {
  UNSPECIFIED = 0,
  TEXT = 1,
  REQUEST = 2,
  ACCEPT = 3,
  RECEIPT = 4,
  GROUP_STATE = 5,
  GROUP_MESSAGE = 6,
  FILE_OFFER = 7
}

export namespace PayloadKind {
  export const codec = (): Codec<PayloadKind> => {
    return enumeration<PayloadKind>(__PayloadKindValues)
  }
}

export interface ChatPayload {
  kind: PayloadKind
  text?: string
  invite?: string
  name?: string
  ids: Uint8Array<ArrayBuffer>[]
  read?: boolean
  group?: GroupState
  groupMessage?: GroupMessage
  file?: FileOffer
}

export namespace ChatPayload {
  let _codec: Codec<ChatPayload>

  export const codec = (): Codec<ChatPayload> => {
    if (_codec == null) {
      _codec = message<ChatPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __PayloadKindValues[obj.kind] !== 0) {
          w.uint32(8)
          PayloadKind.codec().encode(obj.kind, w)
        }

        if (obj.text != null) {
          w.uint32(18)
          w.string(obj.text)
        }

        if (obj.invite != null) {
          w.uint32(26)
          w.string(obj.invite)
        }

        if (obj.name != null) {
          w.uint32(34)
          w.string(obj.name)
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (obj.read != null) {
          w.uint32(48)
          w.bool(obj.read)
        }

        if (obj.group != null) {
          w.uint32(58)
          GroupState.codec().encode(obj.group, w)
        }

        if (obj.groupMessage != null) {
          w.uint32(66)
          GroupMessage.codec().encode(obj.groupMessage, w)
        }

        if (obj.file != null) {
          w.uint32(74)
          FileOffer.codec().encode(obj.file, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: PayloadKind.UNSPECIFIED,
          ids: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = PayloadKind.codec().decode(reader)
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.invite = reader.string()
              break
            }
            case 4: {
              obj.name = reader.string()
              break
            }
            case 5: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
              break
            }
            case 6: {
              obj.read = reader.bool()
              break
            }
            case 7: {
              obj.group = GroupState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.group
              })
              break
            }
            case 8: {
              obj.groupMessage = GroupMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.groupMessage
              })
              break
            }
            case 9: {
              obj.file = FileOffer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.file
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
        const obj = {
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: PayloadKind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.invite`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 5: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.read`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield * GroupState.codec().stream(reader, reader.uint32(), `${prefix}.group`, {
                limits: opts.limits?.group
              })

              break
            }
            case 8: {
              yield * GroupMessage.codec().stream(reader, reader.uint32(), `${prefix}.groupMessage`, {
                limits: opts.limits?.groupMessage
              })

              break
            }
            case 9: {
              yield * FileOffer.codec().stream(reader, reader.uint32(), `${prefix}.file`, {
                limits: opts.limits?.file
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

  export interface ChatPayloadKindFieldEvent {
    field: '$.kind'
    value: PayloadKind
  }

  export interface ChatPayloadTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ChatPayloadInviteFieldEvent {
    field: '$.invite'
    value: string
  }

  export interface ChatPayloadNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ChatPayloadIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadReadFieldEvent {
    field: '$.read'
    value: boolean
  }

  export interface ChatPayloadGroupIdFieldEvent {
    field: '$.group.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadGroupNameFieldEvent {
    field: '$.group.name'
    value: string
  }

  export interface ChatPayloadGroupEpochFieldEvent {
    field: '$.group.epoch'
    value: number
  }

  export interface ChatPayloadGroupKeyFieldEvent {
    field: '$.group.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadGroupAdminFieldEvent {
    field: '$.group.admin'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadGroupMembersPeerIdFieldEvent {
    field: '$.group.members[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChatPayloadGroupMembersInviteFieldEvent {
    field: '$.group.members[].invite'
    value: string
    index: number
  }

  export interface ChatPayloadGroupMembersCardFieldEvent {
    field: '$.group.members[].card'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChatPayloadGroupMembersNameFieldEvent {
    field: '$.group.members[].name'
    value: string
    index: number
  }

  export interface ChatPayloadGroupMessageGroupIdFieldEvent {
    field: '$.groupMessage.groupId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadGroupMessageEpochFieldEvent {
    field: '$.groupMessage.epoch'
    value: number
  }

  export interface ChatPayloadGroupMessageNonceFieldEvent {
    field: '$.groupMessage.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadGroupMessageCiphertextFieldEvent {
    field: '$.groupMessage.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadGroupMessageSignatureFieldEvent {
    field: '$.groupMessage.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadFileIdFieldEvent {
    field: '$.file.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatPayloadFileNameFieldEvent {
    field: '$.file.name'
    value: string
  }

  export interface ChatPayloadFileSizeFieldEvent {
    field: '$.file.size'
    value: number
  }

  export interface ChatPayloadFileSha256FieldEvent {
    field: '$.file.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ChatPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatPayload>): ChatPayload {
    return decodeMessage(buf, ChatPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatPayload>): Generator<ChatPayloadKindFieldEvent | ChatPayloadTextFieldEvent | ChatPayloadInviteFieldEvent | ChatPayloadNameFieldEvent | ChatPayloadIdsFieldEvent | ChatPayloadReadFieldEvent | ChatPayloadGroupIdFieldEvent | ChatPayloadGroupNameFieldEvent | ChatPayloadGroupEpochFieldEvent | ChatPayloadGroupKeyFieldEvent | ChatPayloadGroupAdminFieldEvent | ChatPayloadGroupMembersPeerIdFieldEvent | ChatPayloadGroupMembersInviteFieldEvent | ChatPayloadGroupMembersCardFieldEvent | ChatPayloadGroupMembersNameFieldEvent | ChatPayloadGroupMessageGroupIdFieldEvent | ChatPayloadGroupMessageEpochFieldEvent | ChatPayloadGroupMessageNonceFieldEvent | ChatPayloadGroupMessageCiphertextFieldEvent | ChatPayloadGroupMessageSignatureFieldEvent | ChatPayloadFileIdFieldEvent | ChatPayloadFileNameFieldEvent | ChatPayloadFileSizeFieldEvent | ChatPayloadFileSha256FieldEvent> {
    return streamMessage(buf, ChatPayload.codec(), opts)
  }
}

export interface GroupMember {
  peerId: Uint8Array<ArrayBuffer>
  invite: string
  card: Uint8Array<ArrayBuffer>
  name: string
}

export namespace GroupMember {
  let _codec: Codec<GroupMember>

  export const codec = (): Codec<GroupMember> => {
    if (_codec == null) {
      _codec = message<GroupMember>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.invite != null && obj.invite !== '')) {
          w.uint32(18)
          w.string(obj.invite)
        }

        if ((obj.card != null && obj.card.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.card)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(34)
          w.string(obj.name)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          invite: '',
          card: uint8ArrayAlloc(0),
          name: ''
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
              obj.invite = reader.string()
              break
            }
            case 3: {
              obj.card = reader.bytes()
              break
            }
            case 4: {
              obj.name = reader.string()
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
                field: `${prefix}.invite`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.card`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.name`,
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

  export interface GroupMemberPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMemberInviteFieldEvent {
    field: '$.invite'
    value: string
  }

  export interface GroupMemberCardFieldEvent {
    field: '$.card'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMemberNameFieldEvent {
    field: '$.name'
    value: string
  }

  export function encode (obj: Partial<GroupMember>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupMember.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMember>): GroupMember {
    return decodeMessage(buf, GroupMember.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMember>): Generator<GroupMemberPeerIdFieldEvent | GroupMemberInviteFieldEvent | GroupMemberCardFieldEvent | GroupMemberNameFieldEvent> {
    return streamMessage(buf, GroupMember.codec(), opts)
  }
}

export interface GroupState {
  id: Uint8Array<ArrayBuffer>
  name: string
  epoch: number
  key?: Uint8Array<ArrayBuffer>
  admin: Uint8Array<ArrayBuffer>
  members: GroupMember[]
}

export namespace GroupState {
  let _codec: Codec<GroupState>

  export const codec = (): Codec<GroupState> => {
    if (_codec == null) {
      _codec = message<GroupState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.epoch)
        }

        if (obj.key != null) {
          w.uint32(34)
          w.bytes(obj.key)
        }

        if ((obj.admin != null && obj.admin.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.admin)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(50)
            GroupMember.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          name: '',
          epoch: 0,
          admin: uint8ArrayAlloc(0),
          members: []
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
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.epoch = reader.uint64Number()
              break
            }
            case 4: {
              obj.key = reader.bytes()
              break
            }
            case 5: {
              obj.admin = reader.bytes()
              break
            }
            case 6: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(GroupMember.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
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
          members: 0
        }

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
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.admin`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of GroupMember.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

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

  export interface GroupStateIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupStateNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface GroupStateEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GroupStateKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupStateAdminFieldEvent {
    field: '$.admin'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupStateMembersPeerIdFieldEvent {
    field: '$.members[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GroupStateMembersInviteFieldEvent {
    field: '$.members[].invite'
    value: string
    index: number
  }

  export interface GroupStateMembersCardFieldEvent {
    field: '$.members[].card'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GroupStateMembersNameFieldEvent {
    field: '$.members[].name'
    value: string
    index: number
  }

  export function encode (obj: Partial<GroupState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupState>): GroupState {
    return decodeMessage(buf, GroupState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupState>): Generator<GroupStateIdFieldEvent | GroupStateNameFieldEvent | GroupStateEpochFieldEvent | GroupStateKeyFieldEvent | GroupStateAdminFieldEvent | GroupStateMembersPeerIdFieldEvent | GroupStateMembersInviteFieldEvent | GroupStateMembersCardFieldEvent | GroupStateMembersNameFieldEvent> {
    return streamMessage(buf, GroupState.codec(), opts)
  }
}

export interface GroupMessage {
  groupId: Uint8Array<ArrayBuffer>
  epoch: number
  nonce: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace GroupMessage {
  let _codec: Codec<GroupMessage>

  export const codec = (): Codec<GroupMessage> => {
    if (_codec == null) {
      _codec = message<GroupMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.groupId != null && obj.groupId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.groupId)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.epoch)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.nonce)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.ciphertext)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          groupId: uint8ArrayAlloc(0),
          epoch: 0,
          nonce: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.groupId = reader.bytes()
              break
            }
            case 2: {
              obj.epoch = reader.uint64Number()
              break
            }
            case 3: {
              obj.nonce = reader.bytes()
              break
            }
            case 4: {
              obj.ciphertext = reader.bytes()
              break
            }
            case 5: {
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
                field: `${prefix}.groupId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
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

  export interface GroupMessageGroupIdFieldEvent {
    field: '$.groupId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GroupMessageNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): GroupMessage {
    return decodeMessage(buf, GroupMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): Generator<GroupMessageGroupIdFieldEvent | GroupMessageEpochFieldEvent | GroupMessageNonceFieldEvent | GroupMessageCiphertextFieldEvent | GroupMessageSignatureFieldEvent> {
    return streamMessage(buf, GroupMessage.codec(), opts)
  }
}

export interface FileOffer {
  id: Uint8Array<ArrayBuffer>
  name: string
  size: number
  sha256: Uint8Array<ArrayBuffer>
}

export namespace FileOffer {
  let _codec: Codec<FileOffer>

  export const codec = (): Codec<FileOffer> => {
    if (_codec == null) {
      _codec = message<FileOffer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.size)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.sha256)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          name: '',
          size: 0,
          sha256: uint8ArrayAlloc(0)
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
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.size = reader.uint64Number()
              break
            }
            case 4: {
              obj.sha256 = reader.bytes()
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
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sha256`,
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

  export interface FileOfferIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileOfferNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface FileOfferSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface FileOfferSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FileOffer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileOffer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileOffer>): FileOffer {
    return decodeMessage(buf, FileOffer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileOffer>): Generator<FileOfferIdFieldEvent | FileOfferNameFieldEvent | FileOfferSizeFieldEvent | FileOfferSha256FieldEvent> {
    return streamMessage(buf, FileOffer.codec(), opts)
  }
}
