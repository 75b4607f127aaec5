/**
 * The client side of a SOCKS5 CONNECT handshake (RFC 1928, RFC 1929) as a
 * pure state machine: bytes in, bytes to send / a result / a typed error out.
 * It does no I/O, so every path is testable on bytes (the shape of arti's
 * `tor-socksproto`). `client.ts` wires it to a socket.
 *
 * ```
 * client                                  proxy
 * 05 01 <method>               greeting ->                      method 00 (none) or 02 (username/password)
 *                             <- method    05 <method>          FF: none acceptable
 * 01 ulen user plen pass       auth ->                          only for method 02 (RFC 1929)
 *                             <- status    01 <status>          00: accepted
 * 05 01 00 03 len host port    CONNECT ->                       ATYP 3: the proxy resolves the name
 *                             <- reply     05 <rep> 00 <atyp> <bound addr> <bound port>
 * ```
 *
 * With credentials we offer only method 02: Tor isolates streams by them,
 * so a proxy that skips them must fail the handshake, not quietly share a
 * circuit.
 */
import { InvalidParametersError, SocksAuthError, SocksNotSocks5Error, SocksProtocolError, hexByte, previewBytes, socksReplyError } from './errors.js'
import { isPort } from '../net/endpoint.js'

const SOCKS_VERSION = 0x05
const AUTH_VERSION = 0x01
const METHOD_NO_AUTH = 0x00
const METHOD_USERPASS = 0x02
const METHOD_NONE_ACCEPTABLE = 0xFF
const CMD_CONNECT = 0x01
const ATYP_IPV4 = 0x01
const ATYP_DOMAIN = 0x03
const ATYP_IPV6 = 0x04
const REPLY_SUCCEEDED = 0x00

/** Where to connect through the proxy, and the isolation credentials. */
export interface SocksConnectRequest {
  /** Destination hostname, sent as ATYP 3 so the proxy resolves it. 1..255 bytes of UTF-8, no control characters. */
  host: string
  /** Destination port, 1..65535. */
  port: number
  /** RFC 1929 username (1..255 bytes). Give both or neither. */
  username?: string
  /** RFC 1929 password (1..255 bytes). Never appears in errors or logs. */
  password?: string
}

/** BND.ADDR and BND.PORT of a successful reply (tor sends 0.0.0.0:0). */
export interface SocksBoundAddress {
  type: 'ipv4' | 'ipv6' | 'domain'
  host: string
  port: number
}

/** What the caller must do after feeding bytes to the handshake. */
export type HandshakeAction =
  | { type: 'send', data: Uint8Array }
  | { type: 'wait' }
  /** The tunnel is open; `rest` are application bytes that followed the reply. */
  | { type: 'connected', bound: SocksBoundAddress, rest: Uint8Array }

type State = 'start' | 'method' | 'auth' | 'reply' | 'done'

/** UTF-8 bytes of a 1..255-byte field, or an InvalidParametersError that never echoes the value. */
function field (parameter: string, value: unknown): Uint8Array {
  if (typeof value !== 'string') {
    throw new InvalidParametersError(parameter, `SOCKS ${parameter} must be a string, got ${typeof value}`)
  }
  const bytes = new TextEncoder().encode(value)
  if (bytes.length < 1 || bytes.length > 255) {
    throw new InvalidParametersError(parameter, `SOCKS ${parameter} must be 1..255 bytes of UTF-8, got ${bytes.length}`)
  }
  return bytes
}

function validateHost (host: unknown): Uint8Array {
  const bytes = field('host', host)
  // C0 controls and DEL: NUL, CR and LF above all, which no hostname has.
  if (bytes.some(b => b < 0x20 || b === 0x7F)) {
    throw new InvalidParametersError('host', 'SOCKS destination host must not contain control characters (NUL, CR, LF, ...): pass a hostname such as <56 chars>.onion')
  }
  return bytes
}

