import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  buildAddOnion, buildAuthChallenge, buildAuthenticate, buildDelOnion, buildGetInfo, buildOnionClientAuthAdd,
  buildOnionClientAuthRemove, buildProtocolInfo, buildResetConf, buildSetConf, buildSetEvents, buildSignal,
  buildTakeOwnership, type AddOnionOptions, type ControlCommand, type SignalName
} from '../../../src/control/commands.js'
import { InvalidControlArgumentError } from '../../../src/control/errors.js'
import { quoteString, readQuoted } from '../../../src/control/quote.js'
import { newKeyBlob } from './key-blob.js'

const ID = 'jt4grrjwzyz3pjkylwfau5xnjaj23vxmhskqaeyfhrfylelw4hvxcuyd'
// ONION_CLIENT_AUTH_ADD test keys from tor's src/test/test_hs_control.c
const X25519_PRIV = 'iJ1tjKCrMAbiFT2bVrCjhbfMDnE1fpaRbIS5ZHKUvEQ='
// control-spec / rend-spec-v3 style client public key: 52 base32 characters
const X25519_PUB = 'B'.repeat(51) + 'A'

const KEY = newKeyBlob()

/** Strings built from the characters that matter to quoting and injection. */
const SAFE_UNITS = ['\\', '"', ' ', '\t', 'a', 'Z', '0', '7', 'n', 'r', 't', '=', '/', '.', '\x7f', 'é', '𝄞']
const safe = fc.string({ unit: fc.constantFrom(...SAFE_UNITS), maxLength: 30 })
const tricky = fc.string({ unit: fc.constantFrom(...SAFE_UNITS, '\r', '\n', '\0'), maxLength: 30 })

/** Things that must never be accepted where they do not belong. */
const INJECTIONS = ['\r\n', '\n', '\r', '\0', ' ', '"']

function rejects (fn: () => unknown, argument: string | RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof InvalidControlArgumentError, `expected InvalidControlArgumentError, got ${String(err)}`)
    if (typeof argument === 'string') assert.equal(err.argument, argument)
    else assert.match(err.argument, argument)
    return true
  })
}

function noLineBreaks (cmd: ControlCommand): void {
  assert.doesNotMatch(cmd.line, /[\r\n\0]/)
}

describe('control quoting', () => {
  it('escapes backslash and double quote', () => {
    assert.equal(quoteString('password', 'p"a\\ss w'), '"p\\"a\\\\ss w"')
    assert.equal(quoteString('password', ''), '""')
  })

  for (const bad of ['a\rb', 'a\nb', 'a\0b', '\r\nSIGNAL HALT']) {
    it(`refuses ${JSON.stringify(bad)} in a quoted string`, () => {
      rejects(() => quoteString('password', bad), 'password')
    })
  }

  it('round-trips any string without CR, LF or NUL through readQuoted (fast-check)', () => {
    fc.assert(fc.property(safe, (s) => {
      const q = quoteString('v', s)
      assert.deepEqual(readQuoted(q, 0), { value: s, end: q.length })
    }), { numRuns: 500 })
  })

  it('refuses any string with CR, LF or NUL (fast-check)', () => {
    fc.assert(fc.property(tricky, fc.constantFrom('\r', '\n', '\0'), tricky, (a, c, b) => {
      assert.throws(() => quoteString('v', a + c + b), InvalidControlArgumentError)
    }))
  })
})

