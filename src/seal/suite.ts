/**
 * The one HPKE cipher suite sealed envelopes use (RFC 9180):
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, from @hpke/*.
 *
 * Two implementations of the same KEM are on hand and produce the same bytes
 * (both pass RFC 9180 A.2.3, see test/unit/seal/rfc9180.spec.ts):
 * - 'webcrypto': @hpke/core's DhkemX25519HkdfSha256, X25519 and HMAC through
 *   WebCrypto (OpenSSL). The default: an X25519 scalar multiplication costs
 *   about 0.1-0.4 ms there against 1-5 ms in pure JS (bench/seal.ts).
 * - 'noble': @hpke/dhkem-x25519 (pure JS, @noble/curves), used only where
 *   WebCrypto has no X25519.
 */
import { CipherSuite, DhkemX25519HkdfSha256 as WebCryptoX25519Kem, HkdfSha256 as WebCryptoHkdf } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { DhkemX25519HkdfSha256 as NobleX25519Kem, HkdfSha256 as NobleHkdf } from '@hpke/dhkem-x25519'
import { sha256 } from '@noble/hashes/sha2.js'

export type SuiteImplementation = 'webcrypto' | 'noble'

export const X25519_KEY_BYTES = 32
/** Bytes of a key id: SHA-256("p2p-tor seal key id v1\n" || public key)[0..8]. */
export const KEY_ID_BYTES = 8

const KEY_ID_LABEL = new TextEncoder().encode('p2p-tor seal key id v1\n')

/**
 * The short id of an X25519 public key that a wrap carries, so a recipient
 * finds its wrap without trial decryption. 64 bits: a collision inside one
 * recipient list is negligible, and harmless anyway (open tries each match).
 */
export function sealKeyId (publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const input = new Uint8Array(KEY_ID_LABEL.length + publicKey.length)
  input.set(KEY_ID_LABEL)
  input.set(publicKey, KEY_ID_LABEL.length)
  return new Uint8Array(sha256(input).subarray(0, KEY_ID_BYTES))
}

const suites = new Map<SuiteImplementation, CipherSuite>()

export function makeSuite (impl: SuiteImplementation): CipherSuite {
  let suite = suites.get(impl)
  if (suite == null) {
    suite = impl === 'webcrypto'
      ? new CipherSuite({ kem: new WebCryptoX25519Kem(), kdf: new WebCryptoHkdf(), aead: new Chacha20Poly1305() })
      : new CipherSuite({ kem: new NobleX25519Kem(), kdf: new NobleHkdf(), aead: new Chacha20Poly1305() })
    suites.set(impl, suite)
  }
  return suite
}

let chosen: Promise<CipherSuite> | undefined

/** WebCrypto X25519 if this runtime has it (Node >= 20 does), else pure JS. */
async function pickSuite (): Promise<CipherSuite> {
  try {
    await globalThis.crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])
    return makeSuite('webcrypto')
  } catch {
    return await Promise.resolve(makeSuite('noble'))
  }
}

/** The suite seal() and open() use unless told otherwise. */
export async function defaultSuite (): Promise<CipherSuite> {
  chosen ??= pickSuite()
  return await chosen
}

// Imported CryptoKeys, cached per suite and per key bytes object, so a key is
// imported (and its public half derived) once, not once per message.
const privateCache = new WeakMap<CipherSuite, WeakMap<Uint8Array, Promise<CryptoKeyPair>>>()
const publicCache = new WeakMap<CipherSuite, WeakMap<Uint8Array, Promise<CryptoKey>>>()

/**
 * The HPKE key pair for a raw X25519 private key. A CryptoKeyPair (not only
 * the private key) lets HPKE skip deriving the public key on every
 * AuthEncap/Decap, which costs a scalar multiplication.
 */
export async function importPrivateKey (suite: CipherSuite, privateKey: Uint8Array, publicKey: Uint8Array): Promise<CryptoKeyPair> {
  let cache = privateCache.get(suite)
  if (cache == null) {
    cache = new WeakMap()
    privateCache.set(suite, cache)
  }
  let pair = cache.get(privateKey)
  if (pair == null) {
    pair = (async () => ({
      privateKey: await suite.kem.deserializePrivateKey(privateKey),
      publicKey: await importPublicKey(suite, publicKey)
    }))()
    cache.set(privateKey, pair)
  }
  return await pair
}

export async function importPublicKey (suite: CipherSuite, publicKey: Uint8Array): Promise<CryptoKey> {
  let cache = publicCache.get(suite)
  if (cache == null) {
    cache = new WeakMap()
    publicCache.set(suite, cache)
  }
  let key = cache.get(publicKey)
  if (key == null) {
    key = suite.kem.deserializePublicKey(publicKey)
    cache.set(publicKey, key)
  }
  return await key
}
