/**
 * @packageDocumentation
 *
 * A js-libp2p 3.x transport that runs libp2p over Tor: it dials
 * `/onion3/<id>:<port>` addresses through tor's SOCKS5 port and listens by
 * publishing v3 onion services with ADD_ONION over tor's control port.
 *
 * @example
 * ```ts
 * import { createLibp2p } from 'libp2p'
 * import { noise } from '@chainsafe/libp2p-noise'
 * import { yamux } from '@chainsafe/libp2p-yamux'
 * import { ping } from '@libp2p/ping'
 * import { tor, onionListenAddress, loadOrCreateOnionKeyFile, TOR_PING_DEFAULTS } from 'p2p-tor'
 *
 * const { key } = await loadOrCreateOnionKeyFile('./onion.key')
 * const node = await createLibp2p({
 *   addresses: { listen: [onionListenAddress(key, 7777).toString()] },
 *   transports: [tor({ key, control: '127.0.0.1:9051', socks: '127.0.0.1:9050' })],
 *   connectionEncrypters: [noise()],
 *   streamMuxers: [yamux()],
 *   services: { ping: ping(TOR_PING_DEFAULTS) }
 * })
 * ```
 *
 * With ping, build it as `ping(TOR_PING_DEFAULTS)`, not `ping()`: libp2p's
 * connection monitor pings over the same protocol, and with ping's default
 * of one outbound stream a user's ping() at that moment gets the connection
 * aborted and never settles (docs/upstream/ping-never-settles.md). Pass a
 * `signal` to every ping() too. `createTorNode()` does both.
 */

import { onionAddressToMultiaddr, parsePort } from '../../src/onion/index.js'
import { TorTransport } from './transport.js'
import type { TorComponents } from './transport.js'
import type { TorDialEvents, TorTransportInit } from './init.js'
import type { OnionKey } from '../../src/onion/index.js'
import type { Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * The Tor transport factory, for `createLibp2p({ transports: [tor()] })`.
 * It only captures configuration: tor is reached in start() or listen().
 *
 * Next to `@libp2p/ping`, use `ping(TOR_PING_DEFAULTS)` (from the package
 * root): a bare `ping()` lets libp2p's connection monitor abort a
 * connection while a user's ping runs on it, and that ping never settles.
 */
export function tor (init: TorTransportInit = {}): (components: TorComponents) => Transport<TorDialEvents> {
  return (components) => new TorTransport(components, init)
}

/**
 * The multiaddr a node will listen on with `key`, known before the node
 * (or tor) starts: `/onion3/<id>:<port>`.
 */
export function onionListenAddress (key: OnionKey, port: number = 7777): Multiaddr {
  return onionAddressToMultiaddr({ serviceId: key.serviceId, port: parsePort(port) })
}

export { ListenerClosedError, MissingOnionKeyError, OnionAlreadyListeningError, OnionInUseError, OnionPublishFailedError, OnionPublishTimeoutError, NoControlPortError, TorStreamError } from './errors.js'
export type { TorDialEvents, TorTransportInit } from './init.js'
export type { TorNodeEvents } from './transport.js'
export type { IsolationMode } from './isolation.js'
export type { LocalTarget } from './listener.js'
export type { TorSourceInit } from './tor-source.js'
