import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { AlreadyStartedError } from '@libp2p/interface'
import { TypedEventEmitter, setMaxListeners } from 'main-event'
import { pEvent } from 'p-event'
import { ControlReplyError, watchUploads } from '../../src/control/index.js'
import { addOnionKeyBlob, onionAddressFromMultiaddr, onionAddressToMultiaddr } from '../../src/onion/index.js'
import { ListenerClosedError, MissingOnionKeyError, OnionAlreadyListeningError, OnionInUseError, OnionPublishFailedError, OnionPublishTimeoutError } from './errors.js'
import { socketToConnection } from './socket-to-conn.js'
import type { ControlClient, AddOnionPort } from '../../src/control/index.js'
import type { OnionKey } from '../../src/onion/index.js'
import type { ComponentLogger, Listener, ListenerEvents, Logger, Upgrader, AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export type LocalTarget = 'tcp' | 'unix'

export interface TorListenerContext {
  upgrader: Upgrader
  logger: ComponentLogger
  /** Finds the key for an onion id, or undefined. */
  keyFor(serviceId: string): OnionKey | undefined
  /** The authenticated control connection (starts tor on first use). */
  control(): Promise<ControlClient>
  /** Ids this transport is currently serving, shared by its listeners. */
  active: Set<string>
  localTarget: LocalTarget
  unixSocketDir?: string
  waitForPublish: boolean
  publishTimeoutMs: number
  maxStreams?: number
  clientAuthV3?: string[]
  inactivityTimeoutMs?: number
  /** Told why listen() failed: libp2p wraps the error and drops it (see createTorNode). */
  onListenError?: (err: unknown) => void
}

/**
 * Serves one `/onion3/<id>:<port>` address: a local server on 127.0.0.1:0 (or
 * a unix socket) that tor delivers inbound streams to, published with
 * ADD_ONION. Modelled on @libp2p/tcp's listener.
 */
export class TorListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly log: Logger
  private readonly sockets = new Set<net.Socket>()
  private readonly shutdown = new AbortController()
  private server?: net.Server
  private listenAddr?: Multiaddr
  private serviceId?: string
  private control?: ControlClient
  private socketDir?: string
  private published = false
  private closed = false
  /** The ADD_ONION port mapping, kept to publish again after a tor restart. */
  private port?: AddOnionPort

  constructor (private readonly ctx: TorListenerContext) {
    super()
    this.log = ctx.logger.forComponent('libp2p:tor:listener')
    setMaxListeners(Infinity, this.shutdown.signal)
  }

  async listen (ma: Multiaddr): Promise<void> {
    if (this.listenAddr != null) throw new AlreadyStartedError('this listener is already listening')
    const { serviceId, port } = onionAddressFromMultiaddr(ma)
    const key = this.ctx.keyFor(serviceId)
    if (key == null) throw new MissingOnionKeyError(serviceId)
    if (this.ctx.active.has(serviceId)) throw new OnionAlreadyListeningError(serviceId, port)
    this.ctx.active.add(serviceId)
    this.serviceId = serviceId
    this.listenAddr = onionAddressToMultiaddr({ serviceId, port })

    try {
      const target = await this.startServer()
      this.port = { virtualPort: port, target }
      const control = this.control = await this.ctx.control()
      await this.publish(control, key, this.port, this.ctx.waitForPublish)
    } catch (err) {
      await this.teardown()
      this.ctx.onListenError?.(err)
      throw err
    }

    this.log('listening on %a', this.listenAddr)
    this.safeDispatchEvent('listening')
  }

  /** The service id, or '' before listen(): for event details. */
  get serviceIdOrEmpty (): string {
    return this.serviceId ?? ''
  }

  /**
   * After a tor restart: ADD_ONION again on the new control connection with
   * the same key and local target, and wait for the first upload. Resolves
   * with undefined when the listener is closed or never listened.
   */
  async republish (control: ControlClient): Promise<{ serviceId: string, publishMs: number } | undefined> {
    const serviceId = this.serviceId
    const key = serviceId != null ? this.ctx.keyFor(serviceId) : undefined
    if (this.closed || key == null || this.port == null) return undefined
    this.control = control
    this.published = false
    const t0 = Date.now()
    await this.publish(control, key, this.port, true)
    this.log('%s.onion is reachable again after publishing for %d ms', key.serviceId, Date.now() - t0)
    return { serviceId: key.serviceId, publishMs: Date.now() - t0 }
  }

  getAddrs (): Multiaddr[] {
    return this.listenAddr != null && !this.closed ? [this.listenAddr] : []
  }

  updateAnnounceAddrs (): void {}

  async close (options?: AbortOptions): Promise<void> {
    if (this.closed) return
    await this.teardown(options)
    this.safeDispatchEvent('close')
  }

  private async startServer (): Promise<AddOnionPort['target']> {
    const server = this.server = net.createServer({ noDelay: true, keepAlive: true, allowHalfOpen: false }, socket => { this.onSocket(socket) })
    server.on('error', err => { this.safeDispatchEvent('error', { detail: err }) })

    if (this.ctx.localTarget === 'unix') {
      const base = this.ctx.unixSocketDir ?? os.tmpdir()
      this.socketDir = await mkdtemp(path.join(base, 'p2p-tor-'))
      const socketPath = path.join(this.socketDir, 's')
      await listenOn(server, { path: socketPath })
      return { path: socketPath }
    }

    // loopback only: nothing but tor may reach this port (issue: no inbound exposure)
    await listenOn(server, { host: '127.0.0.1', port: 0 })
    const addr = server.address() as net.AddressInfo
    return { host: '127.0.0.1', port: addr.port }
  }

  /**
   * Watch HS_DESC (a reference-counted subscription) before ADD_ONION, so
   * the first UPLOADED cannot be missed; then wait for it (or not, with
   * waitForPublish: false).
   */
  private async publish (control: ControlClient, key: OnionKey, port: AddOnionPort, wait: boolean): Promise<void> {
    const serviceId = key.serviceId
    const watch = await watchUploads(control)
    try {
      await this.addOnion(control, key, port)
      if (!wait) return
      await watch.waitForUpload(serviceId, { signal: this.shutdown.signal, timeoutMs: this.ctx.publishTimeoutMs })
      this.published = true
    } catch (err: any) {
      if (this.shutdown.signal.aborted) throw new ListenerClosedError(serviceId, { cause: err })
      if (err?.name === 'UploadTimeoutError') throw new OnionPublishTimeoutError(serviceId, this.ctx.publishTimeoutMs, { cause: err })
      if (err?.name === 'UploadFailedError') throw new OnionPublishFailedError(serviceId, err.reasons, { cause: err })
      throw err
    } finally {
      await watch.stop().catch(err => { this.log.error('releasing HS_DESC failed - %e', err) })
    }
  }

  /**
   * ADD_ONION with our persisted key. A 550 collision means a service with
   * this key is still active: when it is a leftover of ours (this control
   * connection) it is removed and the add retried once; otherwise another
   * controller owns it and we say so.
   */
  private async addOnion (control: ControlClient, key: OnionKey, port: AddOnionPort): Promise<void> {
    const opts = {
      key: addOnionKeyBlob(key),
      ports: [port],
      // tor 0.4.9 answers ClientAuthV3 without the V3Auth flag with
      // 512 "No auth type specified" (control-spec's example omits it)
      flags: (this.ctx.clientAuthV3?.length ?? 0) > 0 ? ['DiscardPK' as const, 'V3Auth' as const] : ['DiscardPK' as const],
      maxStreams: this.ctx.maxStreams,
      clientAuthV3: this.ctx.clientAuthV3
    }
    try {
      await control.addOnion(opts)
    } catch (err: any) {
      if (!(err instanceof ControlReplyError) || err.status !== 550) throw err
      this.log('onion address collision for %s, removing the stale service', key.serviceId)
      try {
        await control.delOnion(key.serviceId)
      } catch (delErr: any) {
        if (delErr instanceof ControlReplyError && delErr.status === 552) throw new OnionInUseError(key.serviceId)
        throw delErr
      }
      await control.addOnion(opts)
    }
  }

  private onSocket (socket: net.Socket): void {
    if (this.closed || this.listenAddr == null) {
      socket.destroy()
      return
    }
    this.sockets.add(socket)
    socket.once('close', () => { this.sockets.delete(socket) })

    // Tor hides the dialer: the socket's peer is tor on loopback. Report the
    // onion address the stream arrived on instead. It is not an IP address,
    // so libp2p's per-IP inbound limit does not lump all Tor peers together.
    const maConn = socketToConnection({
      socket,
      direction: 'inbound',
      remoteAddr: this.listenAddr,
      localAddr: this.listenAddr,
      inactivityTimeout: this.ctx.inactivityTimeoutMs,
      log: this.ctx.logger.forComponent('libp2p:tor:connection')
    })

    this.ctx.upgrader.upgradeInbound(maConn, { signal: this.shutdown.signal })
      .catch(err => {
        this.log.error('inbound connection upgrade failed - %e', err)
        maConn.abort(err)
      })
  }

  /** DEL_ONION, close the server and every socket, remove the unix socket dir. */
  private async teardown (options?: AbortOptions): Promise<void> {
    this.closed = true
    this.shutdown.abort()
    const serviceId = this.serviceId

    if (serviceId != null && this.control != null && !this.control.closed) {
      try {
        await this.control.delOnion(serviceId)
      } catch (err: any) {
        // 552: already gone (tor restarted, or never added) — the goal holds
        if (!(err instanceof ControlReplyError && err.status === 552)) this.log.error('DEL_ONION failed - %e', err)
      }
    }
    if (serviceId != null) this.ctx.active.delete(serviceId)

    const waits: Array<Promise<unknown>> = []
    const server = this.server
    if (server?.listening === true) {
      waits.push(pEvent(server, 'close', options))
      server.close()
    }
    for (const socket of this.sockets) {
      if (!socket.destroyed) {
        waits.push(pEvent(socket, 'close', options))
        socket.destroy()
      }
    }
    await Promise.all(waits)

    if (this.socketDir != null) await rm(this.socketDir, { recursive: true, force: true })
    this.log('closed %s (published: %s)', this.listenAddr?.toString() ?? 'listener', this.published)
  }
}

async function listenOn (server: net.Server, opts: net.ListenOptions): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts, () => {
      server.off('error', reject)
      resolve()
    })
  })
}
