/**
 * SOCKS5 CONNECT through Tor: `socksConnect()` and the typed errors for Tor's
 * reply codes, including the onion-service codes of proposal 304. Knows
 * nothing of libp2p; the handshake itself is a pure state machine.
 */
export { socksConnect, DEFAULT_SOCKS_TIMEOUT_MS, DEFAULT_SOCKS_GREETING_TIMEOUT_MS } from './client.js'
export type { SocksProxy, SocksUnixProxy, SocksConnectOptions } from './client.js'
export { SocksClientHandshake } from './handshake.js'
export type { SocksConnectRequest, SocksBoundAddress, HandshakeAction } from './handshake.js'
export {
  SocksError,
  SocksProxyUnreachableError,
  SocksProtocolError,
  SocksNotSocks5Error,
  SocksAuthError,
  SocksReplyError,
  OnionServiceNotFoundError,
  OnionDescriptorInvalidError,
  OnionIntroFailedError,
  OnionRendezvousFailedError,
  OnionClientAuthMissingError,
  OnionClientAuthBadError,
  BadOnionAddressError,
  OnionIntroTimeoutError,
  socksReplyError,
  AbortError,
  TimeoutError,
  InvalidParametersError
} from './errors.js'
export type { SocksAuthFailure, SocksReplyReason } from './errors.js'
