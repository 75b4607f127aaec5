/**
 * Key cards: a node's X25519 sealing public key, signed by its libp2p identity
 * key, so that anyone holding the PeerId can check the card, wherever it came
 * from (the hub, another member, a file). A hub that hands out a card for a
 * key of its own cannot sign it as the member, so the PeerIds in the realm
 * file are the only thing a user must get right.
 *
 * Signed bytes: "p2p-tor key card v1\n" || KeyCard protobuf. The prefix keeps
 * a card signature from ever being valid as any other signature made with
 * the identity key (libp2p records, gossipsub messages), and vice versa.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { peerIdFromMultihash, peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidCardError } from './errors.js'
import { KeyCard as KeyCardPb, SignedKeyCard } from './seal-pb.js'
import { sealKeyId, X25519_KEY_BYTES } from './suite.js'
import type { SealKeyPair } from './keys.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export const KEY_CARD_VERSION = 1
/** Domain separation for the identity key's signature over a card. */
export const KEY_CARD_SIGNING_PREFIX = 'p2p-tor key card v1\n'
/** The text form: this prefix, then base64url (no padding) of the signed card. */
export const KEY_CARD_TEXT_PREFIX = 'p2p-tor-card:'
/** A signed card with an Ed25519 or secp256k1 identity is about 160 bytes; more is refused unread. */
export const MAX_KEY_CARD_BYTES = 1024

const SIGNING_PREFIX = new TextEncoder().encode(KEY_CARD_SIGNING_PREFIX)

/** A verified key card. Only `verifyCard`/`makeCard`/`importCard` make these. */
export interface KeyCard {
  readonly version: number
  /** the card's owner, whose identity key signed it */
  readonly peerId: PeerId
  /** the owner's X25519 sealing public key, 32 bytes */
  readonly publicKey: Uint8Array<ArrayBuffer>
  /** sealKeyId(publicKey), 8 bytes: what a wrap for this key is tagged with */
  readonly keyId: Uint8Array<ArrayBuffer>
  /** ms since the epoch */
  readonly created: number
  /** ms since the epoch; absent: no expiry */
  readonly expires?: number
  /** of two valid cards for one PeerId, the higher sequence is the newer key */
  readonly sequence: number
  /** the signed card (SignedKeyCard protobuf), as published and exported */
  readonly bytes: Uint8Array<ArrayBuffer>
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

function signedBytes (card: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNING_PREFIX.length + card.length)
  out.set(SIGNING_PREFIX)
  out.set(card, SIGNING_PREFIX.length)
  return out
}

function checkTime (name: string, v: number | undefined): void {
  if (v != null && (!Number.isSafeInteger(v) || v < 0)) throw new RangeError(`${name} must be ms since the epoch (a safe integer >= 0), got ${v}`)
}

export interface MakeCardOptions {
  /** @default the key pair's `created`, or Date.now() for raw key bytes */
  created?: number
  /** no expiry unless given */
  expires?: number
  /** @default `created`: a rotated key is newer, so its card wins */
  sequence?: number
}

/**
 * Makes and signs the card for `sealPublicKey` (a SealKeyPair or its 32
 * public key bytes) with the node's identity key.
 */
export async function makeCard (identityPrivateKey: PrivateKey, sealPublicKey: SealKeyPair | Uint8Array, opts: MakeCardOptions = {}): Promise<KeyCard> {
  const pair = sealPublicKey instanceof Uint8Array ? undefined : sealPublicKey
  const publicKey = pair?.publicKey ?? (sealPublicKey as Uint8Array)
  if (publicKey.length !== X25519_KEY_BYTES) throw new RangeError(`a sealing public key is ${X25519_KEY_BYTES} bytes, got ${publicKey.length}`)
  const created = opts.created ?? pair?.created ?? Date.now()
  const sequence = opts.sequence ?? created
  checkTime('created', created)
  checkTime('expires', opts.expires)
  checkTime('sequence', sequence)
  const peerId = peerIdFromPrivateKey(identityPrivateKey)
  const card = KeyCardPb.encode({
    version: KEY_CARD_VERSION,
    peerId: peerId.toMultihash().bytes,
    x25519PublicKey: new Uint8Array(publicKey),
    created,
    ...(opts.expires != null ? { expires: opts.expires } : {}),
    sequence
  })
  const signature = await identityPrivateKey.sign(signedBytes(card))
  return await verifyCard(SignedKeyCard.encode({ card, signature: new Uint8Array(signature) }), peerId, { now: created })
}

