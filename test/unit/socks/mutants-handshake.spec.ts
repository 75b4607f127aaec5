/**
 * SOCKS handshake details the main spec leaves open: the smallest fields,
 * which bytes count as control characters, and what each error message tells
 * the user (the step that failed, the byte seen, what to check).
 */
import assert from 'node:assert/strict'
import { SocksClientHandshake } from '../../../src/socks/handshake.js'
import type { SocksConnectRequest } from '../../../src/socks/handshake.js'
import { InvalidParametersError, SocksProtocolError } from '../../../src/socks/errors.js'

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'
const PORT = 7777
const USER = 'iso-7'
const PASS = 'hunter2-secret'

function protocolError (fn: () => unknown, says: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof SocksProtocolError, String(err))
    assert.match(err.message, says)
    return true
  })
}

function invalid (request: Partial<SocksConnectRequest>, parameter: string, says: RegExp): void {
  assert.throws(() => new SocksClientHandshake({ host: ONION, port: PORT, ...request }), (err: Error) => {
    assert.ok(err instanceof InvalidParametersError, String(err))
    assert.equal(err.parameter, parameter)
    assert.match(err.message, says)
    assert.ok(!err.message.includes(PASS), 'the password must never appear in a message')
    return true
  })
}

describe('socks handshake: limits and messages', () => {
  it('accepts one-byte host, username and password, and a host with spaces or non-ASCII', () => {
    const h = new SocksClientHandshake({ host: 'a', port: 1, username: 'u', password: 'p' })
    assert.deepEqual(h.start(), Uint8Array.of(5, 1, 2))
    const auth = h.receive(Uint8Array.of(5, 2))
    assert.deepEqual(auth, { type: 'send', data: Uint8Array.of(1, 1, 0x75, 1, 0x70) })
    assert.doesNotThrow(() => new SocksClientHandshake({ host: 'a b.onion', port: 1 }))
    assert.doesNotThrow(() => new SocksClientHandshake({ host: 'ü.onion', port: 1 }))
  })

  it('refuses DEL and other C0 controls in the host', () => {
    for (const c of ['\x7f', '\x01', '\x1f', '\t']) invalid({ host: `ab${c}.onion` }, 'host', /must not contain control characters/)
  })

  it('says what is wrong with each parameter', () => {
    invalid({ host: 42 as unknown as string }, 'host', /SOCKS host must be a string, got number/)
    invalid({ host: '' }, 'host', /SOCKS host must be 1\.\.255 bytes of UTF-8, got 0/)
    invalid({ port: 0 }, 'port', /SOCKS destination port must be an integer 1\.\.65535, got 0/)
    invalid({ username: USER }, 'password', /SOCKS password is missing: RFC 1929 needs both/)
    invalid({ password: PASS }, 'username', /SOCKS username is missing: RFC 1929 needs both/)
    invalid({ username: USER, password: 'x'.repeat(256) }, 'password', /got 256/)
  })

  it('refuses a second start() saying to make a new handshake', () => {
    const h = new SocksClientHandshake({ host: ONION, port: PORT })
    h.start()
    protocolError(() => h.start(), /already started: create a new SocksClientHandshake per connection/)
  })

  it('names the step whose answer had the wrong version, and both versions', () => {
    const greeting = new SocksClientHandshake({ host: ONION, port: PORT })
    greeting.start()
    // the greeting's answer is where a non-SOCKS endpoint shows: SocksNotSocks5Error (a SocksProtocolError) names it
    protocolError(() => greeting.receive(Uint8Array.of(4, 0)), /answered the greeting with "\\x04\\x00" \(version 0x04, expected 0x05\)/)

    const auth = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    auth.start()
    auth.receive(Uint8Array.of(5, 2))
    protocolError(() => auth.receive(Uint8Array.of(5, 0)), /answered our username\/password authentication with version 0x05, expected 0x01/)

    const connect = new SocksClientHandshake({ host: ONION, port: PORT })
    connect.start()
    connect.receive(Uint8Array.of(5, 0))
    protocolError(() => connect.receive(Uint8Array.of(4, 0, 0, 1, 0, 0, 0, 0, 0, 0)), /answered our CONNECT request with version 0x04, expected 0x05/)
  })

  it('counts and places unexpected extra bytes', () => {
    const method = new SocksClientHandshake({ host: ONION, port: PORT })
    method.start()
    protocolError(() => method.receive(Uint8Array.of(5, 0, 9, 9, 9)), /sent 3 unexpected byte\(s\) after its method selection/)

    const auth = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    auth.start()
    auth.receive(Uint8Array.of(5, 2))
    protocolError(() => auth.receive(Uint8Array.of(1, 0, 5)), /sent 1 unexpected byte\(s\) after its authentication status/)
  })

  it('names the method the proxy chose and the one offered', () => {
    const h = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    h.start()
    protocolError(() => h.receive(Uint8Array.of(5, 0)), /chose method 0x00, which was not offered \(0x02\)/)
  })
})
