import assert from 'node:assert/strict'
import fc from 'fast-check'
import { SocksClientHandshake } from '../../../src/socks/handshake.js'
import type { HandshakeAction, SocksConnectRequest } from '../../../src/socks/handshake.js'
import {
  BadOnionAddressError,
  InvalidParametersError,
  OnionClientAuthBadError,
  OnionClientAuthMissingError,
  OnionDescriptorInvalidError,
  OnionIntroFailedError,
  OnionIntroTimeoutError,
  OnionRendezvousFailedError,
  OnionServiceNotFoundError,
  SocksAuthError,
  SocksError,
  SocksProtocolError,
  SocksReplyError
} from '../../../src/socks/errors.js'

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'
const PORT = 7777 // 0x1e61
const USER = 'iso-7'
const PASS = 'pässwörd-hunter2'

const METHOD_NO_AUTH = Uint8Array.of(5, 0x00)
const METHOD_USERPASS = Uint8Array.of(5, 0x02)
const AUTH_OK = Uint8Array.of(1, 0x00)
/** What tor sends on success: ATYP 1, 0.0.0.0:0. */
const REPLY_OK = Uint8Array.of(5, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0)

const enc = new TextEncoder()

function bytes (...parts: Array<number[] | Uint8Array>): Uint8Array {
  return Uint8Array.from(parts.flatMap(p => [...p]))
}

function replyWith (code: number): Uint8Array {
  return bytes(REPLY_OK.subarray(0, 1), [code], REPLY_OK.subarray(2))
}

/** A handshake past the greeting and, with credentials, the authentication: the next input is the CONNECT reply. */
function atReply (request: Partial<SocksConnectRequest> = {}): SocksClientHandshake {
  const h = new SocksClientHandshake({ host: ONION, port: PORT, ...request })
  h.start()
  if (request.username === undefined) {
    assert.equal(h.receive(METHOD_NO_AUTH).type, 'send')
  } else {
    assert.equal(h.receive(METHOD_USERPASS).type, 'send')
    assert.equal(h.receive(AUTH_OK).type, 'send')
  }
  return h
}

/**
 * Feed `input` cut at `cuts` (sorted offsets) until the handshake acts; every
 * action before that must be 'wait'. Pieces after a `connected` belong to the
 * application, so they are appended to its `rest`, as a socket would deliver them.
 */
function feedInPieces (h: SocksClientHandshake, input: Uint8Array, cuts: number[]): HandshakeAction {
  const edges = [0, ...cuts, input.length]
  for (let i = 0; i < edges.length - 1; i++) {
    const action = h.receive(input.subarray(edges[i], edges[i + 1]))
    if (action.type === 'connected') return { ...action, rest: bytes(action.rest, input.subarray(edges[i + 1])) }
    if (action.type !== 'wait' || i === edges.length - 2) {
      assert.equal(i, edges.length - 2, `'${action.type}' before the last piece`)
      return action
    }
  }
  assert.fail('no input')
}

function assertConnected (action: HandshakeAction): Extract<HandshakeAction, { type: 'connected' }> {
  assert.equal(action.type, 'connected')
  return action as Extract<HandshakeAction, { type: 'connected' }>
}

function assertSend (action: HandshakeAction): Uint8Array {
  assert.equal(action.type, 'send')
  return (action as Extract<HandshakeAction, { type: 'send' }>).data
}

describe('socks handshake: requests', () => {
  it('offers only "no authentication" without credentials', () => {
    assert.deepEqual(new SocksClientHandshake({ host: ONION, port: PORT }).start(), Uint8Array.of(5, 1, 0x00))
  })

  it('offers only username/password with credentials, so isolation cannot be skipped', () => {
    assert.deepEqual(new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS }).start(), Uint8Array.of(5, 1, 0x02))
  })

  it('sends CONNECT with the onion name as ATYP 3 (domain) and the port big-endian', () => {
    const h = new SocksClientHandshake({ host: ONION, port: PORT })
    h.start()
    const expected = bytes([0x05, 0x01, 0x00, 0x03, 62], enc.encode(ONION), [0x1e, 0x61])
    assert.equal(ONION.length, 62)
    assert.deepEqual(assertSend(h.receive(METHOD_NO_AUTH)), expected)
  })

  it('sends the RFC 1929 sub-negotiation with UTF-8 lengths, then CONNECT once accepted', () => {
    const h = new SocksClientHandshake({ host: 'a.onion', port: 1, username: USER, password: PASS })
    h.start()
    const pass = enc.encode(PASS)
    assert.equal(pass.length, 18) // two 2-byte characters
    assert.deepEqual(assertSend(h.receive(METHOD_USERPASS)), bytes([0x01, 5], enc.encode(USER), [18], pass))
    assert.deepEqual(assertSend(h.receive(AUTH_OK)), bytes([5, 1, 0, 3, 7], enc.encode('a.onion'), [0, 1]))
  })

  it('sends a 255-byte hostname and 255-byte credentials, the RFC maximum', () => {
    const host = 'h'.repeat(249) + '.onion'
    const h = new SocksClientHandshake({ host, port: 65535, username: 'u'.repeat(255), password: 'p'.repeat(255) })
    h.start()
    const auth = assertSend(h.receive(METHOD_USERPASS))
    assert.equal(auth.length, 3 + 255 + 255)
    const connect = assertSend(h.receive(AUTH_OK))
    assert.equal(connect[4], 255)
    assert.deepEqual(connect.subarray(-2), Uint8Array.of(0xff, 0xff))
  })
})

