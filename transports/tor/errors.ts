/**
 * Errors raised by the libp2p Tor transport itself. Errors from the layers
 * below (SOCKS reply codes, control-port replies, onion address validation)
 * pass through unchanged: they are already typed and say what to do.
 */

/** `listen()` was given an onion address whose private key the transport does not hold. */
export class MissingOnionKeyError extends Error {
  static override name = 'MissingOnionKeyError'
  readonly serviceId: string

  constructor (serviceId: string) {
    super(`cannot listen on ${serviceId}.onion: the transport holds no key for it; pass the key (tor({ key }) or tor({ keyFile })) whose address this is, or listen on the address of a key you hold (see onionListenAddress())`)
    this.name = 'MissingOnionKeyError'
    this.serviceId = serviceId
  }
}

/** The onion service was added but no HS directory accepted its descriptor in time. */
export class OnionPublishTimeoutError extends Error {
  static override name = 'OnionPublishTimeoutError'
  readonly serviceId: string

  constructor (serviceId: string, timeoutMs: number, options?: ErrorOptions) {
    super(`onion service ${serviceId}.onion was not published within ${Math.round(timeoutMs / 1000)} s: tor may still be bootstrapping or cannot reach any HS directory; check tor's log, raise publishTimeoutMs, or set waitForPublish: false`, options)
    this.name = 'OnionPublishTimeoutError'
    this.serviceId = serviceId
  }
}

/** Every descriptor upload of the onion service failed. */
export class OnionPublishFailedError extends Error {
  static override name = 'OnionPublishFailedError'
  readonly serviceId: string
  readonly reasons: string[]

  constructor (serviceId: string, reasons: string[], options?: ErrorOptions) {
    const why = reasons.length > 0 ? ` (${[...new Set(reasons)].join(', ')})` : ''
    super(`every descriptor upload for ${serviceId}.onion failed${why}: check tor's clock and network, then listen again`, options)
    this.name = 'OnionPublishFailedError'
    this.serviceId = serviceId
    this.reasons = reasons
  }
}

/** The listener was closed while its onion service was still being published. */
export class ListenerClosedError extends Error {
  static override name = 'ListenerClosedError'
  readonly serviceId: string

  constructor (serviceId: string, options?: ErrorOptions) {
    super(`the listener for ${serviceId}.onion was closed before the onion service was published`, options)
    this.name = 'ListenerClosedError'
    this.serviceId = serviceId
  }
}

/** The same onion id is already being listened on by this transport. */
export class OnionAlreadyListeningError extends Error {
  static override name = 'OnionAlreadyListeningError'

  constructor (serviceId: string, port: number) {
    super(`${serviceId}.onion is already listening (port ${port}) in this transport: use one listen address per onion key, or give another key`)
    this.name = 'OnionAlreadyListeningError'
  }
}

/** Another controller (another process, or a detached service) owns this onion address. */
export class OnionInUseError extends Error {
  static override name = 'OnionInUseError'

  constructor (serviceId: string) {
    super(`${serviceId}.onion is already published by another tor controller (another p2p-tor process using the same key?); stop it, or use another key`)
    this.name = 'OnionInUseError'
  }
}

/** listen() needs tor's control port, but the transport was configured with a SOCKS port only. */
export class NoControlPortError extends Error {
  static override name = 'NoControlPortError'

  constructor () {
    super('listening needs tor\'s control port, but only a SOCKS port was configured: pass control (e.g. "127.0.0.1:9051"), or let the transport manage its own tor')
    this.name = 'NoControlPortError'
  }
}

/** A Tor stream (the socket under a connection) failed: tor dropped the circuit, or the local socket broke. */
export class TorStreamError extends Error {
  static override name = 'TorStreamError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TorStreamError'
  }
}
