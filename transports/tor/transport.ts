import { serviceCapabilities, transportSymbol } from '@libp2p/interface'
import { CustomProgressEvent } from 'progress-events'
import { isValidOnion3Multiaddr, isValidOnionDialMultiaddr, loadOnionKeyFile, onionAddressFromDialMultiaddr } from '../../src/onion/index.js'
import { socksConnect } from '../../src/socks/index.js'
import { StreamIsolation } from './isolation.js'
import { connectRetryingStall } from './stall-retry.js'
import { TorListener } from './listener.js'
import { socketToConnection } from './socket-to-conn.js'
import { TorSource } from './tor-source.js'
import type { TorTransportInit, TorDialEvents } from './init.js'
import type { OnionKey } from '../../src/onion/index.js'
import type { ComponentLogger, Connection, CreateListenerOptions, DialTransportOptions, Libp2pEvents, Listener, Logger, Startable, Transport, TypedEventTarget } from '@libp2p/interface'
import type { TorDownEvent, TorUpEvent } from '../../src/tor/index.js'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface TorComponents {
  logger: ComponentLogger
  /** libp2p's event bus: 'tor:down', 'tor:up' and 'tor:reachable' reach the node's listeners through it. */
  events?: TypedEventTarget<Libp2pEvents>
}

/**
 * Events the transport dispatches on the node (`node.addEventListener(...)`)
 * when it survives a tor restart.
 */
export interface TorNodeEvents {
  /** Tor's control connection dropped; dials fail at once with TorUnavailableError until 'tor:up'. */
  'tor:down': CustomEvent<{ cause?: Error }>
  /** Tor answers again (and is bootstrapped); the listeners are publishing again. */
  'tor:up': CustomEvent<{ downMs: number, attempts: number }>
  /** A listener's onion service is reachable again: its first descriptor upload after the restart. */
  'tor:reachable': CustomEvent<{ serviceId: string, downMs: number, publishMs: number }>
  /** Publishing a listener's service again failed; the next 'tor:up' tries again. */
  'tor:republish-failed': CustomEvent<{ serviceId: string, error: Error }>
}

export const DEFAULT_DIAL_TIMEOUT_MS = 120_000
export const DEFAULT_PUBLISH_TIMEOUT_MS = 120_000

export class TorTransport implements Transport<TorDialEvents>, Startable {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = 'p2p-tor'
  readonly [serviceCapabilities]: string[] = ['@libp2p/transport']

  private readonly log: Logger
  private readonly source: TorSource
  private readonly isolation: StreamIsolation
  private readonly keys = new Map<string, OnionKey>()
  private readonly active = new Set<string>()
  private readonly listeners = new Set<TorListener>()
  private started = false
  /** Why the last listen() failed, kept because libp2p's UnsupportedListenAddressesError drops it. */
  lastListenError?: unknown

  constructor (private readonly components: TorComponents, private readonly init: TorTransportInit = {}) {
    this.log = components.logger.forComponent('libp2p:tor')
    this.source = new TorSource(init, {
      down: (e) => { this.onTorDown(e) },
      up: (e) => { this.onTorUp(e) }
    })
    this.isolation = new StreamIsolation(init.isolation ?? 'peer')
    for (const key of [...(init.keys ?? []), ...(init.key != null ? [init.key] : [])]) {
      this.keys.set(key.serviceId, key)
    }
  }

  private dispatch<K extends keyof TorNodeEvents> (type: K, detail: TorNodeEvents[K]['detail']): void {
    // libp2p's bus is typed to its own events; ours are documented in TorNodeEvents
    const events = this.components.events as unknown as { safeDispatchEvent?: (type: string, init: { detail: unknown }) => void } | undefined
    events?.safeDispatchEvent?.(type, { detail })
  }

  private onTorDown (e: TorDownEvent): void {
    this.log('tor went away; dials fail at once until it is back')
    this.dispatch('tor:down', e.cause != null ? { cause: e.cause } : {})
  }

  /** Tor is back: publish every listener's service again, with the same key. */
  private onTorUp (e: TorUpEvent): void {
    this.log('tor is back after %d ms; publishing %d listener(s) again', e.downMs, this.listeners.size)
    this.dispatch('tor:up', { downMs: e.downMs, attempts: e.attempts })
    for (const listener of this.listeners) {
      listener.republish(e.control).then(r => {
        if (r != null) this.dispatch('tor:reachable', { serviceId: r.serviceId, downMs: e.downMs + r.publishMs, publishMs: r.publishMs })
      }, (error: Error) => {
        this.log.error('publishing again failed - %e', error)
        this.dispatch('tor:republish-failed', { serviceId: listener.serviceIdOrEmpty, error })
      })
    }
  }