describe('socks handshake: replies', () => {
  it('connects on reply 0x00 with nothing left over', () => {
    const { bound, rest } = assertConnected(atReply().receive(REPLY_OK))
    assert.deepEqual(bound, { type: 'ipv4', host: '0.0.0.0', port: 0 })
    assert.equal(rest.length, 0)
  })

  it('parses bound addresses of ATYP 1, 3 and 4', () => {
    const cases: Array<[Uint8Array, object]> = [
      [bytes([5, 0, 0, 1, 10, 1, 2, 3, 0x1f, 0x90]), { type: 'ipv4', host: '10.1.2.3', port: 8080 }],
      [bytes([5, 0, 0, 3, 9], enc.encode('127.0.0.1'), [0, 80]), { type: 'domain', host: '127.0.0.1', port: 80 }],
      [bytes([5, 0, 0, 4, 0x20, 0x01, 0x0d, 0xb8], new Uint8Array(11), [1, 0x01, 0xbb]), { type: 'ipv6', host: '2001:db8:0:0:0:0:0:1', port: 443 }]
    ]
    for (const [reply, bound] of cases) {
      assert.deepEqual(assertConnected(atReply().receive(reply)).bound, bound)
    }
  })

  it('maps every failure code to its error class and reason', () => {
    const cases: Array<[number, string, new (...args: any[]) => SocksReplyError]> = [
      [0x01, 'GENERAL_FAILURE', SocksReplyError],
      [0x02, 'NOT_ALLOWED', SocksReplyError],
      [0x03, 'NETWORK_UNREACHABLE', SocksReplyError],
      [0x04, 'HOST_UNREACHABLE', SocksReplyError],
      [0x05, 'CONNECTION_REFUSED', SocksReplyError],
      [0x06, 'TTL_EXPIRED', SocksReplyError],
      [0x07, 'COMMAND_NOT_SUPPORTED', SocksReplyError],
      [0x08, 'ADDRTYPE_NOT_SUPPORTED', SocksReplyError],
      [0xF0, 'HS_DESC_NOT_FOUND', OnionServiceNotFoundError],
      [0xF1, 'HS_DESC_INVALID', OnionDescriptorInvalidError],
      [0xF2, 'HS_INTRO_FAILED', OnionIntroFailedError],
      [0xF3, 'HS_REND_FAILED', OnionRendezvousFailedError],
      [0xF4, 'HS_MISSING_CLIENT_AUTH', OnionClientAuthMissingError],
      [0xF5, 'HS_WRONG_CLIENT_AUTH', OnionClientAuthBadError],
      [0xF6, 'HS_BAD_ADDRESS', BadOnionAddressError],
      [0xF7, 'HS_INTRO_TIMEOUT', OnionIntroTimeoutError],
      [0x09, 'UNKNOWN', SocksReplyError],
      [0xF8, 'UNKNOWN', SocksReplyError]
    ]
    for (const [code, reason, Class] of cases) {
      assert.throws(() => atReply({ username: USER, password: PASS }).receive(replyWith(code)), (err: SocksReplyError) => {
        assert.equal(err.constructor, Class, `code ${code.toString(16)}`)
        assert.equal(err.name, Class.name)
        assert.equal(err.replyCode, code)
        assert.equal(err.reason, reason)
        assert.equal(err.destination, `${ONION}:${PORT}`)
        return true
      })
    }
  })

  it('fails on the reply code alone, without waiting for the bound address', () => {
    assert.throws(() => atReply().receive(Uint8Array.of(5, 0xF0)), OnionServiceNotFoundError)
  })

  it('waits for the rest of a successful reply', () => {
    const h = atReply()
    assert.deepEqual(h.receive(REPLY_OK.subarray(0, 4)), { type: 'wait' })
    assert.equal(h.receive(REPLY_OK.subarray(4)).type, 'connected')
  })

  it('returns application bytes that follow the reply in the same chunk', () => {
    const app = enc.encode('/multistream/1.0.0\n')
    const { rest } = assertConnected(atReply().receive(bytes(REPLY_OK, app)))
    assert.deepEqual(rest, app)
  })

  it('reaches the same result wherever each proxy message is cut in two', () => {
    const app = Uint8Array.of(0x13, 0x2f, 0x00)
    const reply = bytes([5, 0, 0, 3, 4], enc.encode('tor!'), [0x12, 0x34], app)
    // the CONNECT reply, cut at every byte boundary
    for (let cut = 1; cut < reply.length; cut++) {
      const { bound, rest } = assertConnected(feedInPieces(atReply(), reply, [cut]))
      assert.deepEqual(bound, { type: 'domain', host: 'tor!', port: 0x1234 })
      assert.deepEqual(rest, app)
    }
    // the method selection and the authentication status, cut in the middle
    const h = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    h.start()
    assert.equal(feedInPieces(h, METHOD_USERPASS, [1]).type, 'send')
    assert.equal(feedInPieces(h, AUTH_OK, [1]).type, 'send')
    assert.equal(feedInPieces(h, REPLY_OK, [1, 2, 3, 4, 5]).type, 'connected')
  })

  it('reaches the same result for any split of any successful reply (property)', () => {
    const replyArb = fc.oneof(
      fc.tuple(fc.constant(1), fc.uint8Array({ minLength: 4, maxLength: 4 })),
      fc.tuple(fc.constant(4), fc.uint8Array({ minLength: 16, maxLength: 16 })),
      fc.tuple(fc.constant(3), fc.uint8Array({ minLength: 0, maxLength: 255 }).map(a => bytes([a.length], a)))
    )
    fc.assert(fc.property(
      replyArb, fc.integer({ min: 0, max: 65535 }), fc.uint8Array({ maxLength: 64 }), fc.uniqueArray(fc.nat(), { maxLength: 12 }),
      ([atyp, addr], port, app, rawCuts) => {
        const reply = bytes([5, 0, 0, atyp], addr, [port >> 8, port & 0xff])
        const input = bytes(reply, app)
        const whole = assertConnected(atReply().receive(input))
        const cuts = [...new Set(rawCuts.map(c => 1 + (c % (input.length - 1))))].sort((a, b) => a - b)
        const pieces = assertConnected(feedInPieces(atReply(), input, cuts))
        assert.deepEqual(pieces.bound, whole.bound)
        assert.equal(pieces.bound.port, port)
        assert.deepEqual(pieces.rest, app)
        assert.deepEqual(whole.rest, app)
      }
    ), { numRuns: 300 })
  })

  it('throws only SocksErrors, or finishes, whatever the proxy sends (property)', () => {
    fc.assert(fc.property(fc.boolean(), fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 8 }), (creds, chunks) => {
      const h = new SocksClientHandshake(creds ? { host: ONION, port: PORT, username: USER, password: PASS } : { host: ONION, port: PORT })
      h.start()
      try {
        for (const chunk of chunks) {
          if (h.receive(chunk).type === 'connected') return
        }
      } catch (err) {
        assert.ok(err instanceof SocksError, String(err))
      }
    }), { numRuns: 500 })
  })
})

