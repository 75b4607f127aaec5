import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import {
  addOnionKeyBlob, generateOnionKey, isValidServiceId, onionKeyFromAddOnionBlob,
  onionKeyFromExpandedSecret, onionKeyFromSeed, serviceIdFromPublicKey
} from '../../../src/onion/index.js'
import type { OnionKey } from '../../../src/onion/index.js'
import { rejectsKey } from './assertions.js'
import { seedArb } from './arbitraries.js'
import {
  hex, RFC8032_TEST1_BLOB, RFC8032_TEST1_EXPANDED, RFC8032_TEST1_PUBLIC, RFC8032_TEST1_SEED,
  TOR_ADD_ONION_NEW, TOR_BUILD_ADDRESS, TOR_KEY_FILE, toHex
} from './vectors.js'


function isClamped (secret: Uint8Array): boolean {
  return (secret[0] & 7) === 0 && (secret[31] & 0xc0) === 0x40
}

describe('onion keys', () => {
  describe('known vectors', () => {
    it('RFC 8032 test-1 seed -> its public key -> C tor\'s address for it', () => {
      const key = onionKeyFromSeed(hex(RFC8032_TEST1_SEED))
      assert.equal(toHex(key.publicKey), RFC8032_TEST1_PUBLIC)
      assert.equal(key.serviceId, TOR_BUILD_ADDRESS)
      assert.equal(toHex(key.expandedSecretKey), RFC8032_TEST1_EXPANDED)
    })

    it('RFC 8032 test-1 seed -> the ADD_ONION blob tor accepted for that address', () => {
      assert.equal(addOnionKeyBlob(onionKeyFromSeed(hex(RFC8032_TEST1_SEED))), RFC8032_TEST1_BLOB)
      assert.equal(onionKeyFromAddOnionBlob(RFC8032_TEST1_BLOB).serviceId, TOR_BUILD_ADDRESS)
    })

    it('a key tor generated via ADD_ONION NEW has the ServiceID tor reported', () => {
      const key = onionKeyFromAddOnionBlob(TOR_ADD_ONION_NEW.blob)
      assert.equal(key.serviceId, TOR_ADD_ONION_NEW.serviceId)
      assert.equal(addOnionKeyBlob(key), TOR_ADD_ONION_NEW.blob)
    })

    it('the expanded key in a tor key file has the address in tor\'s hostname file', () => {
      const key = onionKeyFromExpandedSecret(hex(TOR_KEY_FILE.hex).subarray(32))
      assert.equal(toHex(key.publicKey), TOR_KEY_FILE.publicKey)
      assert.equal(key.serviceId, TOR_KEY_FILE.serviceId)
    })
  })

  describe('generateOnionKey', () => {
    it('makes distinct, clamped keys with valid service ids', () => {
      const a = generateOnionKey()
      const b = generateOnionKey()
      assert.notEqual(a.serviceId, b.serviceId)
      for (const key of [a, b]) {
        assert.equal(key.expandedSecretKey.length, 64)
        assert.equal(key.publicKey.length, 32)
        assert.ok(isClamped(key.expandedSecretKey))
        assert.ok(isValidServiceId(key.serviceId))
        assert.equal(key.serviceId, serviceIdFromPublicKey(key.publicKey))
      }
    })
  })

  describe('rejects', () => {
    it('seeds and expanded secrets of the wrong length', () => {
      rejectsKey(() => onionKeyFromSeed(new Uint8Array(31)), 'length')
      rejectsKey(() => onionKeyFromSeed(new Uint8Array(64)), 'length')
      rejectsKey(() => onionKeyFromExpandedSecret(new Uint8Array(32)), 'length')
      rejectsKey(() => onionKeyFromExpandedSecret(new Uint8Array(65)), 'length')
    })

    it('expanded secrets whose scalar is not clamped', () => {
      const good = hex(RFC8032_TEST1_EXPANDED)
      for (const [index, mask] of [[0, 0x01], [0, 0x04], [31, 0x80]] as const) {
        const bad = Uint8Array.from(good)
        bad[index] |= mask
        rejectsKey(() => onionKeyFromExpandedSecret(bad), 'clamping')
      }
      const noBit254 = Uint8Array.from(good)
      noBit254[31] &= 0xbf
      rejectsKey(() => onionKeyFromExpandedSecret(noBit254), 'clamping')
    })

    it('ADD_ONION blobs with the wrong key type', () => {
      const b64 = RFC8032_TEST1_BLOB.slice('ED25519-V3:'.length)
      rejectsKey(() => onionKeyFromAddOnionBlob(b64), 'prefix')
      rejectsKey(() => onionKeyFromAddOnionBlob(`ed25519-v3:${b64}`), 'prefix')
      rejectsKey(() => onionKeyFromAddOnionBlob(`RSA1024:${b64}`), 'prefix')
      rejectsKey(() => onionKeyFromAddOnionBlob('NEW:ED25519-V3'), 'prefix')
    })

    it('ADD_ONION blobs that are not exactly canonical base64 of 64 bytes', () => {
      const b64 = RFC8032_TEST1_BLOB.slice('ED25519-V3:'.length)
      for (const bad of [
        b64.slice(0, -2), // no padding
        b64 + '\r\n', // a line break: command injection on the control port
        ` ${b64}`,
        b64.slice(0, -4) + '==', // 63 bytes
        b64.replace(/\+/g, '-'), // base64url
        b64.slice(0, -3) + 'x==' // same bytes, non-zero padding bits
      ]) {
        rejectsKey(() => onionKeyFromAddOnionBlob(`ED25519-V3:${bad}`), 'encoding')
      }
    })

    it('never with the key bytes in the message', () => {
      const bad = hex(RFC8032_TEST1_EXPANDED)
      bad[31] |= 0x80
      assert.throws(() => onionKeyFromExpandedSecret(bad), (err: unknown) => {
        const message = String((err as Error).message)
        assert.ok(!message.includes(RFC8032_TEST1_EXPANDED.slice(0, 16)))
        assert.ok(!message.includes(RFC8032_TEST1_BLOB.slice(11, 27)))
        return true
      })
    })
  })

  describe('redaction', () => {
    it('shows only the service id through JSON, util.inspect and String()', () => {
      const key: OnionKey = onionKeyFromSeed(hex(RFC8032_TEST1_SEED))
      const secretHex = RFC8032_TEST1_EXPANDED
      const secretB64 = RFC8032_TEST1_BLOB.slice(11)
      for (const shown of [JSON.stringify(key), inspect(key, { depth: 5 }), String(key), `${inspect({ key })}`]) {
        assert.ok(shown.includes(TOR_BUILD_ADDRESS), shown)
        assert.ok(!shown.includes(secretHex.slice(0, 16)), shown)
        assert.ok(!shown.includes(secretB64.slice(0, 16)), shown)
        assert.ok(!/\b48, 124, 131\b/.test(shown), shown) // the first secret bytes as numbers
      }
    })
  })

  describe('properties', () => {
    it('seed -> expanded -> blob -> key round-trips', () => {
      fc.assert(fc.property(seedArb, seed => {
        const key = onionKeyFromSeed(seed)
        const again = onionKeyFromAddOnionBlob(addOnionKeyBlob(key))
        assert.deepEqual(again.expandedSecretKey, key.expandedSecretKey)
        assert.deepEqual(again.publicKey, key.publicKey)
        assert.equal(again.serviceId, key.serviceId)
        const fromSecret = onionKeyFromExpandedSecret(key.expandedSecretKey)
        assert.deepEqual(fromSecret.publicKey, key.publicKey)
      }))
    })

    it('the scalar-times-base public key equals EdDSA key generation from the seed', () => {
      fc.assert(fc.property(seedArb, seed => {
        assert.deepEqual(onionKeyFromSeed(seed).publicKey, ed25519.getPublicKey(seed))
      }))
    })

    it('keys do not share memory with the input', () => {
      const secret = hex(RFC8032_TEST1_EXPANDED)
      const key = onionKeyFromExpandedSecret(secret)
      secret.fill(0)
      assert.equal(toHex(key.expandedSecretKey), RFC8032_TEST1_EXPANDED)
    })
  })
})
