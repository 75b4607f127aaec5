import assert from 'node:assert/strict'
import { ControlProtocolError } from '../../../src/control/errors.js'
import { ReplyParser, type ControlReply, type ControlReplyLine } from '../../../src/control/parser.js'
import {
  keywordLine, parseAddOnionReply, parseAuthChallenge, parseGetInfoReply, parseProtocolInfo, splitKeyValue
} from '../../../src/control/replies.js'
import * as auth from '../../../src/control/auth.js'
import * as cap from './captured.js'

/** The one reply that `wire` holds, as ReplyParser delivers it. */
function reply (wire: string): ControlReply {
  const replies = new ReplyParser().push(new TextEncoder().encode(wire))
  assert.equal(replies.length, 1, `expected one reply in ${JSON.stringify(wire)}`)
  return replies[0]
}

/** A reply built by hand, for shapes that ReplyParser never delivers. */
function built (...lines: ControlReplyLine[]): ControlReply {
  return { status: lines[lines.length - 1].status, lines }
}

/** Asserts exactly a ControlProtocolError whose message matches `problem`. */
function malformed (fn: () => unknown, problem: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.equal(err.constructor, ControlProtocolError, `expected ControlProtocolError, got ${String(err)}`)
    assert.equal(err.name, 'ControlProtocolError')
    assert.match(err.message, problem)
    return true
  })
}

const KEY_BLOB = 'gBaXlMi2V/GiTFLL3rdcULmI7p+PPm33LthDz1oc4FIe3AbLzSMjNrsoemnEjw7icr4eFcw3+jdg8HgjmHKttQ=='
const ID = 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd'

