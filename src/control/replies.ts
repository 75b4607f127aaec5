/**
 * One parse function per reply: a complete ControlReply in (from
 * ReplyParser), a typed value or ControlProtocolError out. No I/O.
 *
 * Each function quotes the wire form it reads (control-spec section 3) as
 * captured from tor 0.4.9. A reply whose status is not 250 is refused here
 * too: the client turns such replies into ControlReplyError before parsing,
 * so reaching a parser with one is a caller's mistake or a broken server.
 * Errors never quote keys; they name the line at fault instead.
 */
import { ControlProtocolError } from './errors.js'
import { keyValues, setOwn, tokenize } from './quote.js'
import type { ControlReply, ControlReplyLine } from './parser.js'

export interface ProtocolInfo {
  /** As tor lists them, e.g. ['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD']. */
  authMethods: string[]
  /** Absolute path of the authentication cookie, when a cookie method is offered. */
  cookieFile?: string
  torVersion?: string
}

export interface AuthChallenge {
  /** 32 bytes: HMAC-SHA256 proving tor knows the cookie. */
  serverHash: Uint8Array
  /** 32 bytes chosen by tor. */
  serverNonce: Uint8Array
}

export interface AddOnionReply {
  /** The v3 onion service id: 56 characters a-z and 2-7, without '.onion'. */
  serviceId: string
  /** 'ED25519-V3:<base64>', only for a NEW key without DiscardPK. */
  privateKey?: string
  /** The authorized clients' x25519 public keys (base32) that tor echoes back, when any were given. */
  clientAuthV3?: string[]
}

const OK_STATUS = 250
const SERVICE_ID = /^[a-z2-7]{56}$/
const PRIVATE_KEY = /^ED25519-V3:[A-Za-z0-9+/]{86}==$/
const X25519_PUBLIC_BASE32 = /^[A-Za-z2-7]{52}$/
const HEX_32_BYTES = /^[0-9A-Fa-f]{64}$/
// GETINFO keys echo what was asked: printable ASCII without spaces
const GETINFO_KEY = /^[\x21-\x7e]+$/

