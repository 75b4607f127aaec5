import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { authenticateWith, parseAuthChallenge, parseProtocolInfo, readCookieFile, safeCookieHashes, type ProtocolInfo } from '../../../src/control/auth.js'
import type { ControlCommand } from '../../../src/control/commands.js'
import { ControlAuthError, ControlProtocolError, ControlReplyError, CookieFileError, NoUsableAuthMethodError, WrongPasswordError } from '../../../src/control/errors.js'
import { ReplyParser, type ControlReply } from '../../../src/control/parser.js'
import * as cap from './captured.js'

const reply = (wire: string): ControlReply => new ReplyParser().push(new TextEncoder().encode(wire))[0]
const hex = (h: string): Uint8Array => Buffer.from(h, 'hex')

/** A command sender that records verbs and answers from a script (2xx or ControlReplyError). */
function scripted (answers: string[]): { send: (cmd: ControlCommand) => Promise<ControlReply>, sent: ControlCommand[] } {
  const sent: ControlCommand[] = []
  return {
    sent,
    send: async (cmd) => {
      sent.push(cmd)
      const r = reply(answers.shift() ?? '599 script exhausted\r\n')
      if (r.status >= 300) throw new ControlReplyError(cmd.verb, r.status, r.lines[0].text)
      return r
    }
  }
}