describe('socks handshake: misbehaving proxies', () => {
  it('rejects a method selection with no acceptable method (FF)', () => {
    const h = new SocksClientHandshake({ host: ONION, port: PORT })
    h.start()
    assert.throws(() => h.receive(Uint8Array.of(5, 0xff)), (err: SocksAuthError) => err instanceof SocksAuthError && err.failure === 'NO_ACCEPTABLE_METHOD')
  })

  it('rejects a refused username/password', () => {
    const h = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    h.start()
    h.receive(METHOD_USERPASS)
    assert.throws(() => h.receive(Uint8Array.of(1, 0x01)), (err: SocksAuthError) => err instanceof SocksAuthError && err.failure === 'REJECTED')
  })

  it('rejects a proxy that skips the credentials we offered (no isolation)', () => {
    const h = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    h.start()
    assert.throws(() => h.receive(METHOD_NO_AUTH), SocksProtocolError)
  })

  it('rejects a method that was not offered', () => {
    const h = new SocksClientHandshake({ host: ONION, port: PORT })
    h.start()
    assert.throws(() => h.receive(METHOD_USERPASS), SocksProtocolError)
  })

  it('rejects a wrong version byte in every proxy message', () => {
    const greeting = new SocksClientHandshake({ host: ONION, port: PORT })
    greeting.start()
    assert.throws(() => greeting.receive(Uint8Array.of(4, 0)), /version 0x04/)

    const http = new SocksClientHandshake({ host: ONION, port: PORT })
    http.start()
    assert.throws(() => http.receive(enc.encode('HT')), (err: Error) => err instanceof SocksProtocolError && /0x48/.test(err.message))

    const auth = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    auth.start()
    auth.receive(METHOD_USERPASS)
    assert.throws(() => auth.receive(Uint8Array.of(5, 0)), SocksProtocolError)

    assert.throws(() => atReply().receive(bytes([4], REPLY_OK.subarray(1))), SocksProtocolError)
  })

  it('a proxy that answers the greeting with something other than SOCKS5 is SocksNotSocks5Error, showing what it answered', () => {
    for (const [answer, shown] of [
      ['514 Authentication required.\r\n', '"514 Authentication r…"'],
      ['HTTP/1.0 400 Bad Request\r\n', '"HTTP/1.0 400 Bad Req…"'],
      ['\x04\x5a', '"\\x04Z"']
    ]) {
      const h = new SocksClientHandshake({ host: ONION, port: PORT })
      h.start()
      assert.throws(() => h.receive(enc.encode(answer)), (err: Error) =>
        err instanceof SocksProtocolError && err.name === 'SocksNotSocks5Error' &&
        err.message.startsWith(`the SOCKS proxy does not speak SOCKS5: it answered the greeting with ${shown}`), answer)
    }
  })

  it('rejects a reply with a non-zero reserved byte or an unknown address type', () => {
    assert.throws(() => atReply().receive(Uint8Array.of(5, 0, 1, 1, 0, 0, 0, 0, 0, 0)), /reserved byte/)
    assert.throws(() => atReply().receive(Uint8Array.of(5, 0, 0, 2, 0, 0, 0, 0, 0, 0)), /address type 0x02/)
  })

  it('rejects bytes the proxy sends before it has been asked', () => {
    const early = new SocksClientHandshake({ host: ONION, port: PORT })
    assert.throws(() => early.receive(METHOD_NO_AUTH), /before the greeting/)

    const extra = new SocksClientHandshake({ host: ONION, port: PORT })
    extra.start()
    assert.throws(() => extra.receive(bytes(METHOD_NO_AUTH, REPLY_OK)), /unexpected byte/)

    const afterAuth = new SocksClientHandshake({ host: ONION, port: PORT, username: USER, password: PASS })
    afterAuth.start()
    afterAuth.receive(METHOD_USERPASS)
    assert.throws(() => afterAuth.receive(bytes(AUTH_OK, [5])), /unexpected byte/)
  })

  it('is finished after success or failure, and starts only once', () => {
    const ok = atReply()
    ok.receive(REPLY_OK)
    assert.throws(() => ok.receive(Uint8Array.of(1)), /after the handshake finished/)

    const failed = atReply()
    assert.throws(() => failed.receive(replyWith(0x01)), SocksReplyError)
    assert.throws(() => failed.receive(REPLY_OK), /after the handshake finished/)

    const twice = new SocksClientHandshake({ host: ONION, port: PORT })
    twice.start()
    assert.throws(() => twice.start(), SocksProtocolError)
  })
})

