/**
 * Safety numbers (docs/chat.md, "Safety numbers"): 60 digits two contacts
 * compare out of band (read aloud, or side by side) to know that no one sits
 * between them. The same on both sides; it changes when either identity key
 * changes.
 *
 * This is Signal's numeric fingerprint (libsignal NumericFingerprintGenerator,
 * displayable form), hand-written because no npm library computes it on its
 * own (libsignal's is bound to its Curve25519 key type and a native build).
 * Per party:
 *
 *   h = version (2 bytes, 0) ‖ public key ‖ identifier
 *   5200 times: h = SHA-512(h ‖ public key)
 *   h[0..30] as six 5-byte big-endian numbers, each mod 100000, 5 digits
 *
 * Here the public key is the raw 32-byte Ed25519 identity key and the
 * identifier the PeerId's multihash bytes. The two 30-digit halves are sorted
 * and joined. The seal keys are not in it: they rotate, and each key card is
 * signed by the identity key the number covers.
 */
import { InvalidParametersError } from '@libp2p/interface'
import { sha512 } from '@noble/hashes/sha2.js'
import { NotEd25519PeerIdError } from './core-errors.js'
import type { PeerId } from '@libp2p/interface'
import { concat } from 'uint8arrays/concat'

/** Signal's iteration count for the displayable fingerprint. */
export const SAFETY_NUMBER_ITERATIONS = 5200
export const SAFETY_NUMBER_DIGITS = 60
const FINGERPRINT_VERSION = 0

/**
 * One party's 30 digits: Signal's `getFingerprint(iterations, identifier,
 * publicKey)` followed by its displayable encoding. Exported for the test
 * against libsignal's vector.
 */
export function fingerprintDigits (publicKey: Uint8Array, identifier: Uint8Array, iterations = SAFETY_NUMBER_ITERATIONS): string {
  let hash = concat([new Uint8Array([FINGERPRINT_VERSION >> 8, FINGERPRINT_VERSION & 0xff]), publicKey, identifier])
  for (let i = 0; i < iterations; i++) hash = sha512(concat([hash, publicKey]))
  let digits = ''
  for (let chunk = 0; chunk < 6; chunk++) {
    let n = 0
    // 5 bytes (40 bits) fit exactly in a double
    for (let j = 0; j < 5; j++) n = n * 256 + hash[chunk * 5 + j]
    digits += String(n % 100000).padStart(5, '0')
  }
  return digits
}

function ed25519Key (peerId: PeerId): Uint8Array {
  if (peerId.type !== 'Ed25519' || peerId.publicKey == null) {
    throw new NotEd25519PeerIdError(peerId.toString(), peerId.type)
  }
  return peerId.publicKey.raw
}

/** The 60-digit safety number of two chat identities; the order of `a` and `b` does not matter. */
export function safetyNumber (a: PeerId, b: PeerId): string {
  const halves = [a, b].map(p => fingerprintDigits(ed25519Key(p), p.toMultihash().bytes))
  halves.sort()
  return halves.join('')
}

/** 60 digits as 12 groups of 5, four groups per line, three lines. */
export function formatSafetyNumber (n: string): string {
  if (!/^[0-9]{60}$/.test(n)) throw new InvalidParametersError(`a safety number is ${SAFETY_NUMBER_DIGITS} digits, got ${n.length} characters`)
  const groups = n.match(/[0-9]{5}/g) ?? []
  return [0, 4, 8].map(i => groups.slice(i, i + 4).join(' ')).join('\n')
}