  async start (): Promise<void> {
    if (this.started) return
    if (this.init.keyFile != null) {
      const key = await loadOnionKeyFile(this.init.keyFile)
      this.keys.set(key.serviceId, key)
    }
    // a managed tor is launched (and bootstrapped) here rather than on the
    // first dial, so start-up errors surface from node.start()
    if (this.source.launchesOnStart) {
      await this.source.get()
    }
    this.started = true
  }

  async stop (): Promise<void> {
    await Promise.all([...this.listeners].map(async l => l.close()))
    this.listeners.clear()
    await this.source.close()
    this.started = false
  }

  async dial (ma: Multiaddr, options: DialTransportOptions<TorDialEvents>): Promise<Connection> {
    options.signal?.throwIfAborted()
    // validated again here, not only in dialFilter: never hand tor anything
    // that is not a well-formed v3 onion address. Either spelling (/onion3,
    // or /dns4/<id>.onion/tcp/<port>) ends up as the same hostname on tor's
    // SOCKS port; nothing is resolved here.
    const { serviceId, port } = onionAddressFromDialMultiaddr(ma)
    const proxy = await this.source.socks()

    options.onProgress?.(new CustomProgressEvent('tor:socks-connect'))
    this.log('dialing %s.onion:%d through tor', serviceId, port)
    // a reused isolation group may hold a stale rendezvous circuit: see
    // stall-retry.ts. After any failed dial the group is rotated, so the
    // next dial to that peer does not go down the same circuits.
    const socket = await connectRetryingStall({
      serviceId,
      isolation: this.isolation,
      timeoutMs: this.init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
      signal: options.signal,
      onStall: (ms) => { this.log('dial to %s.onion stalled for %d ms on a used circuit group; retrying once on fresh credentials', serviceId, ms) },
      connect: async (credentials, timeoutMs) => socksConnect({ proxy, host: `${serviceId}.onion`, port, ...credentials, signal: options.signal, timeoutMs })
    }).catch((err: unknown) => {
      this.isolation.rotate(serviceId)
      throw err
    })
    options.onProgress?.(new CustomProgressEvent('tor:socks-connected'))

    const maConn = socketToConnection({
      socket,
      direction: 'outbound',
      remoteAddr: ma,
      inactivityTimeout: this.init.inactivityTimeoutMs,
      log: this.components.logger.forComponent('libp2p:tor:connection')
    })

    try {
      return await options.upgrader.upgradeOutbound(maConn, options)
    } catch (err: any) {
      this.log.error('upgrading outbound connection to %s failed - %e', serviceId, err)
      this.isolation.rotate(serviceId)
      maConn.abort(err)
      throw err
    }
  }

  createListener (options: CreateListenerOptions): Listener {
    const listener: TorListener = new TorListener({
      upgrader: options.upgrader,
      logger: this.components.logger,
      keyFor: id => this.keys.get(id),
      control: async () => this.source.control(),
      active: this.active,
      localTarget: this.init.localTarget === 'unix' || (this.init.localTarget !== 'tcp' && this.source.managed) ? 'unix' : 'tcp',
      unixSocketDir: this.init.unixSocketDir,
      waitForPublish: this.init.waitForPublish ?? true,
      publishTimeoutMs: this.init.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
      maxStreams: this.init.maxStreams,
      clientAuthV3: this.init.clientAuthV3,
      inactivityTimeoutMs: this.init.inactivityTimeoutMs,
      onListenError: (err) => { this.lastListenError = err }
    })
    this.listeners.add(listener)
    listener.addEventListener('close', () => { this.listeners.delete(listener) }, { once: true })
    return listener
  }

  /**
   * Any valid /onion3 address; listen() then fails with MissingOnionKeyError
   * when the transport does not hold that address's key.
   */
  listenFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter(ma => isValidOnion3Multiaddr(ma))
  }

  /**
   * Only valid onion addresses (checksum, version and port checked), with or
   * without /p2p: `/onion3/<id>:<port>`, or the spelling of stock nodes
   * behind torsocks, `/dns|dns4|dns6/<id>.onion/tcp/<port>`, whose name goes
   * to tor as a hostname and is never resolved locally. Everything else —
   * /ip4, any other /dns name, a bad checksum — is refused: this transport
   * never makes a clearnet connection. Put tor() before any other transport
   * (such as tcp()) whose dialFilter also takes /dns4: libp2p dials with the
   * first transport that accepts an address.
   */
  dialFilter (multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter(ma => isValidOnionDialMultiaddr(ma))
  }
}