function describe (text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

/** Throws unless every line of the reply has status 250 and the reply has at least one line. */
function expectOk (reply: ControlReply, command: string): void {
  if (reply == null || !Array.isArray(reply.lines) || reply.lines.length === 0) {
    throw new ControlProtocolError(`${command} reply has no lines`)
  }
  const bad = reply.lines.find(l => l.status !== OK_STATUS)
  if (reply.status !== OK_STATUS || bad != null) {
    throw new ControlProtocolError(`${command} reply has status ${bad?.status ?? reply.status} where 250 was expected (pass only 2xx replies to a reply parser)`)
  }
}

/** Throws unless the final line is `250 OK`; returns the lines before it. */
function bodyBeforeOk (reply: ControlReply, command: string): ControlReplyLine[] {
  expectOk(reply, command)
  const last = reply.lines[reply.lines.length - 1]
  if (last.sep !== ' ' || last.text !== 'OK') {
    throw new ControlProtocolError(`${command} reply does not end with "250 OK"`)
  }
  return reply.lines.slice(0, -1)
}

/**
 * Splits a reply line of the form `Key=Value` at its first '='. Returns
 * undefined when there is no '=' or the key is empty; the value may be
 * empty and may itself contain '='.
 */
export function splitKeyValue (text: string): { key: string, value: string } | undefined {
  const eq = text.indexOf('=')
  if (eq < 1) return undefined
  return { key: text.slice(0, eq), value: text.slice(eq + 1) }
}

/**
 * Splits a reply line of the form `KEYWORD [Key=Value | "quoted" | word]...`
 * (PROTOCOLINFO, AUTHCHALLENGE) into its keyword and its Key=Value arguments,
 * unquoting quoted values. Unknown arguments are kept; the first of a repeated key wins.
 */
export function keywordLine (text: string): { keyword: string, args: Record<string, string> } {
  const space = text.indexOf(' ')
  const keyword = space === -1 ? text : text.slice(0, space)
  return { keyword, args: space === -1 ? {} : keyValues(tokenize(text.slice(space + 1))) }
}

/**
 * PROTOCOLINFO (control-spec 3.21):
 * ```
 * 250-PROTOCOLINFO 1
 * 250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/var/lib/tor/control_auth_cookie"
 * 250-VERSION Tor="0.4.9.11"
 * 250 OK
 * ```
 * The AUTH line is required and must carry METHODS. Unknown lines and
 * arguments are ignored, as the spec requires.
 */
export function parseProtocolInfo (reply: ControlReply): ProtocolInfo {
  const info: ProtocolInfo = { authMethods: [] }
  let sawAuth = false
  for (const line of bodyBeforeOk(reply, 'PROTOCOLINFO')) {
    const { keyword, args } = keywordLine(line.text)
    if (keyword === 'AUTH') {
      if (args.METHODS == null) throw new ControlProtocolError('PROTOCOLINFO AUTH line has no METHODS')
      sawAuth = true
      info.authMethods = args.METHODS.split(',').filter(m => m.length > 0)
      if (args.COOKIEFILE != null) info.cookieFile = args.COOKIEFILE
    } else if (keyword === 'VERSION' && args.Tor != null) {
      info.torVersion = args.Tor
    }
  }
  if (!sawAuth) throw new ControlProtocolError('PROTOCOLINFO reply has no AUTH line')
  return info
}

/**
 * AUTHCHALLENGE (control-spec 3.24), one line:
 * ```
 * 250 AUTHCHALLENGE SERVERHASH=00247A97...613A42 SERVERNONCE=44141B01...12D0D5
 * ```
 * Both values must be 64 hex digits (32 bytes).
 */
export function parseAuthChallenge (reply: ControlReply): AuthChallenge {
  expectOk(reply, 'AUTHCHALLENGE')
  const line = reply.lines[reply.lines.length - 1]
  const { keyword, args } = keywordLine(line.text)
  if (reply.lines.length !== 1 || line.sep !== ' ' || keyword !== 'AUTHCHALLENGE') {
    throw new ControlProtocolError('AUTHCHALLENGE reply is not one "250 AUTHCHALLENGE ..." line')
  }
  for (const name of ['SERVERHASH', 'SERVERNONCE']) {
    if (!HEX_32_BYTES.test(args[name] ?? '')) {
      throw new ControlProtocolError(`AUTHCHALLENGE reply lacks a 32-byte ${name} (64 hex digits)`)
    }
  }
  return { serverHash: Buffer.from(args.SERVERHASH, 'hex'), serverNonce: Buffer.from(args.SERVERNONCE, 'hex') }
}

/**
 * ADD_ONION (control-spec 3.27):
 * ```
 * 250-ServiceID=e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd
 * 250-PrivateKey=ED25519-V3:gBaXlMi2...HKttQ==          (only NEW without DiscardPK)
 * 250-ClientAuthV3=GAOJJX4F45GT6RFSNULL6RHT4GDCPBQNZJT3VED52HU4HP7BEITQ   (one per client, if any)
 * 250 OK
 * ```
 * Exactly one ServiceID, a v3 id; at most one PrivateKey, an ED25519-V3
 * key; other keys (v2's ClientAuth, newer ones) are ignored.
 */
export function parseAddOnionReply (reply: ControlReply): AddOnionReply {
  let serviceId: string | undefined
  let privateKey: string | undefined
  const clientAuthV3: string[] = []
  for (const line of bodyBeforeOk(reply, 'ADD_ONION')) {
    const kv = splitKeyValue(line.text)
    if (line.sep !== '-' || kv == null) throw new ControlProtocolError('ADD_ONION reply has a line that is not "250-Key=Value"')
    if (kv.key === 'ServiceID') {
      if (serviceId != null) throw new ControlProtocolError('ADD_ONION reply has more than one ServiceID')
      if (!SERVICE_ID.test(kv.value)) throw new ControlProtocolError('ADD_ONION reply has no valid v3 ServiceID (56 characters a-z, 2-7)')
      serviceId = kv.value
    } else if (kv.key === 'PrivateKey') {
      if (privateKey != null) throw new ControlProtocolError('ADD_ONION reply has more than one PrivateKey')
      if (!PRIVATE_KEY.test(kv.value)) throw new ControlProtocolError('ADD_ONION reply has a PrivateKey that is not "ED25519-V3:" and 88 base64 characters')
      privateKey = kv.value
    } else if (kv.key === 'ClientAuthV3') {
      if (!X25519_PUBLIC_BASE32.test(kv.value)) throw new ControlProtocolError('ADD_ONION reply has a ClientAuthV3 that is not 52 base32 characters')
      clientAuthV3.push(kv.value)
    }
  }
  if (serviceId == null) throw new ControlProtocolError('ADD_ONION reply has no valid v3 ServiceID (the line is missing)')
  const out: AddOnionReply = { serviceId }
  if (privateKey != null) out.privateKey = privateKey
  if (clientAuthV3.length > 0) out.clientAuthV3 = clientAuthV3
  return out
}

/**
 * GETINFO (control-spec 3.9): one `250-key=value` line per single-line
 * value, a `250+key=` line and a dot-terminated data block per value that
 * holds line breaks, then `250 OK`:
 * ```
 * 250-version=0.4.9.11
 * 250+onions/current=
 * e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd
 * skpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad
 * .
 * 250 OK
 * ```
 * A data block's value is its lines dot-unescaped (by ReplyParser) and
 * joined with '\n'. Keys such as `__proto__` become own properties.
 */
export function parseGetInfoReply (reply: ControlReply): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of bodyBeforeOk(reply, 'GETINFO')) {
    const kv = splitKeyValue(line.text)
    if (kv == null) throw new ControlProtocolError(`GETINFO reply line has no "key=": ${describe(line.text)}`)
    if (!GETINFO_KEY.test(kv.key)) {
      throw new ControlProtocolError(`GETINFO reply line has a malformed key: ${describe(kv.key)}`)
    }
    if (line.sep === '+') {
      if (kv.value !== '') throw new ControlProtocolError(`GETINFO data line has text after "=": ${describe(line.text)}`)
      if (line.data == null) throw new ControlProtocolError(`GETINFO data block for ${describe(kv.key)} is not terminated by "."`)
      setOwn(out, kv.key, line.data)
    } else {
      setOwn(out, kv.key, kv.value)
    }
  }
  return out
}
