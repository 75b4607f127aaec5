/**
 * Sealed envelopes: a payload only the chosen recipients can open, from a
 * sender they can authenticate, bound to one topic or URI. The format and its
 * overhead are in docs/sealed-envelope.md; in short (like age's header and
 * payload, with HPKE doing the per-recipient part):
 *
 * 1. A random 32-byte content key K, one per message.
 * 2. The sealed content, time ‖ seq ‖ length ‖ payload ‖ padding, encrypted
 *    ONCE with ChaCha20-Poly1305 under K, nonce zero, AAD = the header below.
 *    node:crypto's 'chacha20-poly1305' (OpenSSL; RFC 8439, the AEAD
 *    @hpke/chacha20poly1305 implements) is called directly: HPKE's AEAD is
 *    only reachable inside an HPKE context, and this key is not one. It gives
 *    the same bytes as @noble/ciphers (the checked-in vectors prove it) at
 *    0.4 ms/MiB instead of 23–40 (bench/seal.ts). K is fresh and used for exactly one
 *    encryption, so the fixed nonce can never repeat under a key (age's
 *    payload key is used with a fixed nonce schedule for the same reason).
 * 3. K wrapped per recipient with HPKE (RFC 9180) in Auth mode, from the
 *    sender's static X25519 key: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 *    ChaCha20-Poly1305, from @hpke/*. Each wrap's AAD is the header plus
 *    SHA-256 of the payload ciphertext. That hash matters: every recipient
 *    knows K, so without it a recipient could encrypt a payload of its own
 *    under K and pass it to another recipient with that recipient's genuine
 *    wrap, as if the sender had sent it. With it, changing the ciphertext
 *    breaks every other wrap, and only the sender can make wraps (Auth mode).
 *
 * The header (hand-built below, because AAD must be one exact byte string
 * and protobuf encodings are not canonical) binds the envelope version, the
 * context kind and name, the sender PeerId and key id, the message id, and
 * the sorted recipient set (PeerIds and key ids). Time and sequence number
 * are inside the ciphertext: the hub can neither read nor change them.
 */
import { randomBytes } from 'node:crypto'
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { MalformedSealError, NotARecipientError, SealInputError, SealTamperedError, UnknownSenderError, WrongContextError } from './errors.js'
import { SealContextKind, SealedEnvelope } from './seal-pb.js'
import { defaultSuite, importPrivateKey, importPublicKey, KEY_ID_BYTES } from './suite.js'
import type { KeyCard } from './card.js'
import type { SealKeyPair, SealKeyRing } from './keys.js'
import type { ReplayGuard } from './replay.js'
import type { SealWrap } from './seal-pb.js'
import type { CipherSuite } from '@hpke/core'
import type { PeerId } from '@libp2p/interface'

export const SEAL_VERSION = 1
/** Message ids are 16 bytes. */
export const SEAL_ID_BYTES = 16
/** Most recipients one message can have. */
export const MAX_SEAL_RECIPIENTS = 128
/** Largest payload seal() takes and open() accepts unless told otherwise (the realm's own maximum). */
export const MAX_SEAL_PAYLOAD_BYTES = 16 * 1024 * 1024
/** Longest context name (topic or URI), in UTF-8 bytes. */
export const MAX_SEAL_CONTEXT_BYTES = 1024
/** Smallest padding bucket; buckets are the powers of two from here. */
export const SEAL_PAD_MIN_BYTES = 256

/** HPKE `info`: fixed, so the key schedule is ours alone. */
const HPKE_INFO = new TextEncoder().encode('p2p-tor seal v1')
const HEADER_LABEL = new TextEncoder().encode('p2p-tor sealed header v1\n')
const ZERO_NONCE = new Uint8Array(12)

/** ChaCha20-Poly1305 (RFC 8439) under a one-message key: ciphertext ‖ 16-byte tag. */
function aeadSeal (key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array<ArrayBuffer> {
  const c = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 })
  c.setAAD(aad, { plaintextLength: plaintext.byteLength })
  const body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
  return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength)
}

function aeadOpen (key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array<ArrayBuffer> {
  if (sealed.byteLength < 16) throw new Error('ciphertext shorter than its tag')
  const d = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 })
  d.setAAD(aad, { plaintextLength: sealed.byteLength - 16 })
  d.setAuthTag(sealed.subarray(sealed.byteLength - 16))
  const body = Buffer.concat([d.update(sealed.subarray(0, sealed.byteLength - 16)), d.final()])
  return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength)
}
const CONTENT_KEY_BYTES = 32
const WRAPPED_KEY_BYTES = CONTENT_KEY_BYTES + 16
const ENC_BYTES = 32
/** time (u64) ‖ seq (u64) ‖ payload length (u32) */
const CONTENT_HEADER_BYTES = 20
const TAG_BYTES = 16

