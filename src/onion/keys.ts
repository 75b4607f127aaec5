/**
 * Onion service identity keys in the form tor uses: the 64-byte *expanded*
 * ed25519 secret (clamped scalar || PRF secret), which is what ADD_ONION takes
 * and what tor's hs_ed25519_secret_key holds. The 32-byte seed, when there is
 * one, is never stored.
 *
 * Expansion (RFC 8032 §5.1.5): h = SHA-512(seed); h[0] &= 248; h[31] &= 127;
 * h[31] |= 64. The public key is scalar·B.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { serviceIdFromPublicKey } from './address.js'
import { InvalidOnionKeyError } from './errors.js'

export interface OnionKey {
  /** 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array
  /** 64 bytes: clamped scalar || PRF secret. Never log this. */
  readonly expandedSecretKey: Uint8Array
  /** 56-character service id of publicKey. */
  readonly serviceId: string
}

export const SEED_BYTES = 32
export const EXPANDED_SECRET_BYTES = 64
export const ADD_ONION_KEY_TYPE = 'ED25519-V3'
const BLOB_PREFIX = `${ADD_ONION_KEY_TYPE}:`
/** 64 bytes in padded base64 are 86 characters and "==". */
const BLOB_BASE64 = /^[A-Za-z0-9+/]{86}==$/

/**
 * The key object hides its secret from JSON.stringify, util.inspect and
 * template strings, so logging a key by mistake shows only its service id.
 */
class ExpandedOnionKey implements OnionKey {
  readonly publicKey: Uint8Array
  readonly serviceId: string
  readonly #secret: Uint8Array

  constructor (secret: Uint8Array, publicKey: Uint8Array) {
    this.#secret = secret
    this.publicKey = publicKey
    this.serviceId = serviceIdFromPublicKey(publicKey)
  }

  get expandedSecretKey (): Uint8Array {
    return this.#secret
  }

  toString (): string {
    return `OnionKey(${this.serviceId})`
  }

  toJSON (): { serviceId: string } {
    return { serviceId: this.serviceId }
  }

  [Symbol.for('nodejs.util.inspect.custom')] (): string {
    return this.toString()
  }
}

function isClamped (scalar: Uint8Array): boolean {
  return (scalar[0] & 7) === 0 && (scalar[31] & 0x80) === 0 && (scalar[31] & 0x40) !== 0
}

/**
 * A key from its 64-byte expanded secret. The scalar must be clamped, as every
 * key expanded from a seed (by us or by tor) is; tor computes the public key
 * from the scalar as-is, and for clamped scalars that equals (scalar mod L)·B.
 */
export function onionKeyFromExpandedSecret (secret: Uint8Array): OnionKey {
  if (secret.length !== EXPANDED_SECRET_BYTES) {
    throw new InvalidOnionKeyError('expanded secret key', 'length', `expected ${EXPANDED_SECRET_BYTES} bytes, got ${secret.length}`)
  }
  if (!isClamped(secret)) {
    throw new InvalidOnionKeyError('expanded secret key', 'clamping')
  }
  // A clamped scalar is a multiple of 8 below 2^255 < 8·L, so it is never 0 mod L.
  const scalar = bytesToNumberLE(secret.subarray(0, 32)) % ed25519.Point.Fn.ORDER
  const publicKey = ed25519.Point.BASE.multiply(scalar).toBytes()
  // Copy (not slice: Buffer.slice shares memory, and callers wipe their input).
  return new ExpandedOnionKey(Uint8Array.from(secret), publicKey)
}

/** A key from a 32-byte ed25519 seed (the RFC 8032 "private key"). */
export function onionKeyFromSeed (seed: Uint8Array): OnionKey {
  if (seed.length !== SEED_BYTES) {
    throw new InvalidOnionKeyError('ed25519 seed', 'length', `expected ${SEED_BYTES} bytes, got ${seed.length}`)
  }
  const h = sha512(seed)
  h[0] &= 248
  h[31] &= 127
  h[31] |= 64
  try {
    return onionKeyFromExpandedSecret(h)
  } finally {
    h.fill(0)
  }
}

/** A fresh key from 32 random bytes (crypto.getRandomValues). */
export function generateOnionKey (): OnionKey {
  const seed = randomBytes(SEED_BYTES)
  try {
    return onionKeyFromSeed(seed)
  } finally {
    seed.fill(0)
  }
}

/** `ED25519-V3:<base64 of the 64-byte expanded secret>`, the KeyType:KeyBlob of ADD_ONION. */
export function addOnionKeyBlob (key: OnionKey): string {
  return BLOB_PREFIX + Buffer.from(key.expandedSecretKey).toString('base64')
}

/**
 * Parses an ADD_ONION key blob, strictly: the exact prefix, canonical padded
 * base64 of 64 bytes (no whitespace or line breaks), and a clamped scalar.
 */
export function onionKeyFromAddOnionBlob (blob: string): OnionKey {
  if (!blob.startsWith(BLOB_PREFIX)) {
    throw new InvalidOnionKeyError('ADD_ONION key blob', 'prefix')
  }
  const b64 = blob.slice(BLOB_PREFIX.length)
  if (!BLOB_BASE64.test(b64)) {
    throw new InvalidOnionKeyError('ADD_ONION key blob', 'encoding')
  }
  const bytes = Buffer.from(b64, 'base64')
  try {
    if (bytes.toString('base64') !== b64) {
      throw new InvalidOnionKeyError('ADD_ONION key blob', 'encoding', 'non-zero padding bits')
    }
    return onionKeyFromExpandedSecret(bytes)
  } finally {
    bytes.fill(0)
  }
}