export interface VerifyCardOptions {
  /** The clock for the expiry check, ms since the epoch. @default Date.now() */
  now?: number
}

function peerIdText (p: PeerId | string): string {
  return typeof p === 'string' ? peerIdFromString(p).toString() : p.toString()
}

/**
 * Decodes a signed card and checks it: layout and version, the signature
 * against the public key the card's PeerId embeds, expiry, and (if given)
 * that it belongs to `expectedPeerId`. Throws InvalidCardError.
 */
export async function verifyCard (bytes: Uint8Array, expectedPeerId?: PeerId | string, opts: VerifyCardOptions = {}): Promise<KeyCard> {
  if (bytes.length > MAX_KEY_CARD_BYTES) throw new InvalidCardError('malformed', `key card of ${bytes.length} bytes is over the ${MAX_KEY_CARD_BYTES}-byte cap; it is not a p2p-tor key card`)
  let signed: SignedKeyCard
  let card: KeyCardPb
  let peerId: PeerId
  try {
    signed = SignedKeyCard.decode(bytes)
    card = KeyCardPb.decode(signed.card)
  } catch (err) {
    throw new InvalidCardError('malformed', 'bytes are not a p2p-tor key card (protobuf decoding failed); get the card again from its owner', { cause: err })
  }
  // one card, one encoding: the signature covers only the inner card, so an
  // outer encoding with other tags or field order is refused, not passed on
  if (!equalBytes(SignedKeyCard.encode({ card: signed.card, signature: signed.signature }), bytes)) {
    throw new InvalidCardError('malformed', 'key card is not in its canonical encoding; get the card again from its owner')
  }
  if (card.version !== KEY_CARD_VERSION) throw new InvalidCardError('version', `key card version ${card.version} is not supported (this build reads version ${KEY_CARD_VERSION}); update p2p-tor or ask for a version ${KEY_CARD_VERSION} card`)
  if (card.x25519PublicKey.length !== X25519_KEY_BYTES) throw new InvalidCardError('malformed', `key card's sealing key is ${card.x25519PublicKey.length} bytes, not ${X25519_KEY_BYTES}`)
  try {
    peerId = peerIdFromMultihash(Digest.decode(card.peerId))
  } catch (err) {
    throw new InvalidCardError('malformed', 'key card\'s PeerId does not decode', { cause: err })
  }
  if (peerId.publicKey == null) {
    throw new InvalidCardError('no-public-key', `key card's PeerId ${peerId.toString()} does not embed its public key (an RSA identity), so the card cannot be checked; use an Ed25519 identity`)
  }
  let valid = false
  try {
    valid = await peerId.publicKey.verify(signedBytes(signed.card), signed.signature)
  } catch {
    valid = false
  }
  if (!valid) {
    throw new InvalidCardError('signature', `key card for ${peerId.toString()} is not signed by that PeerId's identity key (forged, or signed by another identity); refuse it and fetch the card again from the member itself`)
  }
  if (expectedPeerId != null && peerIdText(expectedPeerId) !== peerId.toString()) {
    throw new InvalidCardError('wrong-peer', `key card belongs to ${peerId.toString()}, not to the expected ${peerIdText(expectedPeerId)}; whoever supplied it mixed up members or lied`)
  }
  const now = opts.now ?? Date.now()
  if (card.expires != null && now >= card.expires) {
    throw new InvalidCardError('expired', `key card for ${peerId.toString()} expired at ${new Date(card.expires).toISOString()}; fetch the member's current card`)
  }
  const publicKey = new Uint8Array(card.x25519PublicKey)
  return Object.freeze({
    version: card.version,
    peerId,
    publicKey,
    keyId: sealKeyId(publicKey),
    created: card.created,
    ...(card.expires != null ? { expires: card.expires } : {}),
    sequence: card.sequence,
    bytes: new Uint8Array(bytes)
  })
}