export type SealContextKindName = 'topic' | 'call' | 'result' | 'chat'

/** Where a sealed message belongs: a topic, a call to a URI, or the result of one. */
export interface SealContext {
  kind: SealContextKindName
  /** the topic or procedure URI */
  name: string
}

const KIND_TO_PB: Record<SealContextKindName, SealContextKind> = {
  topic: SealContextKind.TOPIC,
  call: SealContextKind.CALL,
  result: SealContextKind.RESULT,
  chat: SealContextKind.CHAT
}
const KIND_CODE: Record<SealContextKindName, number> = { topic: 1, call: 2, result: 3, chat: 4 }

function kindFromPb (k: SealContextKind): SealContextKindName | undefined {
  if (k === SealContextKind.TOPIC) return 'topic'
  if (k === SealContextKind.CALL) return 'call'
  if (k === SealContextKind.RESULT) return 'result'
  if (k === SealContextKind.CHAT) return 'chat'
  return undefined
}

function describe (c: SealContext): string {
  return `${c.kind} ${JSON.stringify(c.name)}`
}

/**
 * Upper bound of a sealed envelope's size, for message-size caps: payload,
 * content header, tag and padding, plus per recipient at most 144 bytes
 * (a 38-byte Ed25519 PeerId makes it 137). See docs/sealed-envelope.md.
 */
export function maxSealedBytes (payloadBytes: number, recipients: number, opts: { pad?: boolean, contextBytes?: number } = {}): number {
  const content = (opts.pad === true ? paddedLength(CONTENT_HEADER_BYTES + payloadBytes) : CONTENT_HEADER_BYTES + payloadBytes) + TAG_BYTES
  const fixed = 2 + 2 + (3 + (opts.contextBytes ?? MAX_SEAL_CONTEXT_BYTES)) + (2 + 44) + (2 + KEY_ID_BYTES) + (2 + SEAL_ID_BYTES) + 6
  return fixed + content + recipients * 144
}

/** The padded size of `n` content bytes: the next power of two, at least 256. */
export function paddedLength (n: number): number {
  let size = SEAL_PAD_MIN_BYTES
  while (size < n) size *= 2
  return size
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0
}

interface Recipient { peer: Uint8Array, keyId: Uint8Array }

/**
 * The associated data: label ‖ version ‖ kind ‖ len32 ‖ name ‖ len8 ‖ sender ‖
 * sender key id ‖ id ‖ count16 ‖ (len8 ‖ recipient ‖ key id)*, recipients
 * sorted. Every variable-length field is length-prefixed, so no two
 * different headers give the same bytes.
 */
function headerBytes (kind: SealContextKindName, name: string, sender: Uint8Array, senderKeyId: Uint8Array, id: Uint8Array, recipients: Recipient[]): Uint8Array {
  const nameBytes = new TextEncoder().encode(name)
  let size = HEADER_LABEL.length + 1 + 1 + 4 + nameBytes.length + 1 + sender.length + senderKeyId.length + id.length + 2
  for (const r of recipients) size += 1 + r.peer.length + r.keyId.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let at = 0
  const put = (b: Uint8Array): void => { out.set(b, at); at += b.length }
  put(HEADER_LABEL)
  out[at++] = SEAL_VERSION
  out[at++] = KIND_CODE[kind]
  view.setUint32(at, nameBytes.length); at += 4
  put(nameBytes)
  out[at++] = sender.length
  put(sender)
  put(senderKeyId)
  put(id)
  view.setUint16(at, recipients.length); at += 2
  for (const r of recipients) {
    out[at++] = r.peer.length
    put(r.peer)
    put(r.keyId)
  }
  return out
}

function wrapAad (header: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + 32)
  out.set(header)
  out.set(sha256(ciphertext), header.length)
  return out
}

function checkContext (c: SealContext): void {
  if (KIND_TO_PB[c.kind] == null) throw new SealInputError(`context kind must be 'topic', 'call', 'result' or 'chat', got ${String(c.kind)}`)
  if (typeof c.name !== 'string' || c.name.length === 0) throw new SealInputError('context name (the topic or URI) must be a non-empty string')
  if (Buffer.byteLength(c.name) > MAX_SEAL_CONTEXT_BYTES) throw new SealInputError(`context name is longer than ${MAX_SEAL_CONTEXT_BYTES} bytes`)
}

