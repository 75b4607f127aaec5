/**
 * Command builders: validated arguments in, one command out. No I/O.
 *
 * Every interpolated argument is checked against a whitelist, or quoted and
 * escaped, before a line exists, so a bad argument never reaches the socket:
 * the builder throws InvalidControlArgumentError instead. The line is given
 * without its CRLF; `secrets` lists the substrings that must never be logged
 * or echoed back in an error.
 *
 * A multi-line "+" command (control-spec 2.2, `"+" Keyword [SP Arguments]
 * CRLF CmdData`: LOADCONF, HSPOST) is marked by `data`: `line` is still one
 * line without CR or LF (it starts with '+'), and `data` is the encoded
 * CmdData that must be written right after `line` + CRLF, in the same write.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { InvalidControlArgumentError } from './errors.js'
import { encodeCmdData, quoteString } from './quote.js'

export interface ControlCommand {
  /** The command keyword, safe to log and to put in errors, e.g. 'ADD_ONION'. */
  verb: string
  /** The full command line without CRLF. May contain secrets: never log it. */
  line: string
  /** Substrings of `line` to redact from anything that is shown. */
  secrets: string[]
  /**
   * Only for a multi-line "+" command (then `line` starts with '+'): its
   * CmdData, already dot-stuffed, every line ending in CRLF, and closed by
   * ".\r\n". The wire form is `${line}\r\n${data}`. Never log it.
   */
  data?: string
}

export type AddOnionFlag = 'DiscardPK' | 'Detach' | 'V3Auth' | 'NonAnonymous' | 'MaxStreamsCloseCircuit'

export interface AddOnionPort {
  /** The port clients dial on the onion address, 1..65535. */
  virtualPort: number
  /** Where tor forwards streams: an IP literal or 'localhost' with a port, or an absolute unix socket path. @default 127.0.0.1:virtualPort */
  target?: { host: string, port: number } | { path: string }
}

export interface AddOnionOptions {
  /** 'ED25519-V3:<base64 of the 64-byte expanded secret key>'. Omitted: tor generates a key (NEW:ED25519-V3). */
  key?: string
  /** At least one port mapping. */
  ports: AddOnionPort[]
  flags?: AddOnionFlag[]
  /** Streams allowed per rendezvous circuit, 0 (unlimited) ..65535. */
  maxStreams?: number
  /** Authorized clients: base32 x25519 public keys (52 characters). */
  clientAuthV3?: string[]
}

export type SignalName = 'RELOAD' | 'SHUTDOWN' | 'DUMP' | 'DEBUG' | 'HALT' | 'NEWNYM' | 'CLEARDNSCACHE' | 'HEARTBEAT' | 'ACTIVE' | 'DORMANT'

const SIGNALS: ReadonlySet<string> = new Set<SignalName>(['RELOAD', 'SHUTDOWN', 'DUMP', 'DEBUG', 'HALT', 'NEWNYM', 'CLEARDNSCACHE', 'HEARTBEAT', 'ACTIVE', 'DORMANT'])
const FLAGS: ReadonlySet<string> = new Set<AddOnionFlag>(['DiscardPK', 'Detach', 'V3Auth', 'NonAnonymous', 'MaxStreamsCloseCircuit'])

const SERVICE_ID = /^[a-z2-7]{56}$/
const KEY_PREFIX = 'ED25519-V3:'
const BASE64_64_BYTES = /^[A-Za-z0-9+/]{86}==$/
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/
// 32 bytes in 52 base32 characters: the last one carries 1 bit and 4 zero bits, so it is A or Q
const X25519_PUBLIC_BASE32 = /^(?:[A-Z2-7]{51}[AQ]|[a-z2-7]{51}[aq])$/
const EVENT_NAME = /^[A-Z_]+$/
const CONF_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
const GETINFO_KEY = /^[A-Za-z0-9][A-Za-z0-9_\-/.:$~+]*$/
const NICKNAME = /^[A-Za-z0-9+_-]{1,16}$/
// no control characters, space, quotes, backslash or comma in a unix target path
// eslint-disable-next-line no-control-regex
const PATH_UNSAFE = /[\u0000-\u0020\u007f"'\\,]/

function text (argument: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidControlArgumentError(argument, 'must be a string')
  return value
}

function integer (argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidControlArgumentError(argument, `must be an integer from ${min} to ${max}`)
  }
  return value
}

