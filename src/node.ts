import './polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { onionListenAddress, tor } from '../transports/tor/index.js'
import { isValidOnion3Multiaddr, isValidOnionDialMultiaddr, loadOnionKeyFile } from './onion/index.js'
import type { TorTransportInit } from '../transports/tor/index.js'
import { InvalidParametersError } from '@libp2p/interface'
import type { Identify } from '@libp2p/identify'
import type { ComponentLogger, IdentifyResult, Libp2pEvents, Logger, PeerStore, PrivateKey, Libp2p, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The user agent every p2p-tor node sends in identify: no Node.js version, OS or host. */
export const AGENT_VERSION = 'p2p-tor'

/**
 * Tor-sized connection-manager settings. libp2p's defaults (10 s per dial, 6 s per address,
 * 10 s inbound upgrade) are shorter than a cold onion-service rendezvous.
 * The per-address timeout is a little longer than the transport's own dial
 * timeout, so the transport's typed Tor error is what the caller sees.
 */
export const TOR_CONNECTION_DEFAULTS = {
  dialTimeout: 150_000,
  addressDialTimeout: 130_000,
  inboundUpgradeTimeout: 60_000,
  protocolTimeout: 60_000,
  /**
   * An inbound upgrade (multistream-select + noise + yamux) takes several
   * Tor round trips, so many more are pending at once than on TCP; with
   * libp2p's default of 10, a burst of 20 peers dialing a hub lost half.
   */
  maxIncomingPendingConnections: 64,
  /**
   * All streams of a connection share one Tor stream. yamux's default 16 MiB
   * window lets one bulk transfer queue seconds of data ahead of every other
   * stream (bench/: an echo took up to 2.9 s during a transfer), and
   * libp2p's connection monitor then aborts the connection. 1 MiB keeps
   * Tor's throughput (512 KiB did not).
   */
  maxStreamWindowSize: 1024 * 1024,
  /** The connection monitor's ping deadline floor (libp2p: 5 s). */
  monitorPingMinTimeout: 30_000
} as const

/**
 * The options for `@libp2p/ping`'s `ping()` service on a Tor node:
 * `services: { ping: ping(TOR_PING_DEFAULTS) }`.
 *
 * libp2p's connection monitor pings every connection over the same
 * protocol. With ping()'s default `maxOutboundStreams: 1`, a user's ping()
 * that runs at the moment of the monitor's heartbeat makes the monitor's
 * stream fail (`TooManyOutboundProtocolStreamsError`), the monitor then
 * aborts the whole connection, and that ping() never settles (a libp2p
 * bug: docs/upstream/ping-never-settles.md). Over Tor this hit 1 in
 * 70–300 dial/ping/hangUp cycles. Two outbound streams leave room for both;
 * four inbound accept a peer that does the same. Pass a `signal` to every
 * ping() as well: `timeout` bounds only the answering side.
 */
export const TOR_PING_DEFAULTS = {
  maxOutboundStreams: 2,
  maxInboundStreams: 4,
  timeout: TOR_CONNECTION_DEFAULTS.protocolTimeout
} as const

export interface TorNodeOptions extends TorTransportInit {
  /**
   * The libp2p identity (peer id).
   *
   * @default a new ed25519 key
   */
  privateKey?: PrivateKey

  /**
   * The onion virtual port to listen on with `key`/`keyFile`. With no key
   * the node only dials.
   *
   * @default 7777
   */
  port?: number

  /**
   * Start the node before returning it, as createLibp2p() does. Pass false
   * to register protocol handlers first, then call start().
   *
   * @default true
   */
  start?: boolean

  /**
   * Dial only: the node has no onion service and cannot be reached. It never
   * sends ADD_ONION (no listen address exists) and refuses a `key` or
   * `keyFile`. A member of a hub runs this way: it needs no onion service of
   * its own, so nothing can find or dial it.
   *
   * @default false (a node without a key dials only too, but may be given one)
   */
  dialOnly?: boolean
}

export interface TorNodeServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
}