export interface SealSender {
  peerId: PeerId
  /** the sender's keys: the ring's current key (or this key pair) authenticates the seal */
  keys: SealKeyRing | SealKeyPair
}

export interface SealOptions {
  payload: Uint8Array
  context: SealContext
  sender: SealSender
  /** verified cards of the recipients (1 to MAX_SEAL_RECIPIENTS); include the sender's own card to read it back */
  recipients: readonly KeyCard[]
  /** 16 bytes. @default random */
  id?: Uint8Array
  /** ms since the epoch. @default Date.now() */
  time?: number
  /** this sender's sequence number on this context, from 1 */
  seq: number
  /** pad the sealed content to a power of two (at least 256 bytes). @default false */
  pad?: boolean
  /** @default MAX_SEAL_PAYLOAD_BYTES */
  maxPayloadBytes?: number
  /** the HPKE suite (bench/tests compare implementations). @default the fastest available */
  suite?: CipherSuite
  /**
   * FOR TESTS ONLY (known-answer vectors): the source of the content key and
   * of each wrap's ephemeral key material. Never set it in real use: a
   * predictable value here makes every message readable.
   */
  unsafeRandomForTests?: (bytes: number) => Uint8Array
}

function senderPair (keys: SealKeyRing | SealKeyPair): SealKeyPair {
  return 'current' in keys ? keys.current : keys
}

/** Seals `payload` to `recipients`. Throws SealInputError for input it will not seal. */
export async function seal (opts: SealOptions): Promise<Uint8Array> {
  const { payload, context, sender } = opts
  checkContext(context)
  const maxPayload = opts.maxPayloadBytes ?? MAX_SEAL_PAYLOAD_BYTES
  if (payload.length > maxPayload) throw new SealInputError(`payload of ${payload.length} bytes is over the ${maxPayload}-byte cap`)
  const id = opts.id ?? new Uint8Array(randomBytes(SEAL_ID_BYTES))
  if (id.length !== SEAL_ID_BYTES) throw new SealInputError(`message id must be ${SEAL_ID_BYTES} bytes, got ${id.length}`)
  const time = opts.time ?? Date.now()
  if (!Number.isSafeInteger(time) || time < 0) throw new SealInputError(`time must be ms since the epoch, got ${time}`)
  if (!Number.isSafeInteger(opts.seq) || opts.seq < 1) throw new SealInputError(`seq must be a safe integer >= 1, got ${opts.seq}`)

  // one wrap per (PeerId, key), in canonical order
  const byKey = new Map<string, { card: KeyCard, peer: Uint8Array<ArrayBuffer> }>()
  for (const card of opts.recipients) {
    if (card.expires != null && card.expires <= time) throw new SealInputError(`the key card of recipient ${card.peerId.toString()} expired at ${new Date(card.expires).toISOString()}; fetch its current card`)
    const peer = new Uint8Array(card.peerId.toMultihash().bytes)
    byKey.set(`${Buffer.from(peer).toString('hex')}/${Buffer.from(card.keyId).toString('hex')}`, { card, peer })
  }
  const recipients = [...byKey.values()].sort((a, b) => compareBytes(a.peer, b.peer) || compareBytes(a.card.keyId, b.card.keyId))
  if (recipients.length === 0) throw new SealInputError('a sealed message needs at least one recipient card')
  if (recipients.length > MAX_SEAL_RECIPIENTS) throw new SealInputError(`a sealed message can have at most ${MAX_SEAL_RECIPIENTS} recipients, got ${recipients.length}`)

  const suite = opts.suite ?? await defaultSuite()
  const random = opts.unsafeRandomForTests ?? ((n: number) => new Uint8Array(randomBytes(n)))
  const me = senderPair(sender.keys)
  const senderBytes = new Uint8Array(sender.peerId.toMultihash().bytes)
  const header = headerBytes(context.kind, context.name, senderBytes, me.keyId, id, recipients.map(r => ({ peer: r.peer, keyId: r.card.keyId })))

  const contentLength = CONTENT_HEADER_BYTES + payload.length
  const content = new Uint8Array(opts.pad === true ? paddedLength(contentLength) : contentLength)
  const view = new DataView(content.buffer)
  view.setBigUint64(0, BigInt(time))
  view.setBigUint64(8, BigInt(opts.seq))
  view.setUint32(16, payload.length)
  content.set(payload, CONTENT_HEADER_BYTES)
  const contentKey = random(CONTENT_KEY_BYTES)
  try {
    const ciphertext = aeadSeal(contentKey, header, content)
    const aad = wrapAad(header, ciphertext)
    const senderKey = await importPrivateKey(suite, me.privateKey, me.publicKey)
    // drawn up front, in recipient order, so injected test randomness is deterministic
    const ekms = recipients.map(() => opts.unsafeRandomForTests != null ? random(32) : undefined)
    const wraps: SealWrap[] = await Promise.all(recipients.map(async ({ card, peer }, i) => {
      const ekm = ekms[i]
      const { ct, enc } = await suite.seal({
        recipientPublicKey: await importPublicKey(suite, card.publicKey),
        senderKey,
        info: HPKE_INFO,
        ...(ekm != null ? { ekm } : {})
      }, contentKey, aad)
      return { recipient: peer, keyId: card.keyId, enc: new Uint8Array(enc), wrappedKey: new Uint8Array(ct) }
    }))
    return SealedEnvelope.encode({
      version: SEAL_VERSION,
      kind: KIND_TO_PB[context.kind],
      context: context.name,
      sender: senderBytes,
      senderKeyId: me.keyId,
      id: new Uint8Array(id),
      wraps,
      ciphertext
    })
  } finally {
    contentKey.fill(0)
    content.fill(0)
  }
}

