/**
 * Errors raised by the SOCKS5 client.
 *
 * Every failure that comes from the proxy or the handshake is a `SocksError`.
 * A reply code other than 0x00 becomes a `SocksReplyError` whose `reason` is a
 * stable key (arti's `SocksStatus` names); Tor's extended onion-service codes
 * (proposal 304, sent only when the SocksPort has the `ExtendedErrors` flag)
 * each have their own subclass. Match errors by `.name` or `instanceof`.
 *
 * `AbortError`, `TimeoutError` and `InvalidParametersError` are libp2p's
 * (from `@libp2p/interface`, which holds only errors and types), so callers
 * can treat them alike.
 *
 * No error here ever holds SOCKS credentials: not in the message, not in a
 * field, not in a `cause`.
 */
import { AbortError, InvalidParametersError as Libp2pInvalidParametersError, TimeoutError } from '@libp2p/interface'

/** `0xf0` -> `'F0'`: how reply codes appear in messages. */
export function hexByte (byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0')
}

/** Base class of every failure reported by the proxy or the handshake. */
export class SocksError extends Error {
  static override name = 'SocksError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SocksError'
  }
}

/** The TCP (or unix socket) connection to Tor's SocksPort failed. */
export class SocksProxyUnreachableError extends SocksError {
  static override name = 'SocksProxyUnreachableError'
  /** The proxy as `host:port` or `unix:/path`. */
  readonly proxy: string
  /** The system error code, e.g. `ECONNREFUSED`, if there was one. */
  readonly code?: string

  constructor (proxy: string, code?: string, options?: ErrorOptions) {
    const why = code === undefined ? '' : ` (${code})`
    super(`cannot reach Tor's SOCKS port ${proxy}: is tor running? Check its SocksPort setting${why}`, options)
    this.name = 'SocksProxyUnreachableError'
    this.proxy = proxy
    if (code !== undefined) this.code = code
  }
}

/** The proxy sent malformed or unexpected bytes, or closed mid-handshake. */
export class SocksProtocolError extends SocksError {
  static override name = 'SocksProtocolError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SocksProtocolError'
  }
}

/**
 * The endpoint is not a SOCKS5 proxy: it answered the greeting with other
 * bytes, or not at all within the greeting deadline (tor's ControlPort, a
 * DirPort or an HTTP port accepts the connection and waits for a line).
 */
export class SocksNotSocks5Error extends SocksProtocolError {
  static override name = 'SocksNotSocks5Error'
  /** What happened, e.g. 'it did not answer the greeting within 5 s'. */
  readonly detail: string
  /** The endpoint as `host:port` or `unix:/path`, when known. */
  readonly proxy?: string

  constructor (detail: string, proxy?: string) {
    super(`${proxy ?? 'the SOCKS proxy'} does not speak SOCKS5: ${detail}; point it at tor's SocksPort (not its ControlPort, DirPort or HTTPTunnelPort)`)
    this.name = 'SocksNotSocks5Error'
    this.detail = detail
    if (proxy !== undefined) this.proxy = proxy
  }
}

/** Up to 20 bytes for a message: printable ASCII as is, anything else as \xNN. */
export function previewBytes (bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 20), b => b >= 0x20 && b < 0x7F && b !== 0x22 && b !== 0x5C ? String.fromCharCode(b) : `\\x${hexByte(b)}`).join('')
  return `"${shown}${bytes.length > 20 ? '…' : ''}"`
}

/** Why the proxy refused to authenticate us. */
export type SocksAuthFailure = 'NO_ACCEPTABLE_METHOD' | 'REJECTED'

/** The proxy accepted none of our methods, or rejected the username/password. */
export class SocksAuthError extends SocksError {
  static override name = 'SocksAuthError'
  readonly failure: SocksAuthFailure

  constructor (failure: SocksAuthFailure) {
    super(failure === 'NO_ACCEPTABLE_METHOD'
      ? 'the SOCKS proxy accepted none of the offered authentication methods: Tor\'s SocksPort accepts both; check that the proxy is tor and what its configuration requires'
      : 'the SOCKS proxy rejected the username/password: Tor accepts any credentials, so check that the proxy is tor')
    this.name = 'SocksAuthError'
    this.failure = failure
  }
}

