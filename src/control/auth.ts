/**
 * Control-port authentication (control-spec 3.5, 3.21, 3.24 and 5.1).
 *
 * The SAFECOOKIE arithmetic is pure (the PROTOCOLINFO and AUTHCHALLENGE
 * parsers live in replies.ts); `authenticateWith` runs the exchange over
 * anything that can send a command and return its reply.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { open } from 'node:fs/promises'
import { buildAuthChallenge, buildAuthenticate, type ControlCommand } from './commands.js'
import { ControlAuthError, ControlReplyError, CookieFileError, NoUsableAuthMethodError, ServerHashMismatchError, WrongPasswordError } from './errors.js'
import type { ControlReply } from './parser.js'
import { parseAuthChallenge, type ProtocolInfo } from './replies.js'

// The reply parsers moved to replies.ts; kept here so existing imports work.
export { parseAuthChallenge, parseProtocolInfo, type AuthChallenge, type ProtocolInfo } from './replies.js'

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