/** Finds the sender's verified card, or undefined if none is known. May fetch. */
export type SenderCardLookup = (sender: PeerId, keyId: Uint8Array) => KeyCard | undefined | Promise<KeyCard | undefined>

export interface OpenOptions {
  /** where the message arrived: it must have been sealed for exactly this */
  context: SealContext
  me: {
    peerId: PeerId
    /** a SealKeyRing (its openingKeys(now) are tried) or the opening keys themselves */
    keys: SealKeyRing | readonly SealKeyPair[]
  }
  senderCard: SenderCardLookup
  /** records the id after the message authenticates; refuses replays and skewed times */
  replay: ReplayGuard
  /** ms since the epoch. @default Date.now() */
  now?: number
  /** @default MAX_SEAL_PAYLOAD_BYTES */
  maxPayloadBytes?: number
  /** @default the fastest available */
  suite?: CipherSuite
}

export interface OpenedSeal {
  payload: Uint8Array
  /** the authenticated sender */
  sender: PeerId
  /** the card that authenticated it */
  senderCard: KeyCard
  /** every recipient the sender sealed to (authenticated) */
  recipients: PeerId[]
  id: Uint8Array
  /** the sender's clock, ms since the epoch */
  time: number
  /** the sender's sequence number on this context (feed it to a SequenceTracker) */
  seq: number
  context: SealContext
}

function parsePeer (bytes: Uint8Array, what: string): PeerId {
  try {
    return peerIdFromMultihash(Digest.decode(bytes))
  } catch (err) {
    throw new MalformedSealError(`the ${what} is not a PeerId`, 'malformed', { cause: err })
  }
}

/**
 * Opens a sealed message. Every refusal is a SealOpenError whose `reason`
 * names it: 'too-large', 'malformed', 'version', 'wrong-context',
 * 'not-a-recipient', 'unknown-sender', 'sender-key-mismatch', 'tampered',
 * 'clock-skew', 'replay'. Nothing is recorded unless the message opens.
 */
