/**
 * The mailbox's blind seal (docs/chat.md, "Mailbox"): a sealed envelope
 * names its sender in its header, so before it goes to a contact's mailbox it
 * is sealed once more, anonymously, to the contact's current seal key.
 *
 * HPKE (RFC 9180) Base mode, single shot, with the one suite of src/seal
 * (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305) and
 * info = "p2p-tor chat blind v1". Blob:
 *
 *   version (1 byte, 1) ‖ recipient key id (8 bytes, sealKeyId) ‖ enc (32) ‖ ciphertext (plaintext + 16)
 *
 * The key id lets the recipient pick the key from its ring (the current one,
 * or a previous one within its grace period). The HPKE AAD is the first 9
 * bytes (version ‖ key id) followed by the caller's AAD (the inbox id), so
 * a blob moved to another inbox, or relabelled, does not open. Base mode
 * authenticates no sender: the inner sealed envelope does that.
 */
import { InvalidParametersError } from '@libp2p/interface'
import { defaultSuite, importPrivateKey, importPublicKey, KEY_ID_BYTES, sealKeyId, X25519_KEY_BYTES } from '../seal/suite.js'
import { BlindOpenError } from './core-errors.js'
import type { KeyCard } from '../seal/card.js'
import type { SealKeyRing } from '../seal/keys.js'

export const BLIND_VERSION = 1
const HPKE_INFO = new TextEncoder().encode('p2p-tor chat blind v1')
const ENC_BYTES = 32
const TAG_BYTES = 16
const HEADER_BYTES = 1 + KEY_ID_BYTES
/** Bytes a blob adds to its plaintext: 1 + 8 + 32 + 16 = 57. */
export const BLIND_OVERHEAD_BYTES = HEADER_BYTES + ENC_BYTES + TAG_BYTES
/** Largest plaintext blindSeal takes and blindOpen accepts unless told otherwise. */
export const MAX_BLIND_PLAINTEXT_BYTES = 1024 * 1024
/** Longest AAD (the inbox id is 16 bytes). */
export const MAX_BLIND_AAD_BYTES = 1024

export interface BlindOptions {
  /** @default MAX_BLIND_PLAINTEXT_BYTES */
  maxBytes?: number
}

export interface BlindOpenOptions extends BlindOptions {
  /** The clock for the ring's grace periods, ms since the epoch. @default Date.now() */
  now?: number
}

function hpkeAad (header: Uint8Array, aad: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + aad.length)
  out.set(header)
  out.set(aad, header.length)
  return out
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function checkAad (aad: Uint8Array): void {
  if (!(aad instanceof Uint8Array) || aad.length > MAX_BLIND_AAD_BYTES) throw new InvalidParametersError(`the AAD must be at most ${MAX_BLIND_AAD_BYTES} bytes`)
}

/**
 * Seals `bytes` for the owner of `recipient` (a verified key card: its
 * current seal key), bound to `aad`. Throws InvalidParametersError for input
 * over the caps or a public key that is not 32 bytes.
 */
export async function blindSeal (recipient: Pick<KeyCard, 'publicKey'>, bytes: Uint8Array, aad: Uint8Array, opts: BlindOptions = {}): Promise<Uint8Array> {
  const max = opts.maxBytes ?? MAX_BLIND_PLAINTEXT_BYTES
  if (bytes.length > max) throw new InvalidParametersError(`a blind-sealed blob holds at most ${max} bytes, got ${bytes.length}; send it directly, or in parts`)
  checkAad(aad)
  if (recipient.publicKey.length !== X25519_KEY_BYTES) throw new InvalidParametersError(`the recipient's seal key must be ${X25519_KEY_BYTES} bytes, got ${recipient.publicKey.length}`)
  const suite = await defaultSuite()
  const header = new Uint8Array(HEADER_BYTES)
  header[0] = BLIND_VERSION
  header.set(sealKeyId(recipient.publicKey), 1)
  const { ct, enc } = await suite.seal({ recipientPublicKey: await importPublicKey(suite, recipient.publicKey), info: HPKE_INFO }, bytes, hpkeAad(header, aad))
  if (enc.byteLength !== ENC_BYTES) throw new Error(`HPKE returned a ${enc.byteLength}-byte enc, expected ${ENC_BYTES}`)
  const blob = new Uint8Array(HEADER_BYTES + ENC_BYTES + ct.byteLength)
  blob.set(header)
  blob.set(new Uint8Array(enc), HEADER_BYTES)
  blob.set(new Uint8Array(ct), HEADER_BYTES + ENC_BYTES)
  return blob
}

/**
 * Opens a blob with whichever key of `keys` it names (the current key, or a
 * previous one still in its grace period at `now`). Throws BlindOpenError:
 * 'malformed', 'version', 'too-large', 'unknown-key' or 'tampered' (which
 * includes a different AAD).
 */
export async function blindOpen (keys: SealKeyRing, blob: Uint8Array, aad: Uint8Array, opts: BlindOpenOptions = {}): Promise<Uint8Array> {
  const max = opts.maxBytes ?? MAX_BLIND_PLAINTEXT_BYTES
  checkAad(aad)
  if (blob.length > max + BLIND_OVERHEAD_BYTES) throw new BlindOpenError('too-large', `${blob.length} bytes, the cap is ${max + BLIND_OVERHEAD_BYTES}`)
  if (blob.length < BLIND_OVERHEAD_BYTES) throw new BlindOpenError('malformed', `${blob.length} bytes, at least ${BLIND_OVERHEAD_BYTES}`)
  if (blob[0] !== BLIND_VERSION) throw new BlindOpenError('version', `version ${blob[0]}, this build reads ${BLIND_VERSION}`)
  const header = blob.subarray(0, HEADER_BYTES)
  const keyId = header.subarray(1)
  // a key id collision in one ring is possible in principle: try each match
  const candidates = keys.openingKeys(opts.now ?? Date.now()).filter(k => equalBytes(k.keyId, keyId))
  if (candidates.length === 0) {
    const stale = keys.previous.some(k => equalBytes(k.keyId, keyId))
    throw new BlindOpenError('unknown-key', stale ? 'a previous key of this node, past its grace period' : undefined)
  }
  const suite = await defaultSuite()
  const enc = blob.slice(HEADER_BYTES, HEADER_BYTES + ENC_BYTES)
  const ct = blob.subarray(HEADER_BYTES + ENC_BYTES)
  const fullAad = hpkeAad(header, aad)
  let lastError: unknown
  for (const key of candidates) {
    try {
      const recipientKey = await importPrivateKey(suite, key.privateKey, key.publicKey)
      return new Uint8Array(await suite.open({ recipientKey, enc, info: HPKE_INFO }, ct, fullAad))
    } catch (err) {
      lastError = err
    }
  }
  throw new BlindOpenError('tampered', undefined, { cause: lastError })
}