function list<T> (argument: string, value: unknown, min: number): T[] {
  if (!Array.isArray(value) || value.length < min) {
    throw new InvalidControlArgumentError(argument, min > 0 ? `must be an array with at least ${min} item` : 'must be an array')
  }
  return value
}

/** True if `b64` is canonical padded base64 of exactly `bytes` bytes. */
function isStrictBase64 (b64: string, bytes: number): boolean {
  const decoded = Buffer.from(b64, 'base64')
  return decoded.length === bytes && decoded.toString('base64') === b64
}

/** Throws unless `id` is a v3 onion service id: 56 characters a-z, 2-7, no '.onion'. */
export function checkServiceId (argument: string, id: unknown): string {
  if (!SERVICE_ID.test(text(argument, id))) {
    throw new InvalidControlArgumentError(argument, 'must be a v3 onion service id: 56 characters a-z and 2-7, without ".onion"')
  }
  return id as string
}

function command (verb: string, args: string[] = [], secrets: string[] = []): ControlCommand {
  return { verb, line: [verb, ...args].join(' '), secrets: secrets.filter(s => s.length > 0) }
}

export function buildProtocolInfo (): ControlCommand {
  return command('PROTOCOLINFO', ['1'])
}

/** `AUTHCHALLENGE SAFECOOKIE <64 hex>`: the client nonce must be 32 bytes. */
export function buildAuthChallenge (clientNonce: Uint8Array): ControlCommand {
  if (!(clientNonce instanceof Uint8Array) || clientNonce.length !== 32) {
    throw new InvalidControlArgumentError('clientNonce', 'must be 32 bytes')
  }
  return command('AUTHCHALLENGE', ['SAFECOOKIE', Buffer.from(clientNonce).toString('hex')])
}

export type AuthenticateToken = { hex: Uint8Array } | { password: string }

/** `AUTHENTICATE`, `AUTHENTICATE <hex>` (COOKIE, SAFECOOKIE) or `AUTHENTICATE "<password>"`. */
export function buildAuthenticate (token?: AuthenticateToken): ControlCommand {
  if (token == null) return command('AUTHENTICATE')
  if ('hex' in token) {
    if (!(token.hex instanceof Uint8Array) || token.hex.length === 0) throw new InvalidControlArgumentError('authentication token', 'must be non-empty bytes')
    const hex = Buffer.from(token.hex).toString('hex')
    return command('AUTHENTICATE', [hex], [hex])
  }
  const quoted = quoteString('password', token.password)
  return command('AUTHENTICATE', [quoted], [quoted, token.password])
}

/** `GETINFO key...`: keys are whitelisted (letters, digits and _-/.:$~+). */
export function buildGetInfo (keys: string[]): ControlCommand {
  const checked = list<unknown>('getinfo keys', keys, 1).map((k, i) => {
    if (!GETINFO_KEY.test(text(`getinfo keys[${i}]`, k))) {
      throw new InvalidControlArgumentError(`getinfo keys[${i}]`, 'may contain only letters, digits and _-/.:$~+ (no spaces, quotes or line breaks)')
    }
    return k as string
  })
  return command('GETINFO', checked)
}

/** `SETEVENTS NAME...`: names are [A-Z_]+. An empty list turns every event off. */
export function buildSetEvents (events: string[]): ControlCommand {
  const checked = list<unknown>('events', events, 0).map((e, i) => {
    if (!EVENT_NAME.test(text(`events[${i}]`, e))) {
      throw new InvalidControlArgumentError(`events[${i}]`, 'must be an event name of capital letters and underscores, e.g. HS_DESC')
    }
    return e as string
  })
  return command('SETEVENTS', checked)
}

function portArg (port: AddOnionPort, i: number): string {
  const name = `ports[${i}]`
  if (port == null || typeof port !== 'object') throw new InvalidControlArgumentError(name, 'must be an object')
  const virt = integer(`${name}.virtualPort`, port.virtualPort, 1, 65535)
  const target = port.target
  if (target == null) return `Port=${virt}`
  if (typeof target !== 'object') throw new InvalidControlArgumentError(`${name}.target`, 'must be { host, port } or { path }')
  if ('path' in target) {
    const path = text(`${name}.target.path`, target.path)
    if (!path.startsWith('/') || PATH_UNSAFE.test(path)) {
      throw new InvalidControlArgumentError(`${name}.target.path`, 'must be an absolute path without spaces, quotes, backslashes, commas or control characters')
    }
    return `Port=${virt},unix:${path}`
  }
  const host = text(`${name}.target.host`, target.host)
  const targetPort = integer(`${name}.target.port`, target.port, 1, 65535)
  if (isIPv6(host)) return `Port=${virt},[${host}]:${targetPort}`
  if (isIPv4(host) || host === 'localhost') return `Port=${virt},${host}:${targetPort}`
  throw new InvalidControlArgumentError(`${name}.target.host`, "must be an IPv4 or IPv6 literal or 'localhost'")
}