/** Stable keys for reply codes, as arti's `SocksStatus` names them. */
export type SocksReplyReason =
  | 'GENERAL_FAILURE'
  | 'NOT_ALLOWED'
  | 'NETWORK_UNREACHABLE'
  | 'HOST_UNREACHABLE'
  | 'CONNECTION_REFUSED'
  | 'TTL_EXPIRED'
  | 'COMMAND_NOT_SUPPORTED'
  | 'ADDRTYPE_NOT_SUPPORTED'
  | 'HS_DESC_NOT_FOUND'
  | 'HS_DESC_INVALID'
  | 'HS_INTRO_FAILED'
  | 'HS_REND_FAILED'
  | 'HS_MISSING_CLIENT_AUTH'
  | 'HS_WRONG_CLIENT_AUTH'
  | 'HS_BAD_ADDRESS'
  | 'HS_INTRO_TIMEOUT'
  | 'UNKNOWN'

/** The proxy answered the CONNECT request with a reply code other than 0x00. */
export class SocksReplyError extends SocksError {
  static override name = 'SocksReplyError'
  readonly replyCode: number
  readonly reason: SocksReplyReason
  /** `host:port` as requested; an onion address, never a credential. */
  readonly destination: string

  constructor (replyCode: number, destination: string) {
    const known = REPLIES.get(replyCode)
    const detail = known?.detail ?? `unknown SOCKS reply code ${hexByte(replyCode)}: is the proxy tor's SocksPort? See tor's log`
    super(`cannot connect to ${destination}: ${detail}`)
    this.name = 'SocksReplyError'
    this.replyCode = replyCode
    this.reason = known?.reason ?? 'UNKNOWN'
    this.destination = destination
  }
}

/** F0: the service's descriptor is not on the hash ring. */
export class OnionServiceNotFoundError extends SocksReplyError {
  static override name = 'OnionServiceNotFoundError'
  constructor (destination: string) { super(0xF0, destination); this.name = 'OnionServiceNotFoundError' }
}

/** F1: the descriptor failed to parse or its signature did not verify. */
export class OnionDescriptorInvalidError extends SocksReplyError {
  static override name = 'OnionDescriptorInvalidError'
  constructor (destination: string) { super(0xF1, destination); this.name = 'OnionDescriptorInvalidError' }
}

/** F2: introduction failed; the service is no longer at its introduction points. */
export class OnionIntroFailedError extends SocksReplyError {
  static override name = 'OnionIntroFailedError'
  constructor (destination: string) { super(0xF2, destination); this.name = 'OnionIntroFailedError' }
}

/** F3: the rendezvous could not be completed. */
export class OnionRendezvousFailedError extends SocksReplyError {
  static override name = 'OnionRendezvousFailedError'
  constructor (destination: string) { super(0xF3, destination); this.name = 'OnionRendezvousFailedError' }
}

/** F4: the service requires client authorization and tor has no key for it. */
export class OnionClientAuthMissingError extends SocksReplyError {
  static override name = 'OnionClientAuthMissingError'
  constructor (destination: string) { super(0xF4, destination); this.name = 'OnionClientAuthMissingError' }
}

/** F5: tor's client authorization key was not accepted. */
export class OnionClientAuthBadError extends SocksReplyError {
  static override name = 'OnionClientAuthBadError'
  constructor (destination: string) { super(0xF5, destination); this.name = 'OnionClientAuthBadError' }
}

/** F6: the onion address is malformed (length, version or checksum). */
export class BadOnionAddressError extends SocksReplyError {
  static override name = 'BadOnionAddressError'
  constructor (destination: string) { super(0xF6, destination); this.name = 'BadOnionAddressError' }
}

/** F7: the introduction timed out. */
export class OnionIntroTimeoutError extends SocksReplyError {
  static override name = 'OnionIntroTimeoutError'
  constructor (destination: string) { super(0xF7, destination); this.name = 'OnionIntroTimeoutError' }
}

/**
 * The one table of SOCKS reply codes (RFC 1928 section 6, and Tor's
 * onion-service codes F0-F7 of proposal 304): reason, what to do, and, for
 * the onion codes, the class raised. Every other layer reads it from here.
 */