/** Of two verified cards for one PeerId, the one to use: the higher sequence (then the later `created`). */
export function newerCard (a: KeyCard, b: KeyCard): KeyCard {
  if (a.peerId.toString() !== b.peerId.toString()) throw new RangeError('newerCard compares two cards of the same PeerId')
  if (a.sequence !== b.sequence) return a.sequence > b.sequence ? a : b
  return b.created > a.created ? b : a
}

const FINGERPRINT_LABEL = new TextEncoder().encode('p2p-tor card fingerprint v1\n')

/**
 * A short string two people can compare aloud: 6 groups of 5 digits, each
 * group from 5 bytes of SHA-256(label || len(PeerId) || PeerId || X25519 key)
 * taken mod 100000 (as Signal's safety numbers do; the bias of 2^40 mod 10^5
 * is below 10^-7). It covers the key material only, so re-signing the same
 * key (new `created` or expiry) keeps the fingerprint, and a rotation changes it.
 *
 * Why 30 digits: 6 × log2(100000) ≈ 99.7 bits. To make a card of its own
 * whose fingerprint matches someone else's, an attacker needs a second
 * preimage: about 2^99 tries, each a fresh identity key and hash, which is far
 * out of reach. 20 digits (66 bits) would be within reach of a large budget.
 * 30 digits still read aloud in about ten seconds.
 */
export function cardFingerprint (card: KeyCard): string {
  const peer = card.peerId.toMultihash().bytes
  const input = new Uint8Array(FINGERPRINT_LABEL.length + 1 + peer.length + card.publicKey.length)
  input.set(FINGERPRINT_LABEL)
  input[FINGERPRINT_LABEL.length] = peer.length
  input.set(peer, FINGERPRINT_LABEL.length + 1)
  input.set(card.publicKey, FINGERPRINT_LABEL.length + 1 + peer.length)
  const hash = sha256(input)
  const groups: string[] = []
  for (let g = 0; g < 6; g++) {
    let n = 0
    for (let i = 0; i < 5; i++) n = n * 256 + hash[g * 5 + i]
    groups.push(String(n % 100000).padStart(5, '0'))
  }
  return groups.join(' ')
}

/** The card as one line of text: `p2p-tor-card:<base64url>`. */
export function exportCard (card: KeyCard): string {
  return KEY_CARD_TEXT_PREFIX + Buffer.from(card.bytes).toString('base64url')
}

/** Parses and verifies the text form (surrounding white space is ignored). Throws InvalidCardError. */
export async function importCard (text: string, expectedPeerId?: PeerId | string, opts: VerifyCardOptions = {}): Promise<KeyCard> {
  const t = text.trim()
  if (!t.startsWith(KEY_CARD_TEXT_PREFIX)) throw new InvalidCardError('prefix', `a key card's text starts with "${KEY_CARD_TEXT_PREFIX}"; copy the whole line that \`p2p-tor keys export-card\` printed`)
  const body = t.slice(KEY_CARD_TEXT_PREFIX.length)
  if (body.length > Math.ceil(MAX_KEY_CARD_BYTES * 4 / 3) || !/^[A-Za-z0-9_-]*$/.test(body)) {
    throw new InvalidCardError('malformed', 'key card text is not base64url of a card (wrong characters or too long); copy the whole line again')
  }
  return await verifyCard(new Uint8Array(Buffer.from(body, 'base64url')), expectedPeerId, opts)
}