describe('control command builders', () => {
  describe('exact lines', () => {
    it('builds the fixed commands', () => {
      assert.equal(buildProtocolInfo().line, 'PROTOCOLINFO 1')
      assert.equal(buildTakeOwnership().line, 'TAKEOWNERSHIP')
      assert.equal(buildAuthenticate().line, 'AUTHENTICATE')
    })

    it('builds AUTHCHALLENGE and AUTHENTICATE with hex and a quoted password', () => {
      assert.equal(buildAuthChallenge(new Uint8Array(32).fill(0xab)).line, `AUTHCHALLENGE SAFECOOKIE ${'ab'.repeat(32)}`)
      const hex = buildAuthenticate({ hex: Uint8Array.from([0, 1, 254, 255]) })
      assert.equal(hex.line, 'AUTHENTICATE 0001feff')
      assert.deepEqual(hex.secrets, ['0001feff'])
      const pw = buildAuthenticate({ password: 'p"a\\ss w' })
      assert.equal(pw.line, 'AUTHENTICATE "p\\"a\\\\ss w"')
      assert.ok(pw.secrets.includes('p"a\\ss w'))
    })

    it('builds GETINFO, SETEVENTS, DEL_ONION, SIGNAL, RESETCONF and SETCONF', () => {
      assert.equal(buildGetInfo(['version', 'status/bootstrap-phase', 'onions/current', 'ns/id/$AAAA~nick']).line,
        'GETINFO version status/bootstrap-phase onions/current ns/id/$AAAA~nick')
      assert.equal(buildSetEvents(['HS_DESC', 'STATUS_CLIENT']).line, 'SETEVENTS HS_DESC STATUS_CLIENT')
      assert.equal(buildSetEvents([]).line, 'SETEVENTS')
      assert.equal(buildDelOnion(ID).line, `DEL_ONION ${ID}`)
      assert.equal(buildSignal('NEWNYM').line, 'SIGNAL NEWNYM')
      assert.equal(buildResetConf(['__OwningControllerProcess']).line, 'RESETCONF __OwningControllerProcess')
      assert.equal(buildSetConf({ ContactInfo: 'a"b\\c d', __OwningControllerProcess: '123' }).line,
        'SETCONF ContactInfo="a\\"b\\\\c d" __OwningControllerProcess="123"')
    })

    it('builds ONION_CLIENT_AUTH_ADD / _REMOVE', () => {
      const add = buildOnionClientAuthAdd(ID, X25519_PRIV, { nickname: 'MeganNicole', permanent: true })
      assert.equal(add.line, `ONION_CLIENT_AUTH_ADD ${ID} x25519:${X25519_PRIV} ClientName=MeganNicole Flags=Permanent`)
      assert.deepEqual(add.secrets, [X25519_PRIV])
      assert.equal(buildOnionClientAuthAdd(ID, X25519_PRIV).line, `ONION_CLIENT_AUTH_ADD ${ID} x25519:${X25519_PRIV}`)
      assert.equal(buildOnionClientAuthRemove(ID).line, `ONION_CLIENT_AUTH_REMOVE ${ID}`)
    })

    it('builds ADD_ONION with a new key and every option, in spec order', () => {
      const cmd = buildAddOnion({
        ports: [
          { virtualPort: 80 },
          { virtualPort: 443, target: { host: '127.0.0.1', port: 8443 } },
          { virtualPort: 22, target: { host: '::1', port: 2222 } },
          { virtualPort: 8080, target: { host: 'localhost', port: 8081 } },
          { virtualPort: 9999, target: { path: '/run/p2p-tor/s.sock' } }
        ],
        flags: ['DiscardPK', 'Detach', 'V3Auth', 'MaxStreamsCloseCircuit'],
        maxStreams: 10,
        clientAuthV3: [X25519_PUB, X25519_PUB.toLowerCase()]
      })
      assert.equal(cmd.line, 'ADD_ONION NEW:ED25519-V3 Flags=DiscardPK,Detach,V3Auth,MaxStreamsCloseCircuit MaxStreams=10 ' +
        'Port=80 Port=443,127.0.0.1:8443 Port=22,[::1]:2222 Port=8080,localhost:8081 Port=9999,unix:/run/p2p-tor/s.sock ' +
        `ClientAuthV3=${X25519_PUB} ClientAuthV3=${X25519_PUB.toLowerCase()}`)
      assert.equal(cmd.verb, 'ADD_ONION')
      assert.deepEqual(cmd.secrets, [])
    })

    it('builds ADD_ONION with a given key, and lists the key blob as a secret', () => {
      const cmd = buildAddOnion({ key: KEY, ports: [{ virtualPort: 7777, target: { host: '127.0.0.1', port: 40000 } }] })
      assert.equal(cmd.line, `ADD_ONION ${KEY} Port=7777,127.0.0.1:40000`)
      assert.deepEqual(cmd.secrets, [KEY.slice('ED25519-V3:'.length)])
    })

    it('accepts the boundaries: ports 1 and 65535, maxStreams 0 and 65535, empty flags', () => {
      assert.equal(buildAddOnion({ ports: [{ virtualPort: 1, target: { host: '10.0.0.1', port: 65535 } }], maxStreams: 0, flags: [] }).line,
        'ADD_ONION NEW:ED25519-V3 MaxStreams=0 Port=1,10.0.0.1:65535')
      assert.match(buildAddOnion({ ports: [{ virtualPort: 65535 }], maxStreams: 65535 }).line, /MaxStreams=65535 Port=65535$/)
    })
  })

  describe('injection attempts on every argument', () => {
    for (const inj of INJECTIONS) {
      const label = JSON.stringify(inj)
      it(`rejects ${label} in service ids (DEL_ONION, ONION_CLIENT_AUTH_*)`, () => {
        rejects(() => buildDelOnion(ID + inj), 'serviceId')
        rejects(() => buildDelOnion(inj + ID.slice(1)), 'serviceId')
        rejects(() => buildOnionClientAuthAdd(ID + inj, X25519_PRIV), 'serviceId')
        rejects(() => buildOnionClientAuthRemove(`${ID}${inj}SIGNAL HALT`), 'serviceId')
      })

      it(`rejects ${label} in the ADD_ONION key blob, ports, flags and client keys`, () => {
        const port = [{ virtualPort: 80 }]
        rejects(() => buildAddOnion({ key: KEY + inj, ports: port }), 'key')
        rejects(() => buildAddOnion({ key: KEY.replace(':', `:${inj}`), ports: port }), 'key')
        rejects(() => buildAddOnion({ ports: [{ virtualPort: 80, target: { host: `127.0.0.1${inj}`, port: 1 } }] }), 'ports[0].target.host')
        rejects(() => buildAddOnion({ ports: [{ virtualPort: 80, target: { path: `/tmp/s${inj}ock` } }] }), 'ports[0].target.path')
        rejects(() => buildAddOnion({ ports: port, flags: [`Detach${inj}` as 'Detach'] }), 'flags[0]')
        rejects(() => buildAddOnion({ ports: port, clientAuthV3: [X25519_PUB.slice(0, 51) + inj] }), 'clientAuthV3[0]')
      })

      it(`rejects ${label} in the password, cookie-free AUTHENTICATE tokens stay hex`, () => {
        if (inj === ' ' || inj === '"') {
          // legal inside a quoted password: escaped or kept, never breaking out
          assert.match(buildAuthenticate({ password: `a${inj}b` }).line, /^AUTHENTICATE "a(\\"| )b"$/)
        } else {
          rejects(() => buildAuthenticate({ password: `pw${inj}SIGNAL HALT` }), 'password')
        }
      })

      it(`rejects ${label} in GETINFO keys, event names and conf keys`, () => {
        rejects(() => buildGetInfo(['version', `onions/current${inj}`]), 'getinfo keys[1]')
        rejects(() => buildSetEvents(['HS_DESC', `STATUS_CLIENT${inj}`]), 'events[1]')
        rejects(() => buildResetConf([`ContactInfo${inj}`]), 'keys[0]')
        rejects(() => buildSetConf({ [`ContactInfo${inj}`]: 'x' }), /^settings key/)
      })

      it(`rejects ${label} in the signal name and client-auth nickname`, () => {
        rejects(() => buildSignal(`NEWNYM${inj}` as SignalName), 'signal')
        rejects(() => buildOnionClientAuthAdd(ID, X25519_PRIV, { nickname: `bob${inj}` }), 'nickname')
      })

      it(`rejects ${label} in the x25519 private key`, () => {
        rejects(() => buildOnionClientAuthAdd(ID, X25519_PRIV.slice(0, 43) + inj), 'x25519PrivateKeyBase64')
      })
    }

    it('rejects CR, LF and NUL in SETCONF values but quotes spaces and quotes', () => {
      for (const inj of ['\r\n', '\n', '\r', '\0']) rejects(() => buildSetConf({ ContactInfo: `x${inj}SIGNAL HALT` }), 'settings.ContactInfo')
      assert.equal(buildSetConf({ ContactInfo: 'a "b" c' }).line, 'SETCONF ContactInfo="a \\"b\\" c"')
    })

    it('accepts any GETINFO keys of letters, digits and _-/.:$~+ and writes them space-separated (fast-check, pairs the property below)', () => {
      const first = fc.constantFrom(...'abcXYZ019')
      const rest = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-/.:$~+'), maxLength: 20 })
      const key = fc.tuple(first, rest).map(([a, b]) => a + b)
      fc.assert(fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), (keys) => {
        const cmd = buildGetInfo(keys)
        assert.equal(cmd.line, `GETINFO ${keys.join(' ')}`)
        noLineBreaks(cmd)
      }), { numRuns: 500 })
    })

    it('never yields a line with CR, LF or NUL for any GETINFO key (fast-check)', () => {
      fc.assert(fc.property(fc.array(tricky, { minLength: 1, maxLength: 4 }), (keys) => {
        try {
          noLineBreaks(buildGetInfo(keys))
          assert.ok(keys.every(k => /^[A-Za-z0-9][A-Za-z0-9_\-/.:$~+]*$/.test(k)))
        } catch (err) {
          assert.ok(err instanceof InvalidControlArgumentError)
        }
      }), { numRuns: 500 })
    })

    it('never yields a line with CR, LF or NUL for any SETCONF value (fast-check)', () => {
      fc.assert(fc.property(tricky, (value) => {
        try {
          const cmd = buildSetConf({ ContactInfo: value })
          noLineBreaks(cmd)
          assert.equal(readQuoted(cmd.line, 'SETCONF ContactInfo='.length).value, value)
        } catch (err) {
          assert.ok(err instanceof InvalidControlArgumentError)
          assert.match(value, /[\r\n\0]/)
        }
      }), { numRuns: 500 })
    })
  })

  describe('validation', () => {
    it('rejects service ids that are not 56 characters of a-z2-7', () => {
      for (const id of [ID.slice(1), `${ID}a`, ID.toUpperCase(), `${ID}.onion`, ID.replace('j', '1'), ID.replace('j', '8'), '', 'thatsok']) {
        rejects(() => buildDelOnion(id), 'serviceId')
      }
      rejects(() => buildDelOnion(42 as unknown as string), 'serviceId')
    })

    it('rejects key blobs that are not ED25519-V3 + canonical base64 of 64 bytes', () => {
      const blob = KEY.slice('ED25519-V3:'.length)
      const b = Buffer.from(blob, 'base64')
      const port = [{ virtualPort: 80 }]
      const bad = [
        `RSA1024:${blob}`, `ed25519-v3:${blob}`, blob, 'NEW:ED25519-V3', 'NEW:BEST',
        `ED25519-V3:${b.subarray(0, 63).toString('base64')}`,
        `ED25519-V3:${Buffer.concat([b, Buffer.from([1])]).toString('base64')}`,
        `ED25519-V3:${blob.replace(/=+$/, '')}`,
        `ED25519-V3:${blob.replace(/\+/g, '-').replace(/\//g, '_')}${/[+/]/.test(blob) ? '' : '!'}`,
        // same bytes, but non-zero padding bits in the last character: not canonical
        `ED25519-V3:${blob.slice(0, 85)}${blob[85] === 'A' ? 'B' : String.fromCharCode(blob.charCodeAt(85) ^ 1)}==`
      ]
      for (const key of bad) rejects(() => buildAddOnion({ key, ports: port }), 'key')
    })

    it('rejects bad ports, hosts and paths', () => {
      const cases: Array<[AddOnionOptions, string]> = [
        [{ ports: [] }, 'ports'],
        [{ ports: undefined as unknown as [] }, 'ports'],
        [{ ports: [{ virtualPort: 0 }] }, 'ports[0].virtualPort'],
        [{ ports: [{ virtualPort: 65536 }] }, 'ports[0].virtualPort'],
        [{ ports: [{ virtualPort: 80.5 }] }, 'ports[0].virtualPort'],
        [{ ports: [{ virtualPort: Number.NaN }] }, 'ports[0].virtualPort'],
        [{ ports: [{ virtualPort: '80' as unknown as number }] }, 'ports[0].virtualPort'],
        [{ ports: [{ virtualPort: 80 }, { virtualPort: 81, target: { host: '127.0.0.1', port: 0 } }] }, 'ports[1].target.port'],
        [{ ports: [{ virtualPort: 80, target: { host: 'example.com', port: 80 } }] }, 'ports[0].target.host'],
        [{ ports: [{ virtualPort: 80, target: { host: '[::1]', port: 80 } }] }, 'ports[0].target.host'],
        [{ ports: [{ virtualPort: 80, target: { host: '127.0.0.1:80', port: 80 } }] }, 'ports[0].target.host'],
        [{ ports: [{ virtualPort: 80, target: { path: 'relative/sock' } }] }, 'ports[0].target.path'],
        [{ ports: [{ virtualPort: 80, target: { path: '/a,Port=22' } }] }, 'ports[0].target.path'],
        [{ ports: [{ virtualPort: 80, target: { path: "/a'b" } }] }, 'ports[0].target.path'],
        [{ ports: [{ virtualPort: 80, target: { path: '/a\\b' } }] }, 'ports[0].target.path'],
        [{ ports: [{ virtualPort: 80 }], maxStreams: -1 }, 'maxStreams'],
        [{ ports: [{ virtualPort: 80 }], maxStreams: 65536 }, 'maxStreams'],
        [{ ports: [{ virtualPort: 80 }], flags: ['BasicAuth' as 'Detach'] }, 'flags[0]'],
        [{ ports: [{ virtualPort: 80 }], clientAuthV3: [X25519_PUB.slice(1)] }, 'clientAuthV3[0]'],
        [{ ports: [{ virtualPort: 80 }], clientAuthV3: ['b'.repeat(51) + 'A'] }, 'clientAuthV3[0]'],
        [{ ports: [{ virtualPort: 80 }], clientAuthV3: ['1'.repeat(52)] }, 'clientAuthV3[0]'],
        [{ ports: [{ virtualPort: 80 }], clientAuthV3: ['B'.repeat(52)] }, 'clientAuthV3[0]']
      ]
      for (const [opts, argument] of cases) rejects(() => buildAddOnion(opts), argument)
    })

    it('rejects a bad nonce, x25519 key, nickname, signal and empty lists', () => {
      rejects(() => buildAuthChallenge(new Uint8Array(31)), 'clientNonce')
      rejects(() => buildOnionClientAuthAdd(ID, X25519_PRIV.slice(0, 43)), 'x25519PrivateKeyBase64')
      rejects(() => buildOnionClientAuthAdd(ID, Buffer.alloc(33).toString('base64')), 'x25519PrivateKeyBase64')
      rejects(() => buildOnionClientAuthAdd(ID, X25519_PRIV, { nickname: 'x'.repeat(17) }), 'nickname')
      rejects(() => buildOnionClientAuthAdd(ID, X25519_PRIV, { nickname: '' }), 'nickname')
      rejects(() => buildSignal('TERM' as SignalName), 'signal')
      rejects(() => buildSignal('newnym' as SignalName), 'signal')
      rejects(() => buildGetInfo([]), 'getinfo keys')
      rejects(() => buildGetInfo(['a=b']), 'getinfo keys[0]')
      rejects(() => buildSetEvents(['hs_desc']), 'events[0]')
      rejects(() => buildResetConf([]), 'keys')
      rejects(() => buildSetConf({}), 'settings')
      rejects(() => buildSetConf({ ContactInfo: 5 as unknown as string }), 'settings.ContactInfo')
    })
  })
})
