/**
 * SOCKS error classes built directly: each sets its name, optional fields
 * are undefined when not given, the system code appears in the
 * message only when there is one, and previewBytes' boundaries.
 */
import assert from 'node:assert/strict'
import {
  previewBytes, SocksAuthError, SocksError, SocksNotSocks5Error, SocksProtocolError, SocksProxyUnreachableError
} from '../../../src/socks/errors.js'

describe('socks errors: fields and messages', () => {
  it('every base class sets its own name', () => {
    assert.equal(new SocksError('x').name, 'SocksError')
    assert.equal(new SocksProtocolError('x').name, 'SocksProtocolError')
    assert.equal(new SocksProxyUnreachableError('127.0.0.1:9050').name, 'SocksProxyUnreachableError')
    assert.equal(new SocksAuthError('REJECTED').name, 'SocksAuthError')
    assert.equal(new SocksNotSocks5Error('silent').name, 'SocksNotSocks5Error')
  })

  it('SocksProxyUnreachableError names the code only when there is one', () => {
    const bare = new SocksProxyUnreachableError('127.0.0.1:9050')
    assert.equal(bare.message, "cannot reach Tor's SOCKS port 127.0.0.1:9050: is tor running? Check its SocksPort setting")
    assert.equal(bare.code, undefined)
    const coded = new SocksProxyUnreachableError('unix:/run/tor/socks', 'ECONNREFUSED')
    assert.equal(coded.message, "cannot reach Tor's SOCKS port unix:/run/tor/socks: is tor running? Check its SocksPort setting (ECONNREFUSED)")
    assert.equal(coded.code, 'ECONNREFUSED')
    assert.equal(coded.proxy, 'unix:/run/tor/socks')
  })

  it('SocksNotSocks5Error has a proxy field only when one is given', () => {
    const bare = new SocksNotSocks5Error('it did not answer')
    assert.equal(bare.proxy, undefined)
    assert.match(bare.message, /^the SOCKS proxy does not speak SOCKS5: it did not answer;/)
    const named = new SocksNotSocks5Error('it did not answer', '127.0.0.1:9051')
    assert.equal(named.proxy, '127.0.0.1:9051')
    assert.match(named.message, /^127\.0\.0\.1:9051 does not speak SOCKS5: it did not answer;/)
  })

  it('SocksAuthError explains each failure differently', () => {
    const none = new SocksAuthError('NO_ACCEPTABLE_METHOD')
    const rejected = new SocksAuthError('REJECTED')
    assert.equal(none.failure, 'NO_ACCEPTABLE_METHOD')
    assert.equal(rejected.failure, 'REJECTED')
    assert.match(none.message, /^the SOCKS proxy accepted none of the offered authentication methods: /)
    assert.match(rejected.message, /^the SOCKS proxy rejected the username\/password: Tor accepts any credentials/)
  })

  it('previewBytes shows printable ASCII as is, and escapes control bytes, DEL, quote and backslash', () => {
    assert.equal(previewBytes(Uint8Array.of(0x1f, 0x20, 0x7e, 0x7f, 0x22, 0x5c, 0x41)), '"\\x1F ~\\x7F\\x22\\x5CA"')
  })

  it('previewBytes marks a cut only past 20 bytes', () => {
    const twenty = new Uint8Array(20).fill(0x61)
    assert.equal(previewBytes(twenty), `"${'a'.repeat(20)}"`)
    assert.equal(previewBytes(new Uint8Array(21).fill(0x61)), `"${'a'.repeat(20)}…"`)
  })
})