function validateCredentials (username: unknown, password: unknown): { username: Uint8Array, password: Uint8Array } | undefined {
  if (username === undefined && password === undefined) return undefined
  if (username === undefined || password === undefined) {
    const parameter = username === undefined ? 'username' : 'password'
    throw new InvalidParametersError(parameter, `SOCKS ${parameter} is missing: RFC 1929 needs both a username and a password, or neither`)
  }
  return { username: field('username', username), password: field('password', password) }
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

function formatIpv6 (bytes: Uint8Array): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16))
  return groups.join(':')
}

/**
 * One SOCKS5 CONNECT handshake. Validates the request in the constructor,
 * so bad input throws `InvalidParametersError` before any byte is produced.
 * Call `start()` once for the greeting, then `receive()` with every chunk
 * from the proxy until it returns `connected` or throws a `SocksError`.
 */
export class SocksClientHandshake {
  /** `host:port`, for messages. */
  readonly destination: string
  readonly #host: Uint8Array
  readonly #port: number
  readonly #credentials?: { username: Uint8Array, password: Uint8Array }
  #state: State = 'start'
  #buffer: Uint8Array = new Uint8Array(0)

  constructor (request: SocksConnectRequest) {
    this.#host = validateHost(request.host)
    if (!isPort(request.port)) {
      throw new InvalidParametersError('port', `SOCKS destination port must be an integer 1..65535, got ${String(request.port)}`)
    }
    this.#port = request.port
    this.#credentials = validateCredentials(request.username, request.password)
    this.destination = `${request.host}:${request.port}`
  }

  /** The greeting: version 5 and the one method we offer. */
  start (): Uint8Array {
    if (this.#state !== 'start') {
      throw new SocksProtocolError('SOCKS handshake already started: create a new SocksClientHandshake per connection')
    }
    this.#state = 'method'
    return Uint8Array.of(SOCKS_VERSION, 1, this.#credentials === undefined ? METHOD_NO_AUTH : METHOD_USERPASS)
  }

  /** Feed bytes from the proxy. Throws a `SocksError` on failure; the handshake is then finished. */
  receive (chunk: Uint8Array): HandshakeAction {
    try {
      return this.#step(chunk)
    } catch (err) {
      this.#state = 'done'
      this.#buffer = new Uint8Array(0)
      throw err
    }
  }

  #step (chunk: Uint8Array): HandshakeAction {
    if (this.#state === 'start' || this.#state === 'done') {
      const when = this.#state === 'start' ? 'before the greeting was sent' : 'after the handshake finished'
      throw new SocksProtocolError(`the SOCKS proxy sent ${chunk.length} unexpected byte(s) ${when}: is this really tor's SocksPort?`)
    }
    this.#buffer = concat(this.#buffer, chunk)
    switch (this.#state) {
      case 'method': return this.#onMethod()
      case 'auth': return this.#onAuth()
      case 'reply': return this.#onReply()
    }
  }