describe('control reply parsers (replies.ts)', () => {
  describe('line helpers', () => {
    it('splitKeyValue splits at the first "=" and refuses a line without a key', () => {
      assert.deepEqual(splitKeyValue('a=b=c'), { key: 'a', value: 'b=c' })
      assert.deepEqual(splitKeyValue('onions/current='), { key: 'onions/current', value: '' })
      assert.equal(splitKeyValue('OK'), undefined)
      assert.equal(splitKeyValue('=x'), undefined)
    })

    it('keywordLine reads a keyword and its quoted and plain arguments', () => {
      assert.deepEqual(keywordLine('AUTH METHODS=NULL COOKIEFILE="/a b"'), { keyword: 'AUTH', args: { METHODS: 'NULL', COOKIEFILE: '/a b' } })
      assert.deepEqual(keywordLine('AUTHCHALLENGE'), { keyword: 'AUTHCHALLENGE', args: {} })
    })

    it('auth.ts still exports the moved parsers', () => {
      assert.equal(auth.parseProtocolInfo, parseProtocolInfo)
      assert.equal(auth.parseAuthChallenge, parseAuthChallenge)
    })
  })

  describe('parseProtocolInfo', () => {
    it('reads the captured replies', () => {
      assert.deepEqual(parseProtocolInfo(reply(cap.PROTOCOLINFO_COOKIE)),
        { authMethods: ['COOKIE', 'SAFECOOKIE'], cookieFile: '/tmp/torcap/data/control_auth_cookie', torVersion: '0.4.9.11' })
      assert.deepEqual(parseProtocolInfo(reply(cap.PROTOCOLINFO_ALL)).authMethods, ['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD'])
      assert.deepEqual(parseProtocolInfo(reply(cap.PROTOCOLINFO_NULL)), { authMethods: ['NULL'], torVersion: '0.4.9.11' })
    })

    it('refuses a reply without AUTH, an AUTH without METHODS, and an unterminated COOKIEFILE', () => {
      malformed(() => parseProtocolInfo(reply('250-PROTOCOLINFO 1\r\n250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n')), /PROTOCOLINFO reply has no AUTH line/)
      malformed(() => parseProtocolInfo(reply('250-PROTOCOLINFO 1\r\n250-AUTH COOKIEFILE="/x"\r\n250 OK\r\n')), /AUTH line has no METHODS/)
      malformed(() => parseProtocolInfo(reply('250-PROTOCOLINFO 1\r\n250-AUTH METHODS=COOKIE COOKIEFILE="/x\r\n250 OK\r\n')), /quoted string is not terminated/)
    })

    it('refuses a non-250 status and a reply that does not end in 250 OK', () => {
      malformed(() => parseProtocolInfo(reply(cap.AUTH_REQUIRED)), /PROTOCOLINFO reply has status 514 where 250 was expected/)
      malformed(() => parseProtocolInfo(reply('250-PROTOCOLINFO 1\r\n250 AUTH METHODS=NULL\r\n')), /PROTOCOLINFO reply does not end with "250 OK"/)
      malformed(() => parseProtocolInfo({ status: 250, lines: [] }), /PROTOCOLINFO reply has no lines/)
    })
  })

  describe('parseAuthChallenge', () => {
    it('reads the captured reply', () => {
      const c = parseAuthChallenge(reply(cap.SAFECOOKIE_VECTOR.reply))
      assert.equal(Buffer.from(c.serverHash).toString('hex'), cap.SAFECOOKIE_VECTOR.serverHashHex)
      assert.equal(Buffer.from(c.serverNonce).toString('hex'), cap.SAFECOOKIE_VECTOR.serverNonceHex)
    })

    it('refuses a SERVERHASH or SERVERNONCE of the wrong length or alphabet, naming which', () => {
      const hash = cap.SAFECOOKIE_VECTOR.serverHashHex
      const nonce = cap.SAFECOOKIE_VECTOR.serverNonceHex
      const line = (h: string, n: string): string => `250 AUTHCHALLENGE SERVERHASH=${h} SERVERNONCE=${n}\r\n`
      malformed(() => parseAuthChallenge(reply(line(hash.slice(2), nonce))), /lacks a 32-byte SERVERHASH/)
      malformed(() => parseAuthChallenge(reply(line(`${hash}00`, nonce))), /lacks a 32-byte SERVERHASH/)
      malformed(() => parseAuthChallenge(reply(line(`${hash.slice(1)}g`, nonce))), /lacks a 32-byte SERVERHASH/)
      malformed(() => parseAuthChallenge(reply(line(hash, nonce.slice(2)))), /lacks a 32-byte SERVERNONCE/)
      malformed(() => parseAuthChallenge(reply(line(hash, `${nonce}ab`))), /lacks a 32-byte SERVERNONCE/)
      malformed(() => parseAuthChallenge(reply(`250 AUTHCHALLENGE SERVERHASH=${hash}\r\n`)), /lacks a 32-byte SERVERNONCE/)
    })

    it('refuses a reply that is not one AUTHCHALLENGE line, and a non-250 status', () => {
      malformed(() => parseAuthChallenge(reply(cap.OK)), /not one "250 AUTHCHALLENGE \.\.\." line/)
      malformed(() => parseAuthChallenge(reply(`250-AUTHCHALLENGE X=1\r\n${cap.SAFECOOKIE_VECTOR.reply}`)), /not one "250 AUTHCHALLENGE/)
      malformed(() => parseAuthChallenge(reply(cap.WRONG_SAFECOOKIE_LENGTH)), /AUTHCHALLENGE reply has status 515/)
    })
  })

  describe('parseAddOnionReply', () => {
    it('reads the captured replies: NEW, DiscardPK, ClientAuthV3', () => {
      assert.deepEqual(parseAddOnionReply(reply(cap.ADD_ONION_NEW)), { serviceId: ID, privateKey: `ED25519-V3:${KEY_BLOB}` })
      assert.deepEqual(parseAddOnionReply(reply(cap.ADD_ONION_DISCARD_PK)), { serviceId: 'skpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad' })
      assert.deepEqual(parseAddOnionReply(reply(cap.ADD_ONION_CLIENT_AUTH_V3)), {
        serviceId: 'zrto3merzge7gbsnbopzkpuw2znvzspbyj2djywinic7h72sd32drdqd',
        clientAuthV3: ['GAOJJX4F45GT6RFSNULL6RHT4GDCPBQNZJT3VED52HU4HP7BEITQ']
      })
    })

    it('ignores keys it does not know (v2 ClientAuth, newer ones)', () => {
      assert.deepEqual(parseAddOnionReply(reply(`250-ServiceID=${ID}\r\n250-ClientAuth=bob:abc\r\n250-Future=1\r\n250 OK\r\n`)), { serviceId: ID })
    })

    it('refuses a missing ServiceID', () => {
      malformed(() => parseAddOnionReply(reply(`250-PrivateKey=ED25519-V3:${KEY_BLOB}\r\n250 OK\r\n`)), /no valid v3 ServiceID \(the line is missing\)/)
      malformed(() => parseAddOnionReply(reply(cap.OK)), /no valid v3 ServiceID \(the line is missing\)/)
    })

    it('refuses a ServiceID of the wrong length or charset', () => {
      for (const bad of [ID.slice(1), `${ID}a`, 'testonion1234567', ID.toUpperCase(), `${ID.slice(1)}1`, `${ID.slice(1)}8`, `${ID}.onion`, '']) {
        malformed(() => parseAddOnionReply(reply(`250-ServiceID=${bad}\r\n250 OK\r\n`)), /no valid v3 ServiceID \(56 characters/)
      }
    })

    it('refuses two ServiceIDs, two PrivateKeys and a malformed PrivateKey, without quoting the key', () => {
      malformed(() => parseAddOnionReply(reply(`250-ServiceID=${ID}\r\n250-ServiceID=${ID}\r\n250 OK\r\n`)), /more than one ServiceID/)
      const key = `250-PrivateKey=ED25519-V3:${KEY_BLOB}\r\n`
      malformed(() => parseAddOnionReply(reply(`250-ServiceID=${ID}\r\n${key}${key}250 OK\r\n`)), /more than one PrivateKey/)
      for (const bad of [`RSA1024:${KEY_BLOB}`, `ED25519-V3:${KEY_BLOB.slice(4)}`, `ED25519-V3:${KEY_BLOB.replace('==', '=')}`, `ED25519-V3:${KEY_BLOB} x`]) {
        assert.throws(() => parseAddOnionReply(reply(`250-ServiceID=${ID}\r\n250-PrivateKey=${bad}\r\n250 OK\r\n`)), (err: Error) =>
          err instanceof ControlProtocolError && /PrivateKey that is not "ED25519-V3:"/.test(err.message) && !err.message.includes(KEY_BLOB.slice(0, 20)))
      }
    })

    it('refuses a malformed ClientAuthV3 and a line that is not Key=Value', () => {
      malformed(() => parseAddOnionReply(reply(`250-ServiceID=${ID}\r\n250-ClientAuthV3=short\r\n250 OK\r\n`)), /ClientAuthV3 that is not 52 base32/)
      malformed(() => parseAddOnionReply(reply(`250-ServiceID=${ID}\r\n250-garbage\r\n250 OK\r\n`)), /line that is not "250-Key=Value"/)
    })

    it('refuses a non-250 status and a reply without the final OK', () => {
      malformed(() => parseAddOnionReply(reply(cap.ADD_ONION_COLLISION)), /ADD_ONION reply has status 550 where 250 was expected/)
      malformed(() => parseAddOnionReply(reply(`250-ServiceID=${ID}\r\n550 Onion address collision\r\n`)), /status 550/)
      malformed(() => parseAddOnionReply(reply(`250 ServiceID=${ID}\r\n`)), /ADD_ONION reply does not end with "250 OK"/)
    })
  })

  describe('parseGetInfoReply', () => {
    it('reads single-line values, including an empty one and one holding "="', () => {
      assert.deepEqual(parseGetInfoReply(reply(cap.GETINFO_SINGLE_LINES)), {
        version: '0.4.9.11',
        'status/bootstrap-phase': 'NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"',
        'onions/current': ''
      })
    })

    it('reads a captured data block as its full multi-line value', () => {
      assert.deepEqual(parseGetInfoReply(reply(cap.GETINFO_ONIONS_DATA_BLOCK)), {
        'onions/current': 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd\nskpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad'
      })
      assert.equal(parseGetInfoReply(reply(cap.GETINFO_CONFIG_TEXT))['config-text'],
        'ControlPort auto\nControlPortWriteToFile /tmp/torcap/cp\nCookieAuthentication 1\nDataDirectory /tmp/torcap/data\nDisableNetwork 1\nLog notice stdout\nSocksPort 0')
    })

    it('reads two data blocks and a single line in one captured reply', () => {
      assert.deepEqual(parseGetInfoReply(reply(cap.GETINFO_TWO_DATA_BLOCKS)), {
        version: '0.4.9.11',
        'config-text': 'ControlPort auto\nControlPortWriteToFile /tmp/rcap/cp\nCookieAuthentication 1\nDataDirectory /tmp/rcap/data\nDisableNetwork 1\nSocksPort 0',
        'onions/current': 'zrto3merzge7gbsnbopzkpuw2znvzspbyj2djywinic7h72sd32drdqd\n4ch2brewerljfy7l2docps5xvf67zaabne6lfyzqwdqaozmu7xij4myd'
      })
    })

    it('dot-unescapes data lines (".." -> ".") and keeps an empty data block as ""', () => {
      assert.deepEqual(parseGetInfoReply(reply(cap.GETINFO_DOTS_AND_EMPTY)), { dots: '.leading dot\n..\n\nlast.', empty: '' })
    })

    it('makes a "__proto__" key an own property', () => {
      const info = parseGetInfoReply(reply('250-__proto__=x\r\n250 OK\r\n'))
      assert.ok(Object.prototype.hasOwnProperty.call(info, '__proto__'))
      assert.equal(Object.getPrototypeOf(info), Object.prototype)
    })

    it('refuses a line without "=", an empty key, and a key with spaces', () => {
      malformed(() => parseGetInfoReply(reply('250-version\r\n250 OK\r\n')), /GETINFO reply line has no "key=": "version"/)
      malformed(() => parseGetInfoReply(reply('250-=0.4.9.11\r\n250 OK\r\n')), /has no "key="/)
      malformed(() => parseGetInfoReply(reply('250-a b=c\r\n250 OK\r\n')), /malformed key: "a b"/)
    })

    it('refuses text after "=" on a data line', () => {
      malformed(() => parseGetInfoReply(reply('250+config-text=x\r\nSocksPort 0\r\n.\r\n250 OK\r\n')), /data line has text after "="/)
    })

    it('refuses an unterminated data block: the parser never completes it, and a hand-built one is refused', () => {
      const parser = new ReplyParser()
      assert.deepEqual(parser.push(new TextEncoder().encode('250+config-text=\r\nSocksPort 0\r\n250 OK\r\n')), [])
      malformed(() => { parser.end() }, /ended inside a data block/)
      malformed(() => parseGetInfoReply(built(
        { status: 250, sep: '+', text: 'config-text=' },
        { status: 250, sep: ' ', text: 'OK' }
      )), /data block for "config-text" is not terminated/)
    })

    it('refuses a non-250 status and a reply without the final OK', () => {
      malformed(() => parseGetInfoReply(reply(cap.UNRECOGNIZED_KEY)), /GETINFO reply has status 552 where 250 was expected/)
      malformed(() => parseGetInfoReply(reply('250 version=0.4.9.11\r\n')), /GETINFO reply does not end with "250 OK"/)
      malformed(() => parseGetInfoReply(built(
        { status: 250, sep: '-', text: 'version=0.4.9.11' },
        { status: 251, sep: ' ', text: 'OK' }
      )), /status 251/)
    })
  })
})