/**
 * `ADD_ONION KeyType:KeyBlob [Flags=..] [MaxStreams=N] Port=.. [ClientAuthV3=..]`
 * (control-spec 3.27).
 */
export function buildAddOnion (opts: AddOnionOptions): ControlCommand {
  if (opts == null || typeof opts !== 'object') throw new InvalidControlArgumentError('options', 'must be an object')
  const secrets: string[] = []
  let keyArg = 'NEW:ED25519-V3'
  if (opts.key !== undefined) {
    const key = text('key', opts.key)
    const blob = key.slice(KEY_PREFIX.length)
    if (!key.startsWith(KEY_PREFIX) || !BASE64_64_BYTES.test(blob) || !isStrictBase64(blob, 64)) {
      throw new InvalidControlArgumentError('key', `must be "${KEY_PREFIX}" followed by the canonical base64 of a 64-byte expanded ed25519 secret key`)
    }
    keyArg = key
    secrets.push(blob)
  }
  const args = [keyArg]
  if (opts.flags !== undefined) {
    const flags = list<unknown>('flags', opts.flags, 0).map((f, i) => {
      if (typeof f !== 'string' || !FLAGS.has(f)) {
        throw new InvalidControlArgumentError(`flags[${i}]`, `must be one of ${[...FLAGS].join(', ')}`)
      }
      return f
    })
    if (flags.length > 0) args.push(`Flags=${[...new Set(flags)].join(',')}`)
  }
  if (opts.maxStreams !== undefined) args.push(`MaxStreams=${integer('maxStreams', opts.maxStreams, 0, 65535)}`)
  args.push(...list<AddOnionPort>('ports', opts.ports, 1).map(portArg))
  if (opts.clientAuthV3 !== undefined) {
    list<unknown>('clientAuthV3', opts.clientAuthV3, 0).forEach((k, i) => {
      if (!X25519_PUBLIC_BASE32.test(text(`clientAuthV3[${i}]`, k))) {
        throw new InvalidControlArgumentError(`clientAuthV3[${i}]`, 'must be a base32 x25519 public key: 52 characters A-Z and 2-7 (or all lower case)')
      }
      args.push(`ClientAuthV3=${k as string}`)
    })
  }
  return command('ADD_ONION', args, secrets)
}

export function buildDelOnion (serviceId: string): ControlCommand {
  return command('DEL_ONION', [checkServiceId('serviceId', serviceId)])
}

export interface OnionClientAuthAddOptions {
  /** 1..16 characters A-Z a-z 0-9 + - _ */
  nickname?: string
  /** Store the credential on disk (Flags=Permanent). */
  permanent?: boolean
}

/** `ONION_CLIENT_AUTH_ADD <id> x25519:<base64> [ClientName=..] [Flags=Permanent]` (control-spec 3.30). */
export function buildOnionClientAuthAdd (serviceId: string, x25519PrivateKeyBase64: string, opts: OnionClientAuthAddOptions = {}): ControlCommand {
  const id = checkServiceId('serviceId', serviceId)
  const key = text('x25519PrivateKeyBase64', x25519PrivateKeyBase64)
  if (!BASE64_32_BYTES.test(key) || !isStrictBase64(key, 32)) {
    throw new InvalidControlArgumentError('x25519PrivateKeyBase64', 'must be the canonical base64 of a 32-byte x25519 private key (44 characters ending in "=")')
  }
  const args = [id, `x25519:${key}`]
  if (opts.nickname !== undefined) {
    if (!NICKNAME.test(text('nickname', opts.nickname))) {
      throw new InvalidControlArgumentError('nickname', 'must be 1 to 16 characters A-Z, a-z, 0-9, +, - or _')
    }
    args.push(`ClientName=${opts.nickname}`)
  }
  if (opts.permanent === true) args.push('Flags=Permanent')
  return command('ONION_CLIENT_AUTH_ADD', args, [key])
}

export function buildOnionClientAuthRemove (serviceId: string): ControlCommand {
  return command('ONION_CLIENT_AUTH_REMOVE', [checkServiceId('serviceId', serviceId)])
}

