/**
 * Control-port authentication (control-spec 3.5, 3.21, 3.24 and 5.1).
 *
 * The parsing and the SAFECOOKIE arithmetic are pure; `authenticateWith` runs
 * the exchange over anything that can send a command and return its reply.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { open } from 'node:fs/promises'
import { buildAuthChallenge, buildAuthenticate, type ControlCommand } from './commands.js'
import { ControlAuthError, ControlProtocolError, ControlReplyError, CookieFileError, NoUsableAuthMethodError, ServerHashMismatchError, WrongPasswordError } from './errors.js'
import { keyValues, tokenize } from './quote.js'
import type { ControlReply } from './parser.js'

export interface ProtocolInfo {
  /** As tor lists them, e.g. ['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD']. */
  authMethods: string[]
  /** Absolute path of the authentication cookie, when a cookie method is offered. */
  cookieFile?: string
  torVersion?: string
}

export type AuthMethod = 'SAFECOOKIE' | 'COOKIE' | 'HASHEDPASSWORD' | 'NULL'

export interface AuthOptions {
  /** The control password, for HASHEDPASSWORD. */
  password?: string
  /** Overrides the COOKIEFILE that PROTOCOLINFO reports. */
  cookieFile?: string
  /** Use exactly this method (it must be offered) instead of the strongest usable one. */
  method?: AuthMethod
}

const COOKIE_BYTES = 32
const SERVER_TO_CONTROLLER = 'Tor safe cookie authentication server-to-controller hash'
const CONTROLLER_TO_SERVER = 'Tor safe cookie authentication controller-to-server hash'
const HEX_32_BYTES = /^[0-9A-Fa-f]{64}$/

/**
 * ```
 * 250-PROTOCOLINFO 1
 * 250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/var/lib/tor/control_auth_cookie"
 * 250-VERSION Tor="0.4.9.11"
 * 250 OK
 * ```
 * Unknown lines and arguments are ignored, as the spec requires.
 */
export function parseProtocolInfo (reply: ControlReply): ProtocolInfo {
  const info: ProtocolInfo = { authMethods: [] }
  let sawAuth = false
  for (const line of reply.lines) {
    const space = line.text.indexOf(' ')
    const keyword = space === -1 ? line.text : line.text.slice(0, space)
    const args = space === -1 ? {} : keyValues(tokenize(line.text.slice(space + 1)))
    if (keyword === 'AUTH') {
      sawAuth = true
      info.authMethods = (args.METHODS ?? '').split(',').filter(m => m.length > 0)
      if (args.COOKIEFILE != null) info.cookieFile = args.COOKIEFILE
    } else if (keyword === 'VERSION' && args.Tor != null) {
      info.torVersion = args.Tor
    }
  }
  if (!sawAuth) throw new ControlProtocolError('PROTOCOLINFO reply has no AUTH line')
  return info
}

/** `250 AUTHCHALLENGE SERVERHASH=<64 hex> SERVERNONCE=<64 hex>` */
export function parseAuthChallenge (reply: ControlReply): { serverHash: Uint8Array, serverNonce: Uint8Array } {
  const line = reply.lines[reply.lines.length - 1]?.text ?? ''
  const tokens = tokenize(line)
  const args = keyValues(tokens)
  if (tokens[0]?.value !== 'AUTHCHALLENGE' || !HEX_32_BYTES.test(args.SERVERHASH ?? '') || !HEX_32_BYTES.test(args.SERVERNONCE ?? '')) {
    throw new ControlProtocolError('AUTHCHALLENGE reply lacks a 32-byte SERVERHASH and SERVERNONCE')
  }
  return { serverHash: Buffer.from(args.SERVERHASH, 'hex'), serverNonce: Buffer.from(args.SERVERNONCE, 'hex') }
}

/** Both SAFECOOKIE HMACs over cookie | clientNonce | serverNonce (control-spec 3.24). */
export function safeCookieHashes (cookie: Uint8Array, clientNonce: Uint8Array, serverNonce: Uint8Array): { serverHash: Uint8Array, clientHash: Uint8Array } {
  const message = Buffer.concat([cookie, clientNonce, serverNonce])
  return {
    serverHash: createHmac('sha256', SERVER_TO_CONTROLLER).update(message).digest(),
    clientHash: createHmac('sha256', CONTROLLER_TO_SERVER).update(message).digest()
  }
}

