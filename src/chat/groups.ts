/**
 * Group messages (docs/chat.md, "Groups"): one text, encrypted once under the
 * group's key for its epoch and signed by the sender's identity key.
 *
 * - Encryption: XChaCha20-Poly1305 from @noble/ciphers, a random 24-byte
 *   nonce per message (random nonces are safe at this size for any number of
 *   messages a group will send under one key), AAD = label ‖ group id ‖ epoch
 *   ‖ sender PeerId bytes, so a ciphertext cannot be moved to another group,
 *   epoch or sender.
 * - Signature: Ed25519 (the libp2p identity key) over label ‖ group id ‖
 *   epoch ‖ nonce ‖ ciphertext. Every member knows the group key, so the
 *   AEAD alone would let any member forge a message "from" another; the
 *   signature is what names the sender.
 *
 * Pure: no network, no store.
 */
import { randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { concat } from 'uint8arrays/concat'
import { GroupCryptoError } from './errors.js'
import type { GroupMessage } from './chat-pb.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export const GROUP_KEY_BYTES = 32
export const GROUP_ID_BYTES = 16
const NONCE_BYTES = 24
/** Largest group text, in bytes. */
export const MAX_GROUP_TEXT_BYTES = 64 * 1024
const AAD_LABEL = new TextEncoder().encode('p2p-tor group aad v1\n')
const SIG_LABEL = new TextEncoder().encode('p2p-tor group message v1\n')

export function newGroupKey (): Uint8Array<ArrayBuffer> {
  return new Uint8Array(randomBytes(GROUP_KEY_BYTES))
}

export function newGroupId (): Uint8Array<ArrayBuffer> {
  return new Uint8Array(randomBytes(GROUP_ID_BYTES))
}

function epochBytes (epoch: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(epoch))
  return b
}

export interface GroupKeyRef {
  id: Uint8Array
  epoch: number
  key: Uint8Array
}

export async function sealGroupMessage (sender: PrivateKey, senderPeer: PeerId, group: GroupKeyRef, text: Uint8Array): Promise<GroupMessage> {
  if (group.key.length !== GROUP_KEY_BYTES) throw new GroupCryptoError(`a group key is ${GROUP_KEY_BYTES} bytes, got ${group.key.length}`)
  if (text.length > MAX_GROUP_TEXT_BYTES) throw new GroupCryptoError(`a group message is at most ${MAX_GROUP_TEXT_BYTES} bytes, got ${text.length}: send a file instead`)
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES))
  const aad = concat([AAD_LABEL, group.id, epochBytes(group.epoch), senderPeer.toMultihash().bytes])
  const ciphertext = xchacha20poly1305(group.key, nonce, aad).encrypt(text)
  const signature = await sender.sign(concat([SIG_LABEL, group.id, epochBytes(group.epoch), nonce, ciphertext]))
  return { groupId: new Uint8Array(group.id), epoch: group.epoch, nonce, ciphertext: new Uint8Array(ciphertext), signature: new Uint8Array(signature) }
}

/**
 * Checks the sender's signature, then decrypts. Throws GroupCryptoError if
 * either fails (a wrong key, a wrong epoch, a forged sender).
 */
export async function openGroupMessage (msg: GroupMessage, key: Uint8Array, sender: PeerId): Promise<Uint8Array> {
  if (sender.publicKey == null) throw new GroupCryptoError(`sender ${sender.toString()} has no embedded public key (only Ed25519 PeerIds can sign group messages)`)
  if (msg.nonce.length !== NONCE_BYTES) throw new GroupCryptoError(`a group message nonce is ${NONCE_BYTES} bytes, got ${msg.nonce.length}`)
  const signed = concat([SIG_LABEL, msg.groupId, epochBytes(msg.epoch), msg.nonce, msg.ciphertext])
  const ok = await sender.publicKey.verify(signed, msg.signature)
  if (!ok) throw new GroupCryptoError(`the group message's signature does not verify for ${sender.toString()}`)
  const aad = concat([AAD_LABEL, msg.groupId, epochBytes(msg.epoch), sender.toMultihash().bytes])
  try {
    return xchacha20poly1305(key, msg.nonce, aad).decrypt(msg.ciphertext)
  } catch (err) {
    throw new GroupCryptoError(`the group message does not open with the key of epoch ${msg.epoch}: this member does not hold that key`, { cause: err })
  }
}