export type TorNode = Libp2p<TorNodeServices>

/**
 * The libp2p options {@link createTorNode} builds. `addresses`,
 * `transports` and `connectionGater` are always set, so a caller can extend
 * them (add a transport, a listen address, a service) and pass the result to
 * `createLibp2p()`.
 */
export type TorNodeLibp2pOptions = Libp2pOptions<TorNodeServices> & Required<Pick<Libp2pOptions<TorNodeServices>, 'addresses' | 'transports' | 'connectionGater'>>

/** Keeps only valid /onion3 addresses: never announce loopback, LAN or public IPs. */
export function onionOnly (addrs: Multiaddr[]): Multiaddr[] {
  return addrs.filter(ma => isValidOnion3Multiaddr(ma))
}

interface DialedOnionAddressesComponents {
  events: TypedEventTarget<Libp2pEvents>
  peerStore: PeerStore
  logger: ComponentLogger
}

/**
 * Keeps the onion address a peer was dialed on in the peer store through
 * identify.
 *
 * identify replaces a peer's stored addresses with the listen addresses the
 * peer reports (`peerStore.patch` in @libp2p/identify). A stock libp2p node
 * reached through its hand-made onion service reports only `/ip4`, which the
 * gater's filterMultiaddrForPeer drops, so the patch left the peer with no
 * address at all: the onion address the dial queue had just stored was gone,
 * and a later dial by peer id failed with NoValidAddressesError. identify
 * has no option to merge instead, and the filter can only drop addresses, so
 * this service merges the dialed address back when libp2p reports the
 * identify (the event comes after the patch). Only outbound connections
 * whose remote address is a valid onion address (either spelling) count:
 * that is an address this node itself reached the peer on.
 */
class DialedOnionAddresses implements Startable {
  readonly [Symbol.toStringTag] = 'p2p-tor:dialed-onion-addresses'
  private readonly log: Logger

  constructor (private readonly components: DialedOnionAddressesComponents) {
    this.log = components.logger.forComponent('libp2p:tor:dialed-onion-addresses')
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, connection } = evt.detail
    if (connection.direction !== 'outbound' || !isValidOnionDialMultiaddr(connection.remoteAddr)) return
    this.components.peerStore.merge(peerId, { multiaddrs: [connection.remoteAddr] }).catch((err: unknown) => {
      // a node that is stopping closes its datastore under us; nothing to keep then
      this.log.error('could not keep the dialed onion address of %p - %e', peerId, err)
    })
  }

  start (): void {
    this.components.events.addEventListener('peer:identify', this.onIdentify)
  }

  stop (): void {
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
  }
}

/**
 * The libp2p service that keeps a dialed onion address in the peer store
 * through identify (see {@link DialedOnionAddresses}); torNodeOptions()
 * installs it as `services.dialedOnionAddresses`.
 */
export function dialedOnionAddresses (): (components: DialedOnionAddressesComponents) => Startable {
  return (components) => new DialedOnionAddresses(components)
}

/**
 * The libp2p options of a node on Tor: tor() + noise + yamux + identify +
 * ping, with Tor-sized timeouts, onion-only announcements, no DNS resolution
 * of peer addresses and a gater that refuses to dial (or store for a
 * peer) anything but an onion address: /onion3, or the /dns4/<id>.onion/tcp
 * spelling that stock nodes behind torsocks use.
 * Loads `keyFile` if given. {@link createTorNode} is
 * `createLibp2p(await torNodeOptions(options))`; use this to build a node
 * with something added (another transport or service) that keeps every
 * Tor default, the announce filter and the gater in place.
 */