describe('socks handshake: input validation', () => {
  const invalid: Array<[string, Partial<SocksConnectRequest>, string]> = [
    ['empty host', { host: '' }, 'host'],
    ['256-byte host', { host: 'h'.repeat(250) + '.onion' }, 'host'],
    ['host over 255 bytes only in UTF-8', { host: 'é'.repeat(128) }, 'host'],
    ['host with NUL', { host: 'abc\0.onion' }, 'host'],
    ['host with CR', { host: 'abc\r.onion' }, 'host'],
    ['host with LF', { host: 'abc\n.onion' }, 'host'],
    ['non-string host', { host: 42 as unknown as string }, 'host'],
    ['port 0', { port: 0 }, 'port'],
    ['port 65536', { port: 65536 }, 'port'],
    ['fractional port', { port: 80.5 }, 'port'],
    ['NaN port', { port: NaN }, 'port'],
    ['string port', { port: '80' as unknown as number }, 'port'],
    ['empty username', { username: '', password: PASS }, 'username'],
    ['256-byte username', { username: 'u'.repeat(256), password: PASS }, 'username'],
    ['empty password', { username: USER, password: '' }, 'password'],
    ['256-byte password', { username: USER, password: PASS.repeat(16) }, 'password'],
    ['password without username', { password: PASS }, 'username'],
    ['username without password', { username: USER }, 'password']
  ]
  for (const [title, override, parameter] of invalid) {
    it(`refuses ${title} before producing any byte`, () => {
      assert.throws(() => new SocksClientHandshake({ host: ONION, port: PORT, ...override }), (err: InvalidParametersError) => {
        assert.ok(err instanceof InvalidParametersError)
        assert.equal(err.name, 'InvalidParametersError')
        assert.equal(err.parameter, parameter)
        assert.ok(!err.message.includes(PASS) && !err.message.includes('pässwörd'), err.message)
        return true
      })
    })
  }
})