const REPLIES: ReadonlyMap<number, { reason: SocksReplyReason, detail: string, error?: new (destination: string) => SocksReplyError }> = new Map([
  [0x01, { reason: 'GENERAL_FAILURE', detail: 'general SOCKS server failure (01): see tor\'s log; retry later' }],
  [0x02, { reason: 'NOT_ALLOWED', detail: 'connection not allowed by ruleset (02): check tor\'s SocksPolicy and exit policies' }],
  [0x03, { reason: 'NETWORK_UNREACHABLE', detail: 'network unreachable (03): tor may not have bootstrapped yet; check its network and retry' }],
  [0x04, { reason: 'HOST_UNREACHABLE', detail: 'host unreachable (04): the peer may be offline; add ExtendedErrors to tor\'s SocksPort for the exact onion-service reason' }],
  [0x05, { reason: 'CONNECTION_REFUSED', detail: 'connection refused (05): the destination is up but nothing listens on that port; check the port' }],
  [0x06, { reason: 'TTL_EXPIRED', detail: 'TTL expired (06): tor\'s circuit timed out; the network may be slow or the peer unreachable, retry' }],
  [0x07, { reason: 'COMMAND_NOT_SUPPORTED', detail: 'command not supported (07): the proxy refused CONNECT; is it really tor\'s SocksPort?' }],
  [0x08, { reason: 'ADDRTYPE_NOT_SUPPORTED', detail: 'address type not supported (08): the proxy refused a hostname; point it at tor\'s SocksPort, which resolves names itself' }],
  [0xF0, { reason: 'HS_DESC_NOT_FOUND', error: OnionServiceNotFoundError, detail: 'onion service descriptor not found (F0): the peer is offline or not yet published; retry later' }],
  [0xF1, { reason: 'HS_DESC_INVALID', error: OnionDescriptorInvalidError, detail: 'onion service descriptor invalid (F1): it failed to parse or verify; the service must republish it' }],
  [0xF2, { reason: 'HS_INTRO_FAILED', error: OnionIntroFailedError, detail: 'onion service introduction failed (F2): the service is likely down or changed its descriptor; retry later' }],
  [0xF3, { reason: 'HS_REND_FAILED', error: OnionRendezvousFailedError, detail: 'onion service rendezvous failed (F3): tor could not complete the circuit; retry' }],
  [0xF4, { reason: 'HS_MISSING_CLIENT_AUTH', error: OnionClientAuthMissingError, detail: 'onion service client authorization missing (F4): the service requires a client key; add it to tor (ClientOnionAuthDir)' }],
  [0xF5, { reason: 'HS_WRONG_CLIENT_AUTH', error: OnionClientAuthBadError, detail: 'onion service client authorization wrong (F5): the service rejected tor\'s client key; check or replace it' }],
  [0xF6, { reason: 'HS_BAD_ADDRESS', error: BadOnionAddressError, detail: 'bad onion address (F6): tor rejected it; check the 56-character v3 address and its checksum' }],
  [0xF7, { reason: 'HS_INTRO_TIMEOUT', error: OnionIntroTimeoutError, detail: 'onion service introduction timed out (F7): the service may be overloaded or offline; retry later' }]
])

/**
 * The error for a failed CONNECT reply: an onion subclass for F0-F7, else a
 * `SocksReplyError` with the code's reason (`UNKNOWN` for unlisted codes).
 */
export function socksReplyError (code: number, destination: string): SocksReplyError {
  const OnionError = REPLIES.get(code)?.error
  return OnionError === undefined ? new SocksReplyError(code, destination) : new OnionError(destination)
}

/**
 * Aborts and timeouts are libp2p's own AbortError and TimeoutError, so a
 * caller's `instanceof` or `.name` check against `@libp2p/interface` holds.
 * (Aborting destroys the socket; so does a timeout of connect plus
 * handshake.)
 */
export { AbortError, TimeoutError }

/**
 * An option was invalid; nothing was sent. libp2p's InvalidParametersError
 * (same `.name`, `instanceof` holds), plus which option was wrong. The
 * message never echoes credentials.
 */
export class InvalidParametersError extends Libp2pInvalidParametersError {
  /** Which option was wrong, e.g. `host` or `password`. */
  readonly parameter: string

  constructor (parameter: string, message: string) {
    super(message)
    this.name = 'InvalidParametersError'
    this.parameter = parameter
  }
}
