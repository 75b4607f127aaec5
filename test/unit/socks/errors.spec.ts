import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { SocksClientHandshake } from '../../../src/socks/handshake.js'
import type { SocksConnectRequest } from '../../../src/socks/handshake.js'
import {
  AbortError,
  BadOnionAddressError,
  InvalidParametersError,
  OnionServiceNotFoundError,
  SocksError,
  SocksProxyUnreachableError,
  SocksReplyError,
  TimeoutError,
  socksReplyError
} from '../../../src/socks/errors.js'

const DEST = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:7777'
const USER = 'isolation-user-42'
const PASS = 'correct-horse-battery-staple'

/** Run a credentialed handshake to the point where `serverBytes` make it throw, and return what it threw. */
function thrownBy (request: Partial<SocksConnectRequest>, ...serverBytes: number[][]): unknown {
  try {
    const h = new SocksClientHandshake({ host: 'x.onion', port: 1, username: USER, password: PASS, ...request })
    h.start()
    for (const b of serverBytes) h.receive(Uint8Array.from(b))
  } catch (err) {
    return err
  }
  assert.fail('expected the handshake to throw')
}

describe('socks errors', () => {
  it('socksReplyError builds an onion subclass for F0-F7 with an actionable message', () => {
    const err = socksReplyError(0xF0, DEST)
    assert.ok(err instanceof OnionServiceNotFoundError)
    assert.ok(err instanceof SocksReplyError)
    assert.ok(err instanceof SocksError)
    assert.equal(err.name, 'OnionServiceNotFoundError')
    assert.equal(OnionServiceNotFoundError.name, 'OnionServiceNotFoundError')
    assert.match(err.message, /onion service descriptor not found \(F0\): the peer is offline or not yet published/)
    assert.ok(err.message.includes(DEST))

    const bad = socksReplyError(0xF6, DEST)
    assert.ok(bad instanceof BadOnionAddressError)
    assert.match(bad.message, /\(F6\)/)
  })

  it('socksReplyError gives standard and unknown codes a stable reason and a message naming the code', () => {
    const ttl = socksReplyError(0x06, DEST)
    assert.equal(ttl.constructor, SocksReplyError)
    assert.equal(ttl.name, 'SocksReplyError')
    assert.equal(ttl.reason, 'TTL_EXPIRED')
    assert.match(ttl.message, /TTL expired \(06\).*timed out/)

    const unknown = socksReplyError(0x7a, DEST)
    assert.equal(unknown.reason, 'UNKNOWN')
    assert.equal(unknown.replyCode, 0x7a)
    assert.match(unknown.message, /unknown SOCKS reply code 7A/)
  })

  it('gives every reply code a distinct message', () => {
    const codes = [1, 2, 3, 4, 5, 6, 7, 8, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7]
    const messages = new Set(codes.map(code => socksReplyError(code, DEST).message))
    assert.equal(messages.size, codes.length)
  })

  it('SocksProxyUnreachableError names the proxy and keeps the system code', () => {
    const err = new SocksProxyUnreachableError('127.0.0.1:9050', 'ECONNREFUSED')
    assert.equal(err.proxy, '127.0.0.1:9050')
    assert.equal(err.code, 'ECONNREFUSED')
    assert.match(err.message, /^cannot reach Tor's SOCKS port 127\.0\.0\.1:9050: is tor running\?/)
  })

  it('never exposes the password or username through JSON.stringify or util.inspect', () => {
    const errors: unknown[] = [
      thrownBy({}, [5, 0xff]),
      thrownBy({}, [5, 0x00]),
      thrownBy({}, [5, 0x02], [1, 0x01]),
      thrownBy({}, [5, 0x02], [9, 0x00]),
      thrownBy({}, [5, 0x02], [1, 0x00], [5, 0xF5, 0, 1, 0, 0, 0, 0, 0, 0]),
      thrownBy({}, [5, 0x02], [1, 0x00], [5, 0x01]),
      thrownBy({}, [5, 0x02], [1, 0x00], [5, 0x00, 0, 9]),
      thrownBy({ password: PASS.repeat(10) }),
      thrownBy({ username: USER.repeat(20) }),
      thrownBy({ host: '' }),
      thrownBy({ username: undefined }),
      new AbortError(),
      new TimeoutError('t'),
      new InvalidParametersError('password', 'p')
    ]
    for (const err of errors) {
      assert.ok(err instanceof Error)
      for (const text of [JSON.stringify(err), inspect(err, { depth: 5, showHidden: true }), err.message]) {
        assert.ok(!text.includes(PASS), `${err.name} leaks the password: ${text}`)
        assert.ok(!text.includes(USER), `${err.name} leaks the username: ${text}`)
      }
    }
  })
})

describe('SOCKS errors are libp2p\'s where libp2p has one', () => {
  it('AbortError, TimeoutError and InvalidParametersError pass instanceof and .name checks against @libp2p/interface', async () => {
    const libp2p = await import('@libp2p/interface')
    const socks = await import('../../../src/socks/errors.js')
    assert.ok(new socks.AbortError('x') instanceof libp2p.AbortError)
    assert.ok(new socks.TimeoutError('x') instanceof libp2p.TimeoutError)
    const bad = new socks.InvalidParametersError('port', 'SOCKS port must be 1..65535')
    assert.ok(bad instanceof libp2p.InvalidParametersError)
    assert.equal(bad.name, libp2p.InvalidParametersError.name)
    assert.equal(bad.parameter, 'port')
  })

  it('every F0-F7 code maps to its own class, and the class\'s reason is the code\'s (one table)', async () => {
    const socks = await import('../../../src/socks/errors.js')
    const seen = new Set<string>()
    for (let code = 0xF0; code <= 0xF7; code++) {
      const err = socks.socksReplyError(code, 'x.onion:1')
      assert.ok(err instanceof socks.SocksReplyError)
      assert.notEqual(err.constructor, socks.SocksReplyError, `F${code - 0xF0} has no class of its own`)
      assert.equal(err.replyCode, code)
      assert.match(err.reason, /^HS_/)
      seen.add(err.name)
      const again = new (err.constructor as new (d: string) => InstanceType<typeof socks.SocksReplyError>)('y.onion:2')
      assert.equal(again.replyCode, code)
      assert.equal(again.reason, err.reason)
    }
    assert.equal(seen.size, 8)
  })
})
