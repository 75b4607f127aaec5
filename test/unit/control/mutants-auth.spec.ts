/**
 * Authentication details the main spec leaves open: a SAFECOOKIE exchange
 * that gets as far as AUTHENTICATE, which errors of the sender pass through
 * untouched, the message when tor offers nothing we support, the cause of a
 * cookie that cannot be read, and no descriptor left open on the cookie.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { authenticateWith, readCookieFile, safeCookieHashes } from '../../../src/control/auth.js'
import type { ControlCommand } from '../../../src/control/commands.js'
import { ControlAuthError, ControlReplyError, CookieFileError, NoUsableAuthMethodError } from '../../../src/control/errors.js'
import type { ControlReply } from '../../../src/control/parser.js'
import * as cap from './captured.js'

const ok = (text = 'OK'): ControlReply => ({ status: 250, lines: [{ status: 250, sep: ' ', text }] })
const COOKIE = Buffer.from(cap.SAFECOOKIE_VECTOR.cookieHex, 'hex')

/** A tor that knows COOKIE: answers AUTHCHALLENGE correctly, then AUTHENTICATE with `final`. */
function safeCookieTor (final: (cmd: ControlCommand) => ControlReply): { send: (cmd: ControlCommand) => Promise<ControlReply>, sent: string[] } {
  const sent: string[] = []
  const serverNonce = Buffer.alloc(32, 0x5a)
  return {
    sent,
    send: async (cmd) => {
      sent.push(cmd.verb)
      if (cmd.verb === 'AUTHCHALLENGE') {
        const clientNonce = Buffer.from(/SAFECOOKIE ([0-9A-Fa-f]{64})$/.exec(cmd.line)?.[1] ?? '', 'hex')
        const { serverHash } = safeCookieHashes(COOKIE, clientNonce, serverNonce)
        return ok(`AUTHCHALLENGE SERVERHASH=${Buffer.from(serverHash).toString('hex')} SERVERNONCE=${serverNonce.toString('hex')}`)
      }
      return final(cmd)
    }
  }
}

describe('control authentication: edge cases', () => {
  let dir: string
  let cookiePath: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-auth-m-'))
    cookiePath = join(dir, 'control_auth_cookie')
    await writeFile(cookiePath, COOKIE)
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('completes SAFECOOKIE with the client hash, and names SAFECOOKIE when tor answers 515', async () => {
    let line = ''
    const good = safeCookieTor(cmd => { line = cmd.line; return ok() })
    assert.deepEqual(await authenticateWith(good.send, { authMethods: ['SAFECOOKIE'], cookieFile: cookiePath }), { method: 'SAFECOOKIE' })
    assert.deepEqual(good.sent, ['AUTHCHALLENGE', 'AUTHENTICATE'])
    assert.match(line, /^AUTHENTICATE [0-9A-F]{64}$/i)

    const refused = safeCookieTor(cmd => { throw new ControlReplyError(cmd.verb, 515, 'Authentication failed') })
    await assert.rejects(authenticateWith(refused.send, { authMethods: ['SAFECOOKIE'], cookieFile: cookiePath }), (err: Error) => {
      assert.equal(err.constructor, ControlAuthError)
      assert.match(err.message, /^tor rejected SAFECOOKIE authentication \(515 Authentication failed\); check that the cookie file belongs to this tor$/)
      assert.ok(err.cause instanceof ControlReplyError && err.cause.status === 515)
      return true
    })
  })

  it('passes every other failure of the sender through unchanged', async () => {
    const info = { authMethods: ['COOKIE'], cookieFile: cookiePath }
    const notAuth = new ControlReplyError('AUTHENTICATE', 551, 'Internal error')
    await assert.rejects(authenticateWith(async () => { throw notAuth }, info), (err: Error) => err === notAuth)
    const dropped = new Error('socket closed')
    await assert.rejects(authenticateWith(async () => { throw dropped }, info), (err: Error) => err === dropped)
    const pwd = new ControlReplyError('AUTHENTICATE', 552, 'Unrecognized')
    await assert.rejects(authenticateWith(async () => { throw pwd }, { authMethods: ['HASHEDPASSWORD'] }, { password: 'pw' }), (err: Error) => err === pwd)
  })

  it('says which methods this client supports when tor offers none of them', async () => {
    await assert.rejects(authenticateWith(async () => ok(), { authMethods: ['KERBEROS'] }), (err: Error) => {
      assert.ok(err instanceof NoUsableAuthMethodError)
      assert.equal(err.message, 'no usable control authentication method: tor offers KERBEROS; this client supports SAFECOOKIE, COOKIE, HASHEDPASSWORD and NULL')
      return true
    })
    // with reasons, each is given once, joined by "; "
    await assert.rejects(authenticateWith(async () => ok(), { authMethods: ['SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD'] }), (err: Error) => {
      assert.ok(err instanceof NoUsableAuthMethodError)
      assert.match(err.message, /tor offers SAFECOOKIE,COOKIE,HASHEDPASSWORD; tor named no cookie file: pass cookieFile; pass the control password$/)
      return true
    })
  })

  it('a cookie that cannot be read keeps the system error as its cause', async () => {
    const missing = join(dir, 'missing')
    await assert.rejects(readCookieFile(missing), (err: Error) => {
      assert.ok(err instanceof CookieFileError)
      assert.match(err.message, /it cannot be read \(ENOENT\)/)
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT')
      return true
    })
  })

  it('closes the cookie file after reading it, whether or not its length is right', async function () {
    assert.equal(process.platform, 'linux', 'this test reads /proc/self/fd')
    const openInDir = async (): Promise<string[]> => {
      const targets = await Promise.all((await readdir('/proc/self/fd')).map(async fd => await readlink(`/proc/self/fd/${fd}`).catch(() => '')))
      return targets.filter(t => t.startsWith(`${dir}/`))
    }
    const short = join(dir, 'short')
    await writeFile(short, Buffer.alloc(7))
    for (let i = 0; i < 3; i++) {
      await readCookieFile(cookiePath)
      assert.deepEqual(await openInDir(), [], 'after a good cookie')
      await assert.rejects(readCookieFile(short), CookieFileError)
      assert.deepEqual(await openInDir(), [], 'after a short cookie')
    }
  })
})
