import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  formatOnionHostPort, InvalidOnionAddressError, isValidServiceId, parseOnionHostPort, parsePort,
  publicKeyFromServiceId, serviceIdFromBytes, serviceIdFromPublicKey, serviceIdToBytes, validateServiceId
} from '../../../src/onion/index.js'
import { base32Decode } from '../../../src/onion/base32.js'
import { rejectsAddress } from './assertions.js'
import { onionAddressArb, publicKeyArb, serviceIdArb } from './arbitraries.js'
import {
  CHECKSUM_FIRST_BYTE_WRONG, CHECKSUM_SECOND_BYTE_WRONG, hex, REND_SPEC_EXAMPLES, RFC8032_TEST1_PUBLIC, TOR_0X42_ADDRESS, TOR_BAD_CHECKSUM_ADDRESSES,
  TOR_BUILD_ADDRESS, TOR_OLD_VALID_ADDRESS, toHex, VERSION_2_ADDRESS, VERSION_4_ADDRESS
} from './vectors.js'


const ID = TOR_BUILD_ADDRESS

describe('onion address', () => {
  describe('known vectors', () => {
    it('builds the address of the RFC 8032 test-1 public key as C tor test_build_address does', () => {
      assert.equal(serviceIdFromPublicKey(hex(RFC8032_TEST1_PUBLIC)), TOR_BUILD_ADDRESS)
    })

    it('builds the address of 32 bytes 0x42 as older C tor test_build_address does', () => {
      assert.equal(serviceIdFromPublicKey(new Uint8Array(32).fill(0x42)), TOR_0X42_ADDRESS)
    })

    it('accepts the rend-spec-v3 example addresses and C tor\'s valid addresses', () => {
      for (const id of [...REND_SPEC_EXAMPLES, TOR_BUILD_ADDRESS, TOR_OLD_VALID_ADDRESS, TOR_0X42_ADDRESS]) {
        assert.equal(validateServiceId(id), id)
        assert.equal(isValidServiceId(id), true)
      }
    })

    it('extracts the public key from an address', () => {
      assert.equal(toHex(publicKeyFromServiceId(TOR_BUILD_ADDRESS)), RFC8032_TEST1_PUBLIC)
      assert.deepEqual(publicKeyFromServiceId(TOR_0X42_ADDRESS), new Uint8Array(32).fill(0x42))
    })

    it('encodes an address as PUBKEY || CHECKSUM || VERSION', () => {
      const bytes = serviceIdToBytes(TOR_BUILD_ADDRESS)
      assert.equal(bytes.length, 35)
      assert.equal(toHex(bytes.subarray(0, 32)), RFC8032_TEST1_PUBLIC)
      assert.equal(bytes[34], 3)
      assert.equal(serviceIdFromBytes(bytes), TOR_BUILD_ADDRESS)
    })
  })

  describe('rejects', () => {
    it('the checksum failures of C tor test_validate_address', () => {
      for (const id of TOR_BAD_CHECKSUM_ADDRESSES) {
        rejectsAddress(() => validateServiceId(id), 'checksum')
        assert.equal(isValidServiceId(id), false)
      }
    })

    it('a checksum wrong only in its first byte', () => {
      rejectsAddress(() => validateServiceId(CHECKSUM_FIRST_BYTE_WRONG), 'checksum')
      rejectsAddress(() => parseOnionHostPort(`${CHECKSUM_FIRST_BYTE_WRONG}.onion:80`), 'checksum')
      rejectsAddress(() => serviceIdFromBytes(base32Decode(CHECKSUM_FIRST_BYTE_WRONG)), 'checksum')
      assert.equal(isValidServiceId(CHECKSUM_FIRST_BYTE_WRONG), false)
    })

    it('a checksum wrong only in its second byte', () => {
      rejectsAddress(() => validateServiceId(CHECKSUM_SECOND_BYTE_WRONG), 'checksum')
      rejectsAddress(() => parseOnionHostPort(`${CHECKSUM_SECOND_BYTE_WRONG}.onion:80`), 'checksum')
      rejectsAddress(() => serviceIdFromBytes(base32Decode(CHECKSUM_SECOND_BYTE_WRONG)), 'checksum')
      assert.equal(isValidServiceId(CHECKSUM_SECOND_BYTE_WRONG), false)
    })

    it('a one-character typo with a checksum mismatch', () => {
      const typo = ID.slice(0, 10) + (ID[10] === 'a' ? 'b' : 'a') + ID.slice(11)
      rejectsAddress(() => validateServiceId(typo), 'checksum')
    })

    it('a version byte other than 3, before looking at the checksum', () => {
      rejectsAddress(() => validateServiceId(VERSION_4_ADDRESS), 'version')
      rejectsAddress(() => validateServiceId(VERSION_2_ADDRESS), 'version')
      const bytes = serviceIdToBytes(ID)
      bytes[34] = 4
      rejectsAddress(() => serviceIdFromBytes(bytes), 'version')
    })

    it('55 and 57 characters, and the empty string', () => {
      rejectsAddress(() => validateServiceId(ID.slice(0, 55)), 'length')
      rejectsAddress(() => validateServiceId(ID + 'a'), 'length')
      rejectsAddress(() => validateServiceId(''), 'length')
      rejectsAddress(() => serviceIdFromBytes(serviceIdToBytes(ID).subarray(0, 34)), 'length')
    })

    it('upper case, whole or in part', () => {
      rejectsAddress(() => validateServiceId(ID.toUpperCase()), 'uppercase')
      rejectsAddress(() => validateServiceId('A' + ID.slice(1)), 'uppercase')
      rejectsAddress(() => parseOnionHostPort(`${ID}.ONION:80`), 'uppercase')
    })

    it('characters outside base32: 0, 1, 8, 9 and others', () => {
      for (const ch of ['0', '1', '8', '9', '?', '-', '.', '=']) {
        rejectsAddress(() => validateServiceId(ch + ID.slice(1)), 'charset')
      }
      // C tor test_validate_address: "can't be decoded"
      rejectsAddress(() => validateServiceId('?'.repeat(56)), 'charset')
    })

    it('bad ports', () => {
      for (const port of ['0', '65536', 'abc', '', '+1', ' 1', '1 ', '-1', '080', '1.5', '1e3', '0x50']) {
        rejectsAddress(() => parsePort(port), 'port')
        rejectsAddress(() => parseOnionHostPort(`${ID}.onion:${port}`), 'port')
      }
      for (const port of [0, 65536, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        rejectsAddress(() => parsePort(port), 'port')
        rejectsAddress(() => formatOnionHostPort({ serviceId: ID, port }), 'port')
      }
    })

    it('a host:port without a port', () => {
      rejectsAddress(() => parseOnionHostPort(`${ID}.onion`), 'port')
    })

    it('subdomains', () => {
      rejectsAddress(() => parseOnionHostPort(`www.${ID}.onion:80`), 'subdomain')
      rejectsAddress(() => parseOnionHostPort(`a.b.${ID}.onion:80`), 'subdomain')
    })

    it('a missing .onion suffix', () => {
      rejectsAddress(() => parseOnionHostPort(`${ID}:80`), 'suffix')
      rejectsAddress(() => parseOnionHostPort(`${ID}.onio:80`), 'suffix')
      rejectsAddress(() => parseOnionHostPort('example.com:80'), 'suffix')
    })

    it('a bad service id inside host:port, reporting the whole input', () => {
      const input = `${ID.slice(0, 55)}.onion:80`
      assert.throws(() => parseOnionHostPort(input), (err: unknown) => {
        assert.ok(err instanceof InvalidOnionAddressError)
        assert.equal(err.check, 'length')
        assert.equal(err.input, input)
        return true
      })
    })

    it('a public key that is not 32 bytes', () => {
      assert.throws(() => serviceIdFromPublicKey(new Uint8Array(31)), { name: 'InvalidOnionKeyError' })
    })

    it('with a message that names the failed check in words', () => {
      assert.throws(() => validateServiceId(TOR_BAD_CHECKSUM_ADDRESSES[0]), {
        message: 'invalid onion3 address: checksum mismatch (a typo, or not a v3 onion address)'
      })
    })
  })

  describe('ports', () => {
    it('accepts exactly 1..65535 written in plain decimal', () => {
      fc.assert(fc.property(fc.integer({ min: -100000, max: 200000 }), n => {
        const ok = n >= 1 && n <= 65535
        assert.equal(isPort(() => parsePort(String(n))), ok)
        assert.equal(isPort(() => parsePort(n)), ok)
        if (ok) assert.equal(parsePort(String(n)), n)
      }))
    })
  })

  describe('properties', () => {
    it('public key -> service id -> bytes -> service id round-trips', () => {
      fc.assert(fc.property(publicKeyArb, pk => {
        const id = serviceIdFromPublicKey(pk)
        assert.match(id, /^[a-z2-7]{55}d$/) // version 3 makes the last character "d"
        const bytes = serviceIdToBytes(id)
        assert.deepEqual(bytes.subarray(0, 32), pk)
        assert.equal(serviceIdFromBytes(bytes), id)
        assert.deepEqual(publicKeyFromServiceId(id), pk)
      }))
    })

    it('OnionAddress -> host:port -> OnionAddress round-trips', () => {
      fc.assert(fc.property(onionAddressArb, a => {
        const s = formatOnionHostPort(a)
        assert.equal(s, `${a.serviceId}.onion:${a.port}`)
        assert.deepEqual(parseOnionHostPort(s), a)
      }))
    })

    it('any version byte other than 3 is rejected as "version"', () => {
      fc.assert(fc.property(serviceIdArb, fc.integer({ min: 0, max: 255 }).filter(v => v !== 3), (id, version) => {
        const bytes = serviceIdToBytes(id)
        bytes[34] = version
        rejectsAddress(() => serviceIdFromBytes(bytes), 'version')
      }))
    })

    it('valid input is accepted: any generated service id and host:port parses (pairs the property below)', () => {
      fc.assert(fc.property(onionAddressArb, a => {
        assert.equal(validateServiceId(a.serviceId), a.serviceId)
        assert.equal(isValidServiceId(a.serviceId), true)
        assert.deepEqual(parseOnionHostPort(`${a.serviceId}.onion:${a.port}`), a)
        assert.equal(formatOnionHostPort(parseOnionHostPort(formatOnionHostPort(a))), formatOnionHostPort(a))
      }))
    })

    it('arbitrary text either parses or throws InvalidOnionAddressError', () => {
      fc.assert(fc.property(fc.string(), s => {
        for (const fn of [() => parseOnionHostPort(s), () => validateServiceId(s)]) {
          try {
            fn()
          } catch (err) {
            assert.ok(err instanceof InvalidOnionAddressError, String(err))
          }
        }
      }))
    })
  })
})

function isPort (fn: () => number): boolean {
  try {
    fn()
    return true
  } catch (err) {
    assert.ok(err instanceof InvalidOnionAddressError)
    return false
  }
}
