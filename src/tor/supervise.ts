/**
 * A tor handle that survives tor restarts. When the control connection
 * drops (tor crashed, was restarted or upgraded), it reports `down`, then
 * opens tor again with capped backoff: attach mode reconnects to the same
 * control endpoint and authenticates again (reading the cookie afresh: a
 * restarted tor writes a new one), managed mode launches our tor again in
 * the same data directory. Once tor is back and bootstrapped it reports `up`,
 * and users (the transport's listener) publish their services again.
 *
 * Quiet re-initialises when tor fails; txtorcon fails every pending command
 * when the connection drops (our ControlClient does too). This is the piece
 * that ties the two together. Knows nothing of libp2p.
 */
import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { TorUnavailableError } from './errors.js'
import type { TorHandle } from './handle.js'
import type { SocksEndpoint } from './endpoints.js'
import type { ControlClient, ControlEndpoint, WaitForBootstrapOptions } from '../control/index.js'

const log = logger('libp2p:tor:supervise')

export interface ReconnectOptions {
  /** First delay between attempts. @default 100 */
  initialDelayMs?: number
  /** Cap of the doubling delay: tor is noticed at most this long after it accepts connections again. @default 2000 */
  maxDelayMs?: number
}

export interface TorDownEvent {
  /** Why the control connection closed, when known. */
  cause?: Error
}

export interface TorUpEvent {
  /** From the moment the connection dropped to the moment tor answered and was bootstrapped again. */
  downMs: number
  /** Attempts it took, counting the successful one. */
  attempts: number
  /** The new control connection. */
  control: ControlClient
}

export interface SupervisedTorEvents {
  down: [TorDownEvent]
  up: [TorUpEvent]
  /** An attempt to get tor back failed; another follows after `delayMs`. */
  retry: [{ attempt: number, delayMs: number, error: Error }]
}

/** Opens tor once more; the supervisor calls it after each drop, until it succeeds or the handle is closed. */
export type ReopenTor = (signal: AbortSignal) => Promise<TorHandle>

/** A TorHandle whose control, SOCKS endpoint and pid follow the tor of the moment. */
export class SupervisedTor extends EventEmitter<SupervisedTorEvents> implements TorHandle {
  private current: TorHandle
  private downSince?: number
  private closing = false
  private readonly stop = new AbortController()
  private readonly initialDelayMs: number
  private readonly maxDelayMs: number

  constructor (first: TorHandle, private readonly reopen: ReopenTor, opts: ReconnectOptions = {}) {
    super()
    this.current = first
    this.initialDelayMs = opts.initialDelayMs ?? 100
    this.maxDelayMs = opts.maxDelayMs ?? 2000
    this.watch(first)
  }

  get mode (): 'attach' | 'managed' { return this.current.mode }
  get socks (): SocksEndpoint { return this.current.socks }
  get control (): ControlClient { return this.current.control }
  get controlEndpoint (): ControlEndpoint { return this.current.controlEndpoint }
  get description (): string { return this.current.description }
  get pid (): number | undefined { return this.current.pid }

  /** False from the moment the control connection dropped until tor is back. */
  get available (): boolean {
    return this.downSince == null && !this.closing
  }

  /** Throws TorUnavailableError while tor is down, so a dial fails at once instead of timing out. */
  assertAvailable (): void {
    if (this.closing) throw new TorUnavailableError('the tor handle was closed')
    if (this.downSince != null) throw new TorUnavailableError(`tor went away ${Math.round((Date.now() - this.downSince) / 100) / 10} s ago and p2p-tor is reconnecting`)
  }

  async waitForBootstrap (opts?: WaitForBootstrapOptions): Promise<void> {
    await this.current.waitForBootstrap(opts)
  }

  async close (): Promise<void> {
    this.closing = true
    this.stop.abort()
    await this.current.close()
  }

  private watch (handle: TorHandle): void {
    handle.control.once('close', (cause) => { this.onDrop(handle, cause) })
  }

  private onDrop (handle: TorHandle, cause?: Error): void {
    if (this.closing || handle !== this.current) return
    this.downSince = Date.now()
    log('tor control connection dropped%s; reconnecting', cause != null ? ` (${cause.message})` : '')
    // the old handle's process (managed) is gone or going; let it clean up
    handle.close().catch(err => { log.error('closing the old tor handle failed: %e', err) })
    this.emit('down', cause != null ? { cause } : {})
    void this.reconnect()
  }

  private async reconnect (): Promise<void> {
    const since = this.downSince ?? Date.now()
    let delay = this.initialDelayMs
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        const handle = await this.reopen(this.stop.signal)
        if (this.closing) {
          await handle.close()
          return
        }
        this.current = handle
        this.watch(handle)
        this.downSince = undefined
        const downMs = Date.now() - since
        log('tor is back after %d ms (%d attempts)', downMs, attempt)
        this.emit('up', { downMs, attempts: attempt, control: handle.control })
        return
      } catch (err: any) {
        if (this.closing) return
        log('reconnect attempt %d failed: %s', attempt, err?.message)
        this.emit('retry', { attempt, delayMs: delay, error: err })
      }
      await sleep(delay, this.stop.signal)
      delay = Math.min(delay * 2, this.maxDelayMs)
    }
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => {
    const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