describe('control authentication (pure parts)', () => {
  let dir: string
  let cookiePath: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-auth-'))
    cookiePath = join(dir, 'control_auth_cookie')
    await writeFile(cookiePath, hex(cap.SAFECOOKIE_VECTOR.cookieHex))
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  describe('parseProtocolInfo', () => {
    it('reads methods, cookie file and version from captured replies', () => {
      assert.deepEqual(parseProtocolInfo(reply(cap.PROTOCOLINFO_COOKIE)),
        { authMethods: ['COOKIE', 'SAFECOOKIE'], cookieFile: '/tmp/torcap/data/control_auth_cookie', torVersion: '0.4.9.11' })
      assert.deepEqual(parseProtocolInfo(reply(cap.PROTOCOLINFO_ALL)).authMethods, ['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD'])
      assert.deepEqual(parseProtocolInfo(reply(cap.PROTOCOLINFO_NULL)), { authMethods: ['NULL'], torVersion: '0.4.9.11' })
    })

    it('unescapes the cookie path and ignores unknown lines and arguments', () => {
      const info = parseProtocolInfo(reply('250-PROTOCOLINFO 1\r\n250-FUTURE X=1\r\n250-AUTH METHODS=SAFECOOKIE COOKIEFILE="/a b/\\"c\\"\\\\d" EXTRA=1\r\n250 OK\r\n'))
      assert.deepEqual(info, { authMethods: ['SAFECOOKIE'], cookieFile: '/a b/"c"\\d' })
    })

    it('rejects a reply without an AUTH line', () => {
      assert.throws(() => parseProtocolInfo(reply('250-PROTOCOLINFO 1\r\n250 OK\r\n')), ControlProtocolError)
    })
  })

  describe('SAFECOOKIE', () => {
    it('parses the AUTHCHALLENGE reply captured from tor', () => {
      const c = parseAuthChallenge(reply(cap.SAFECOOKIE_VECTOR.reply))
      assert.equal(Buffer.from(c.serverHash).toString('hex'), cap.SAFECOOKIE_VECTOR.serverHashHex)
      assert.equal(Buffer.from(c.serverNonce).toString('hex'), cap.SAFECOOKIE_VECTOR.serverNonceHex)
    })

    it('computes the server hash tor sent and the client hash tor accepted', () => {
      const v = cap.SAFECOOKIE_VECTOR
      const { serverHash, clientHash } = safeCookieHashes(hex(v.cookieHex), hex(v.clientNonceHex), hex(v.serverNonceHex))
      assert.equal(Buffer.from(serverHash).toString('hex'), v.serverHashHex)
      assert.equal(Buffer.from(clientHash).toString('hex'), v.clientHashHex)
    })

    it('rejects a malformed AUTHCHALLENGE reply', () => {
      for (const wire of ['250 OK\r\n', '250 AUTHCHALLENGE SERVERHASH=00 SERVERNONCE=00\r\n', `250 AUTHCHALLENGE SERVERHASH=${'0'.repeat(64)}\r\n`]) {
        assert.throws(() => parseAuthChallenge(reply(wire)), ControlProtocolError)
      }
    })
  })

  describe('readCookieFile', () => {
    it('reads a 32-byte cookie', async () => {
      assert.equal(Buffer.from(await readCookieFile(cookiePath)).toString('hex'), cap.SAFECOOKIE_VECTOR.cookieHex)
    })

    it('rejects a missing file and a file of the wrong length, naming the path', async () => {
      await assert.rejects(readCookieFile(join(dir, 'missing')), (err: Error) => err instanceof CookieFileError && err.path === join(dir, 'missing') && /ENOENT/.test(err.message))
      for (const size of [0, 31, 33, 4096]) {
        const p = join(dir, `cookie-${size}`)
        await writeFile(p, Buffer.alloc(size, 7))
        await assert.rejects(readCookieFile(p), (err: Error) => err instanceof CookieFileError && /exactly 32 bytes/.test(err.message))
      }
    })
  })

  describe('authenticateWith: method choice', () => {
    const info = (methods: string[], cookieFile?: string): ProtocolInfo => ({ authMethods: methods, cookieFile })

    it('prefers SAFECOOKIE, even when a password is given', async () => {
      const s = scripted([cap.SAFECOOKIE_VECTOR.reply])
      // the server hash cannot match our random nonce, so the exchange stops after AUTHCHALLENGE
      await assert.rejects(authenticateWith(s.send, info(['HASHEDPASSWORD', 'COOKIE', 'SAFECOOKIE'], cookiePath), { password: 'pw' }), { name: 'ServerHashMismatchError' })
      assert.deepEqual(s.sent.map(c => c.verb), ['AUTHCHALLENGE'])
    })

    it('uses COOKIE when SAFECOOKIE is not offered', async () => {
      const s = scripted([cap.OK])
      assert.deepEqual(await authenticateWith(s.send, info(['COOKIE'], cookiePath)), { method: 'COOKIE' })
      assert.equal(s.sent[0].line, `AUTHENTICATE ${cap.SAFECOOKIE_VECTOR.cookieHex}`)
    })

    it('lets cookieFile override the path tor reports', async () => {
      const s = scripted([cap.OK])
      assert.deepEqual(await authenticateWith(s.send, info(['COOKIE'], '/nonexistent/cookie'), { cookieFile: cookiePath }), { method: 'COOKIE' })
    })

    it('falls back to the password when the cookie cannot be read', async () => {
      const s = scripted([cap.OK])
      assert.deepEqual(await authenticateWith(s.send, info(['SAFECOOKIE', 'HASHEDPASSWORD'], join(dir, 'missing')), { password: 'pw' }), { method: 'HASHEDPASSWORD' })
      assert.equal(s.sent[0].line, 'AUTHENTICATE "pw"')
    })

    it('throws CookieFileError when the cookie is unreadable and no password can be used', async () => {
      const s = scripted([])
      await assert.rejects(authenticateWith(s.send, info(['SAFECOOKIE', 'COOKIE'], join(dir, 'missing'))), CookieFileError)
      assert.equal(s.sent.length, 0)
    })

    it('uses NULL only when offered, and sends a bare AUTHENTICATE', async () => {
      const s = scripted([cap.OK])
      assert.deepEqual(await authenticateWith(s.send, info(['NULL'])), { method: 'NULL' })
      assert.equal(s.sent[0].line, 'AUTHENTICATE')
    })

    it('maps 515 to WrongPasswordError for a password and ControlAuthError for a cookie', async () => {
      await assert.rejects(authenticateWith(scripted([cap.WRONG_PASSWORD]).send, info(['HASHEDPASSWORD']), { password: 'nope' }),
        (err: Error) => err instanceof WrongPasswordError && !err.message.includes('nope'))
      await assert.rejects(authenticateWith(scripted([cap.WRONG_PASSWORD]).send, info(['COOKIE'], cookiePath)),
        (err: Error) => err instanceof ControlAuthError && err.name === 'ControlAuthError' && !err.message.includes(cap.SAFECOOKIE_VECTOR.cookieHex))
    })

    it('uses exactly the requested method when one is given', async () => {
      const s = scripted([cap.OK])
      assert.deepEqual(await authenticateWith(s.send, info(['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD'], cookiePath), { method: 'COOKIE', password: 'pw' }), { method: 'COOKIE' })
      assert.equal(s.sent[0].line, `AUTHENTICATE ${cap.SAFECOOKIE_VECTOR.cookieHex}`)
      await assert.rejects(authenticateWith(scripted([]).send, info(['COOKIE', 'SAFECOOKIE']), { method: 'HASHEDPASSWORD', password: 'pw' }),
        (err: Error) => err instanceof NoUsableAuthMethodError && /HASHEDPASSWORD was requested/.test(err.message))
      await assert.rejects(authenticateWith(scripted([]).send, info(['HASHEDPASSWORD', 'COOKIE'], cookiePath), { method: 'HASHEDPASSWORD' }),
        (err: Error) => err instanceof NoUsableAuthMethodError && /password/.test(err.message))
      // a requested cookie method does not fall back to the password
      await assert.rejects(authenticateWith(scripted([]).send, info(['COOKIE', 'HASHEDPASSWORD'], join(dir, 'missing')), { method: 'COOKIE', password: 'pw' }), CookieFileError)
    })

    it('throws NoUsableAuthMethodError listing the offer', async () => {
      await assert.rejects(authenticateWith(scripted([]).send, info(['HASHEDPASSWORD'])),
        (err: Error) => err instanceof NoUsableAuthMethodError && err.offered.join() === 'HASHEDPASSWORD' && /password/.test(err.message))
      await assert.rejects(authenticateWith(scripted([]).send, info(['SAFECOOKIE'])), (err: Error) => err instanceof NoUsableAuthMethodError && /cookieFile/.test(err.message))
      await assert.rejects(authenticateWith(scripted([]).send, info(['KERBEROS'])), NoUsableAuthMethodError)
    })
  })
})