export async function open (bytes: Uint8Array, opts: OpenOptions): Promise<OpenedSeal> {
  const maxPayload = opts.maxPayloadBytes ?? MAX_SEAL_PAYLOAD_BYTES
  const cap = maxSealedBytes(maxPayload, MAX_SEAL_RECIPIENTS, { pad: true })
  if (bytes.length > cap) throw new MalformedSealError(`${bytes.length} bytes is over the ${cap}-byte cap`, 'too-large')
  let env: SealedEnvelope
  try {
    env = SealedEnvelope.decode(bytes, { limits: { wraps: MAX_SEAL_RECIPIENTS } })
  } catch (err) {
    throw new MalformedSealError('protobuf decoding failed', 'malformed', { cause: err })
  }
  if (env.version !== SEAL_VERSION) throw new MalformedSealError(`version ${env.version} is not supported (this build reads version ${SEAL_VERSION})`, 'version')
  const kind = kindFromPb(env.kind)
  if (kind == null) throw new MalformedSealError('unknown context kind')
  if (env.id.length !== SEAL_ID_BYTES) throw new MalformedSealError(`the id is ${env.id.length} bytes, not ${SEAL_ID_BYTES}`)
  if (env.senderKeyId.length !== KEY_ID_BYTES) throw new MalformedSealError('the sender key id has the wrong size')
  if (env.wraps.length === 0) throw new MalformedSealError('no recipients')
  if (env.ciphertext.length < CONTENT_HEADER_BYTES + TAG_BYTES) throw new MalformedSealError('the ciphertext is too short')
  if (Buffer.byteLength(env.context) > MAX_SEAL_CONTEXT_BYTES) throw new MalformedSealError('the context name is too long')
  for (let i = 0; i < env.wraps.length; i++) {
    const w = env.wraps[i]
    if (w.keyId.length !== KEY_ID_BYTES || w.enc.length !== ENC_BYTES || w.wrappedKey.length !== WRAPPED_KEY_BYTES || w.recipient.length === 0 || w.recipient.length > 255) {
      throw new MalformedSealError('a recipient wrap has a field of the wrong size')
    }
    const prev = env.wraps[i - 1]
    if (prev != null && (compareBytes(prev.recipient, w.recipient) || compareBytes(prev.keyId, w.keyId)) >= 0) {
      throw new MalformedSealError('recipient wraps are not in canonical order (or repeat)')
    }
  }
  if (env.sender.length > 255) throw new MalformedSealError('the sender is not a PeerId')
  const found: SealContext = { kind, name: env.context }
  if (found.kind !== opts.context.kind || found.name !== opts.context.name) throw new WrongContextError(describe(opts.context), describe(found))
  const sender = parsePeer(env.sender, 'sender')

  const now = opts.now ?? Date.now()
  const mine = opts.me.peerId.toMultihash().bytes
  const myKeys = 'openingKeys' in opts.me.keys ? opts.me.keys.openingKeys(now) : opts.me.keys
  const candidates: Array<{ wrap: SealWrap, key: SealKeyPair }> = []
  let listed = false
  for (const wrap of env.wraps) {
    if (!equalBytes(wrap.recipient, mine)) continue
    listed = true
    for (const key of myKeys) {
      if (equalBytes(key.keyId, wrap.keyId)) candidates.push({ wrap, key })
    }
  }
  if (candidates.length === 0) throw new NotARecipientError(listed)

  const card = await opts.senderCard(sender, env.senderKeyId)
  if (card == null) throw new UnknownSenderError(sender.toString())
  if (!card.peerId.equals(sender)) throw new UnknownSenderError(sender.toString())
  if (!equalBytes(card.keyId, env.senderKeyId)) throw new UnknownSenderError(sender.toString(), 'sender-key-mismatch')

  const suite = opts.suite ?? await defaultSuite()
  const header = headerBytes(kind, env.context, env.sender, env.senderKeyId, env.id, env.wraps.map(w => ({ peer: w.recipient, keyId: w.keyId })))
  const aad = wrapAad(header, env.ciphertext)
  const senderPublicKey = await importPublicKey(suite, card.publicKey)
  let contentKey: Uint8Array | undefined
  let lastError: unknown
  for (const { wrap, key } of candidates) {
    try {
      const recipientKey = await importPrivateKey(suite, key.privateKey, key.publicKey)
      contentKey = new Uint8Array(await suite.open({ recipientKey, enc: wrap.enc, senderPublicKey, info: HPKE_INFO }, wrap.wrappedKey, aad))
      break
    } catch (err) {
      lastError = err
    }
  }
  if (contentKey == null || contentKey.length !== CONTENT_KEY_BYTES) throw new SealTamperedError('the content key wrap', { cause: lastError })
  let content: Uint8Array
  try {
    content = aeadOpen(contentKey, header, env.ciphertext)
  } catch (err) {
    throw new SealTamperedError('the payload', { cause: err })
  } finally {
    contentKey.fill(0)
  }
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength)
  const time = view.getBigUint64(0)
  const seq = view.getBigUint64(8)
  const length = view.getUint32(16)
  if (time > BigInt(Number.MAX_SAFE_INTEGER) || seq < 1n || seq > BigInt(Number.MAX_SAFE_INTEGER) || length > content.length - CONTENT_HEADER_BYTES || length > maxPayload) {
    throw new MalformedSealError('the sealed content header is out of range (the sender built it wrong)')
  }
  opts.replay.accept(sender.toString(), env.id, Number(time), now)
  return {
    payload: content.slice(CONTENT_HEADER_BYTES, CONTENT_HEADER_BYTES + length),
    sender,
    senderCard: card,
    recipients: env.wraps.map(w => parsePeer(w.recipient, 'recipient')),
    id: new Uint8Array(env.id),
    time: Number(time),
    seq: Number(seq),
    context: found
  }
}