export async function torNodeOptions (options: TorNodeOptions = {}): Promise<TorNodeLibp2pOptions> {
  const { privateKey, port, start, dialOnly, ...transportInit } = options
  if (dialOnly === true && (transportInit.key != null || transportInit.keyFile != null)) {
    throw new InvalidParametersError('dialOnly: true cannot be combined with key or keyFile: a dial-only node has no onion service; drop the key, or drop dialOnly to listen')
  }
  const key = transportInit.key ?? (transportInit.keyFile != null ? await loadOnionKeyFile(transportInit.keyFile) : undefined)
  const listen = key != null ? [onionListenAddress(key, port ?? 7777).toString()] : []

  return {
    start,
    privateKey,
    nodeInfo: { name: AGENT_VERSION, version: '', userAgent: AGENT_VERSION },
    addresses: {
      listen,
      announceFilter: onionOnly
    },
    transports: [tor({ ...transportInit, key, keyFile: undefined })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: TOR_CONNECTION_DEFAULTS.maxStreamWindowSize } })],
    connectionMonitor: { pingTimeout: { minTimeout: TOR_CONNECTION_DEFAULTS.monitorPingMinTimeout } },
    connectionGater: {
      // belt and braces: the transport refuses these too, and no other
      // transport exists. /dns4/<id>.onion/tcp/<port> is the same onion
      // spelled as stock nodes behind torsocks write it; no other name passes.
      denyDialMultiaddr: (ma) => !isValidOnionDialMultiaddr(ma),
      // the peer store keeps no clearnet address a peer handed us (a stock
      // node's identify sends its /ip4 listen addresses), so no later dial
      // by peer id, and no service (peer exchange, a DHT), can use one
      filterMultiaddrForPeer: async (_peer, ma) => isValidOnionDialMultiaddr(ma)
    },
    connectionManager: {
      dialTimeout: TOR_CONNECTION_DEFAULTS.dialTimeout,
      addressDialTimeout: TOR_CONNECTION_DEFAULTS.addressDialTimeout,
      inboundUpgradeTimeout: TOR_CONNECTION_DEFAULTS.inboundUpgradeTimeout,
      maxIncomingPendingConnections: TOR_CONNECTION_DEFAULTS.maxIncomingPendingConnections,
      // no /dnsaddr resolution: a peer's name must never reach the system resolver
      resolvers: {}
    },
    services: {
      identify: identify({ timeout: TOR_CONNECTION_DEFAULTS.protocolTimeout }),
      // room for a user's ping beside the connection monitor's own
      ping: ping(TOR_PING_DEFAULTS),
      // identify would otherwise drop the onion address a stock node was dialed on
      dialedOnionAddresses: dialedOnionAddresses()
    }
  }
}

/**
 * A ready libp2p node on Tor: tor() + noise + yamux + identify + ping, with
 * Tor-sized timeouts, onion-only announcements, no DNS resolution of peer
 * addresses and a gater that refuses to dial anything but an onion address
 * (/onion3, or /dns|dns4|dns6/<id>.onion/tcp/<port>).
 *
 * When publishing fails, it rejects with the listener's typed error
 * (OnionInUseError, OnionPublishTimeoutError, …), not libp2p's
 * UnsupportedListenAddressesError, which drops it. (With `start: false`, a
 * later `node.start()` still gets libp2p's wrapper.)
 */
export async function createTorNode (options: TorNodeOptions = {}): Promise<TorNode> {
  const node = await createLibp2p({ ...(await torNodeOptions(options)), start: false })
  if (options.start === false) return node
  try {
    await node.start()
  } catch (err) {
    throw listenCause(node, err)
  }
  return node
}

/**
 * libp2p wraps a failed listen in UnsupportedListenAddressesError and drops
 * the cause; the tor transport keeps it, so a caller gets the typed error
 * (OnionInUseError, OnionPublishTimeoutError, …) instead.
 */
function listenCause (node: TorNode, err: unknown): unknown {
  if ((err as Error | undefined)?.name !== 'UnsupportedListenAddressesError') return err
  const transports = (node as unknown as { components?: { transportManager?: { getTransports: () => unknown[] } } }).components?.transportManager?.getTransports() ?? []
  return transports.map(t => (t as { lastListenError?: unknown }).lastListenError).find(e => e != null) ?? err
}
