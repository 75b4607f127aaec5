/**
 * Onion address and key errors: the typed fields and the details in their
 * messages (what was expected, what was found), and a checksum that is only
 * half right.
 */
import assert from 'node:assert/strict'
import {
  InvalidOnionAddressError, InvalidOnionKeyError, onionKeyFromAddOnionBlob, onionKeyFromExpandedSecret, onionKeyFromSeed,
  parseOnionHostPort, parsePort, serviceIdFromBytes, serviceIdFromPublicKey, serviceIdToBytes, validateServiceId
} from '../../../src/onion/index.js'
import { RFC8032_TEST1_BLOB, TOR_BUILD_ADDRESS } from './vectors.js'

function addressError (fn: () => unknown): InvalidOnionAddressError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof InvalidOnionAddressError, String(err))
    return err
  }
  assert.fail('expected InvalidOnionAddressError')
}

function keyError (fn: () => unknown): InvalidOnionKeyError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof InvalidOnionKeyError, String(err))
    return err
  }
  assert.fail('expected InvalidOnionKeyError')
}

describe('onion addresses and keys: error details', () => {
  it('refuses 35 bytes whose second checksum byte alone is wrong', () => {
    const bytes = serviceIdToBytes(TOR_BUILD_ADDRESS)
    bytes[33] ^= 0x01
    assert.equal(addressError(() => serviceIdFromBytes(bytes)).check, 'checksum')
  })

  it('reports rejected bytes as lower-case hex, two digits per byte', () => {
    const bytes = serviceIdToBytes(TOR_BUILD_ADDRESS)
    bytes[34] = 0x04
    const err = addressError(() => serviceIdFromBytes(bytes))
    assert.equal(err.check, 'version')
    assert.equal(err.input, Buffer.from(bytes).toString('hex'))
    assert.match(err.message, /\(found version 4\)$/)
    const short = addressError(() => serviceIdFromBytes(Uint8Array.of(0x0a, 0xff)))
    assert.equal(short.input, '0aff')
    assert.match(short.message, /\(expected 35 bytes, got 2\)$/)
  })

  it('says how long a wrong-length id is and which port text was refused', () => {
    assert.match(addressError(() => validateServiceId(TOR_BUILD_ADDRESS.slice(1))).message, /\(got 55 characters\)$/)
    assert.match(addressError(() => parsePort('080')).message, /\(got "080"\)$/)
    assert.match(addressError(() => parsePort(70000)).message, /\(got "70000"\)$/)
    const noPort = addressError(() => parseOnionHostPort(`${TOR_BUILD_ADDRESS}.onion`))
    assert.equal(noPort.check, 'port')
    assert.match(noPort.message, /\(no ":<port>" given\)$/)
  })

  it('leaves the detail out of a message when there is none', () => {
    const err = addressError(() => parseOnionHostPort(`${TOR_BUILD_ADDRESS}.onion.com:80`))
    assert.equal(err.message, 'invalid onion3 address: missing the ".onion" suffix (write it as <56 characters>.onion:<port>)')
  })

  it('names the key material and its expected length', () => {
    const pub = keyError(() => serviceIdFromPublicKey(new Uint8Array(31)))
    assert.deepEqual([pub.what, pub.problem], ['ed25519 public key', 'length'])
    assert.match(pub.message, /^invalid onion key: the ed25519 public key has the wrong length \(expected 32 bytes, got 31\); use a key made by generateOnionKey\(\) or by tor itself$/)

    const secret = keyError(() => onionKeyFromExpandedSecret(new Uint8Array(63)))
    assert.deepEqual([secret.what, secret.problem], ['expanded secret key', 'length'])
    assert.match(secret.message, /\(expected 64 bytes, got 63\)/)

    const unclamped = keyError(() => onionKeyFromExpandedSecret(new Uint8Array(64)))
    assert.deepEqual([unclamped.what, unclamped.problem], ['expanded secret key', 'clamping'])
    assert.match(unclamped.message, /the expanded secret key is not a clamped ed25519 scalar, so it was not derived from an ed25519 seed; use/)

    const seed = keyError(() => onionKeyFromSeed(new Uint8Array(33)))
    assert.deepEqual([seed.what, seed.problem], ['ed25519 seed', 'length'])
    assert.match(seed.message, /\(expected 32 bytes, got 33\)/)
  })

  it('names the ADD_ONION key blob in every refusal', () => {
    const prefix = keyError(() => onionKeyFromAddOnionBlob('ED25519-V2:AAAA'))
    assert.deepEqual([prefix.what, prefix.problem], ['ADD_ONION key blob', 'prefix'])
    const encoding = keyError(() => onionKeyFromAddOnionBlob('ED25519-V3:AAAA'))
    assert.deepEqual([encoding.what, encoding.problem], ['ADD_ONION key blob', 'encoding'])
    // the last character before "==" carries 4 padding bits: 'w' -> 'x' sets one
    const padded = keyError(() => onionKeyFromAddOnionBlob(RFC8032_TEST1_BLOB.replace(/w==$/, 'x==')))
    assert.deepEqual([padded.what, padded.problem], ['ADD_ONION key blob', 'encoding'])
    assert.match(padded.message, /\(non-zero padding bits\)/)
    // a blob that is not base64 at all must not be blamed on padding bits
    const notBase64 = keyError(() => onionKeyFromAddOnionBlob(`ED25519-V3:${'A'.repeat(85)}!==`))
    assert.equal(notBase64.problem, 'encoding')
    assert.doesNotMatch(notBase64.message, /padding/)
  })

  it('accepts the lowest and highest ports, 1 and 65535, as numbers and as text', () => {
    assert.equal(parsePort(1), 1)
    assert.equal(parsePort('1'), 1)
    assert.equal(parsePort(65535), 65535)
    assert.equal(parsePort('65535'), 65535)
    assert.deepEqual(parseOnionHostPort(`${TOR_BUILD_ADDRESS}.onion:65535`), { serviceId: TOR_BUILD_ADDRESS, port: 65535 })
  })
})
