/**
 * The base32 codec only handles whole groups (35 bytes <-> 56 characters for
 * an onion address): partial groups must be refused, not silently padded or
 * truncated.
 */
import assert from 'node:assert/strict'
import { base32Decode, base32Encode } from '../../../src/onion/base32.js'

describe('base32 (RFC 4648, lower case, whole groups)', () => {
  it('encodes and decodes the RFC 4648 section 10 vectors of whole groups', () => {
    // RFC 4648: BASE32("fooba") = "MZXW6YTB", lower-cased for onion addresses
    assert.equal(base32Encode(new TextEncoder().encode('fooba')), 'mzxw6ytb')
    assert.equal(new TextDecoder().decode(base32Decode('mzxw6ytb')), 'fooba')
    assert.equal(base32Encode(new Uint8Array(0)), '')
    assert.equal(base32Decode('').length, 0)
  })

  it('refuses a byte string that is not a multiple of 5 bytes', () => {
    for (const n of [1, 4, 6, 34, 36]) {
      assert.throws(() => base32Encode(new Uint8Array(n)), (err: Error) => {
        assert.ok(err instanceof RangeError)
        assert.match(err.message, /multiple of 5 bytes/)
        return true
      })
    }
  })

  it('refuses text that is not whole 8-character groups, or not lower-case base32', () => {
    for (const s of ['a', 'mzxw6yt', 'mzxw6ytba', 'MZXW6YTB', 'mzxw6yt1', 'mzxw6yt=']) {
      assert.throws(() => base32Decode(s), (err: Error) => {
        assert.ok(err instanceof RangeError, `${s}: ${String(err)}`)
        assert.match(err.message, /lower-case base32 in whole 8-character groups/)
        return true
      })
    }
  })
})