/** Reads a control cookie; throws CookieFileError unless the file holds exactly 32 bytes. */
export async function readCookieFile (path: string): Promise<Uint8Array> {
  let handle
  try {
    handle = await open(path, 'r')
    const buf = Buffer.alloc(COOKIE_BYTES + 1)
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
    if (bytesRead !== COOKIE_BYTES) throw new CookieFileError(path, `it must hold exactly ${COOKIE_BYTES} bytes`)
    return buf.subarray(0, COOKIE_BYTES)
  } catch (err) {
    if (err instanceof CookieFileError) throw err
    throw new CookieFileError(path, `it cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err })
  } finally {
    await handle?.close()
  }
}

/** Sends a command and returns its 2xx reply, or throws ControlReplyError. */
export type CommandSender = (cmd: ControlCommand) => Promise<ControlReply>

const PREFERENCE: readonly AuthMethod[] = ['SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD', 'NULL']

/**
 * Picks the strongest usable method, SAFECOOKIE > COOKIE > HASHEDPASSWORD
 * (only with a password) > NULL, reads the cookie when needed, and runs the
 * exchange. A cookie that cannot be read falls back to a weaker usable
 * method; if there is none, that is the CookieFileError. With `opts.method`,
 * only that method is tried.
 */
export async function authenticateWith (send: CommandSender, info: ProtocolInfo, opts: AuthOptions = {}): Promise<{ method: AuthMethod }> {
  const offered = info.authMethods
  if (opts.method != null && !offered.includes(opts.method)) {
    throw new NoUsableAuthMethodError(offered, `${opts.method} was requested but tor does not offer it`)
  }
  const candidates = opts.method != null ? [opts.method] : PREFERENCE.filter(m => offered.includes(m))
  const cookiePath = opts.cookieFile ?? info.cookieFile
  const reasons: string[] = []
  let cookie: Uint8Array | undefined
  let cookieError: unknown

  for (const method of candidates) {
    if (method === 'SAFECOOKIE' || method === 'COOKIE') {
      if (cookiePath == null) {
        reasons.push('tor named no cookie file: pass cookieFile')
        continue
      }
      if (cookie == null && cookieError == null) {
        try {
          cookie = await readCookieFile(cookiePath)
        } catch (err) {
          cookieError = err
        }
      }
      if (cookie == null) continue
      if (method === 'SAFECOOKIE') await safeCookie(send, cookie)
      else await check(send, buildAuthenticate({ hex: cookie }), method)
    } else if (method === 'HASHEDPASSWORD') {
      if (opts.password == null) {
        reasons.push('pass the control password')
        continue
      }
      await check(send, buildAuthenticate({ password: opts.password }), method)
    } else {
      await check(send, buildAuthenticate(), method)
    }
    return { method }
  }
  if (cookieError != null) throw cookieError
  throw new NoUsableAuthMethodError(offered, reasons.length > 0 ? [...new Set(reasons)].join('; ') : 'this client supports SAFECOOKIE, COOKIE, HASHEDPASSWORD and NULL')
}

async function safeCookie (send: CommandSender, cookie: Uint8Array): Promise<void> {
  const clientNonce = randomBytes(32)
  const challenge = parseAuthChallenge(await send(buildAuthChallenge(clientNonce)))
  const { serverHash, clientHash } = safeCookieHashes(cookie, clientNonce, challenge.serverNonce)
  if (!timingSafeEqual(serverHash, challenge.serverHash)) throw new ServerHashMismatchError()
  await check(send, buildAuthenticate({ hex: clientHash }), 'SAFECOOKIE')
}

async function check (send: CommandSender, cmd: ControlCommand, method: AuthMethod): Promise<void> {
  try {
    await send(cmd)
  } catch (err) {
    if (!(err instanceof ControlReplyError) || err.status !== 515) throw err
    if (method === 'HASHEDPASSWORD') throw new WrongPasswordError({ cause: err })
    throw new ControlAuthError(`tor rejected ${method} authentication (515 ${err.text}); check that the cookie file belongs to this tor`, { cause: err })
  }
}