  /** Two bytes and nothing more: the proxy may not speak before we ask. */
  #take2 (what: string): Uint8Array | undefined {
    const buf = this.#buffer
    if (buf.length < 2) return undefined
    if (buf.length > 2) {
      throw new SocksProtocolError(`the SOCKS proxy sent ${buf.length - 2} unexpected byte(s) after its ${what}: is this really tor's SocksPort?`)
    }
    this.#buffer = new Uint8Array(0)
    return buf
  }

  #onMethod (): HandshakeAction {
    // Whatever does not start with 5 is no SOCKS5 proxy (a ControlPort's
    // "514 Authentication required", an HTTP port's "HTTP/1.0 400"): say so.
    if (this.#buffer.length > 0 && this.#buffer[0] !== SOCKS_VERSION) {
      throw new SocksNotSocks5Error(`it answered the greeting with ${previewBytes(this.#buffer)} (version 0x${hexByte(this.#buffer[0])}, expected 0x05)`)
    }
    const buf = this.#take2('method selection')
    if (buf === undefined) return { type: 'wait' }
    checkVersion(buf[0], SOCKS_VERSION, 'greeting')
    const method = buf[1]
    if (method === METHOD_NONE_ACCEPTABLE) throw new SocksAuthError('NO_ACCEPTABLE_METHOD')
    const offered = this.#credentials === undefined ? METHOD_NO_AUTH : METHOD_USERPASS
    if (method !== offered) {
      throw new SocksProtocolError(`the SOCKS proxy chose method 0x${hexByte(method)}, which was not offered (0x${hexByte(offered)}): is this really tor's SocksPort?`)
    }
    if (this.#credentials === undefined) return this.#sendConnect()
    const { username, password } = this.#credentials
    const data = new Uint8Array(3 + username.length + password.length)
    data[0] = AUTH_VERSION
    data[1] = username.length
    data.set(username, 2)
    data[2 + username.length] = password.length
    data.set(password, 3 + username.length)
    this.#state = 'auth'
    return { type: 'send', data }
  }

  #onAuth (): HandshakeAction {
    const buf = this.#take2('authentication status')
    if (buf === undefined) return { type: 'wait' }
    checkVersion(buf[0], AUTH_VERSION, 'username/password authentication')
    if (buf[1] !== 0x00) throw new SocksAuthError('REJECTED')
    return this.#sendConnect()
  }

  #sendConnect (): HandshakeAction {
    const host = this.#host
    const data = new Uint8Array(7 + host.length)
    data.set([SOCKS_VERSION, CMD_CONNECT, 0x00, ATYP_DOMAIN, host.length], 0)
    data.set(host, 5)
    data[5 + host.length] = this.#port >> 8
    data[6 + host.length] = this.#port & 0xFF
    this.#state = 'reply'
    return { type: 'send', data }
  }

  #onReply (): HandshakeAction {
    const buf = this.#buffer
    if (buf.length < 2) return { type: 'wait' }
    checkVersion(buf[0], SOCKS_VERSION, 'CONNECT request')
    // Fail on the code alone: a proxy need not send the rest of a failed reply.
    if (buf[1] !== REPLY_SUCCEEDED) throw socksReplyError(buf[1], this.destination)
    if (buf.length < 4) return { type: 'wait' }
    if (buf[2] !== 0x00) {
      throw new SocksProtocolError(`the SOCKS reply has reserved byte 0x${hexByte(buf[2])} instead of 0x00: is this really tor's SocksPort?`)
    }
    const atyp = buf[3]
    let addrLength: number
    if (atyp === ATYP_IPV4) addrLength = 4
    else if (atyp === ATYP_IPV6) addrLength = 16
    else if (atyp !== ATYP_DOMAIN) throw new SocksProtocolError(`the SOCKS reply has unknown address type 0x${hexByte(atyp)}: is this really tor's SocksPort?`)
    else if (buf.length < 5) return { type: 'wait' }
    else addrLength = 1 + buf[4]
    const end = 4 + addrLength + 2
    if (buf.length < end) return { type: 'wait' }

    const addr = buf.subarray(4, 4 + addrLength)
    const port = (buf[end - 2] << 8) | buf[end - 1]
    const bound: SocksBoundAddress = atyp === ATYP_IPV4
      ? { type: 'ipv4', host: addr.join('.'), port }
      : atyp === ATYP_IPV6
        ? { type: 'ipv6', host: formatIpv6(addr), port }
        : { type: 'domain', host: new TextDecoder().decode(addr.subarray(1)), port }
    this.#state = 'done'
    this.#buffer = new Uint8Array(0)
    return { type: 'connected', bound, rest: buf.subarray(end) }
  }
}

function checkVersion (got: number, want: number, answering: string): void {
  if (got !== want) {
    throw new SocksProtocolError(`the SOCKS proxy answered our ${answering} with version 0x${hexByte(got)}, expected 0x${hexByte(want)}: is this really tor's SocksPort (not its ControlPort or HTTPTunnelPort)?`)
  }
}