export function buildTakeOwnership (): ControlCommand {
  return command('TAKEOWNERSHIP')
}

function confKey (argument: string, key: unknown): string {
  if (!CONF_KEY.test(text(argument, key))) {
    throw new InvalidControlArgumentError(argument, 'must be a tor option name of letters, digits and underscores')
  }
  return key as string
}

/** `RESETCONF Key...`: back to tor's defaults. */
export function buildResetConf (keys: string[]): ControlCommand {
  return command('RESETCONF', list<unknown>('keys', keys, 1).map((k, i) => confKey(`keys[${i}]`, k)))
}

/** `SETCONF Key="value"...`: values are quoted and escaped. */
export function buildSetConf (settings: Record<string, string>): ControlCommand {
  if (settings == null || typeof settings !== 'object') throw new InvalidControlArgumentError('settings', 'must be an object')
  const entries = Object.entries(settings)
  if (entries.length === 0) throw new InvalidControlArgumentError('settings', 'must set at least one option')
  return command('SETCONF', entries.map(([k, v]) => `${confKey(`settings key ${JSON.stringify(k.slice(0, 40))}`, k)}=${quoteString(`settings.${k}`, v)}`))
}

export function buildSignal (name: SignalName): ControlCommand {
  if (typeof name !== 'string' || !SIGNALS.has(name)) {
    throw new InvalidControlArgumentError('signal', `must be one of ${[...SIGNALS].join(', ')}`)
  }
  return command('SIGNAL', [name])
}

// A relay's LongName as tor's HSPOST takes it: $ and 40 hex digits, optionally ~nickname or =nickname
const SERVER_LONG_NAME = /^\$?[0-9A-Fa-f]{40}(?:[~=][A-Za-z0-9]{1,19})?$/
const HS_DESCRIPTOR_V3 = /^hs-descriptor 3(?:\r?\n|$)/

/**
 * `+LOADCONF` CRLF ConfigText CRLF "." CRLF (control-spec 3.22): tor loads
 * the text as if it were its torrc. LF or CRLF line breaks; NUL and bare CR
 * are refused; lines starting with '.' are dot-stuffed.
 */
export function buildLoadConf (torrcText: string): ControlCommand {
  return { verb: 'LOADCONF', line: '+LOADCONF', secrets: [], data: encodeCmdData('torrcText', torrcText) }
}

export interface HsPostOptions {
  /**
   * The v3 onion service id the descriptor belongs to (56 characters a-z and
   * 2-7, no '.onion'). Required: tor 0.4.9 never answers an HSPOST without
   * HSADDRESS, which would stall every later command on the connection.
   */
  hsAddress: string
  /** HSDirs to upload to, as `$<40 hex>[~nickname]`. @default the responsible HSDirs */
  server?: string | string[]
}

/**
 * `+HSPOST [SERVER=<LongName>]... HSADDRESS=<id>` CRLF Descriptor CRLF "." CRLF
 * (control-spec 3.29). The descriptor must be a v3 one (it starts with
 * "hs-descriptor 3"); tor answers 250 and then HS_DESC events, or 554 if the
 * descriptor does not parse.
 */
export function buildHsPost (descriptor: string, opts: HsPostOptions): ControlCommand {
  if (opts == null || typeof opts !== 'object') throw new InvalidControlArgumentError('options', 'must be an object with hsAddress')
  const servers = opts.server === undefined ? [] : typeof opts.server === 'string' ? [opts.server] : list<unknown>('server', opts.server, 0)
  const args = servers.map((s, i) => {
    const name = typeof opts.server === 'string' ? 'server' : `server[${i}]`
    if (!SERVER_LONG_NAME.test(text(name, s))) {
      throw new InvalidControlArgumentError(name, 'must be a relay fingerprint: "$" and 40 hex digits, optionally "~nickname"')
    }
    return `SERVER=${s as string}`
  })
  args.push(`HSADDRESS=${checkServiceId('hsAddress', opts.hsAddress)}`)
  if (!HS_DESCRIPTOR_V3.test(text('descriptor', descriptor))) {
    throw new InvalidControlArgumentError('descriptor', 'must be a v3 onion service descriptor, starting with "hs-descriptor 3"')
  }
  return { verb: 'HSPOST', line: ['+HSPOST', ...args].join(' '), secrets: [], data: encodeCmdData('descriptor', descriptor) }
}
