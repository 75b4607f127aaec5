import { openTor, planTor, SupervisedTor } from '../../src/tor/index.js'
import { NoControlPortError } from './errors.js'
import type { ControlClient } from '../../src/control/index.js'
import type { OpenedTor, ReconnectOptions, SocksEndpoint, TorDownEvent, TorOptions, TorPlan, TorUpEvent } from '../../src/tor/index.js'

/**
 * How the transport reaches tor: src/tor's options, decided by its
 * planTor() (see src/tor/select.ts for the precedence). A handle passed as
 * `tor` is used and never closed; SOCKS alone dials without a control
 * connection, and listening then fails with NoControlPortError.
 */
export interface TorSourceInit extends TorOptions {
  /**
   * Survive tor restarts: reconnect to an attached tor (or relaunch a
   * managed one) when it goes away, and publish the listeners' onion
   * services again with the same keys. While tor is down, dials fail at once
   * with TorUnavailableError. A handle passed as `tor` reconnects only if it
   * was opened with `reconnect` (src/tor's openTor).
   *
   * @default true
   */
  reconnect?: boolean | ReconnectOptions
}

/** What the transport hears of a supervised tor. */
export interface TorSourceEvents {
  down: (e: TorDownEvent) => void
  up: (e: TorUpEvent) => void
}

/**
 * The transport's tor, opened lazily and once. This class decides nothing:
 * it only holds what src/tor's openTor() returned, relays a supervised
 * tor's down/up, and closes what it owns.
 */
export class TorSource {
  private planned?: TorPlan
  private opened?: OpenedTor
  private pending?: Promise<OpenedTor>
  private unhook?: () => void

  constructor (private readonly init: TorSourceInit, private readonly events?: TorSourceEvents) {}

  /** Decided on first use, not in the factory: a bad endpoint surfaces from start() or dial(). */
  private get plan (): TorPlan {
    this.planned ??= planTor(this.init, { needsControl: false })
    return this.planned
  }

  /** Whether the tor is (or will be) one this process launched. */
  get managed (): boolean {
    if (this.plan.kind === 'handle') return this.plan.handle.mode === 'managed'
    return this.plan.kind === 'managed' || this.opened?.handle?.mode === 'managed'
  }

  /** Whether starting the transport should launch tor now, so start-up errors surface from node.start(). */
  get launchesOnStart (): boolean {
    return this.plan.kind === 'managed' || (this.plan.kind === 'auto' && this.plan.managed != null)
  }

  /** Where to send SOCKS CONNECTs now; TorUnavailableError while a supervised tor is down. */
  async socks (): Promise<SocksEndpoint> {
    const { handle, socks } = await this.get()
    if (handle instanceof SupervisedTor) handle.assertAvailable()
    return handle?.socks ?? socks
  }

  async control (): Promise<ControlClient> {
    const { handle } = await this.get()
    if (handle == null) throw new NoControlPortError()
    if (handle instanceof SupervisedTor) handle.assertAvailable()
    return handle.control
  }

  async get (): Promise<OpenedTor> {
    if (this.opened != null) return this.opened
    this.pending ??= openTor(this.plan, { reconnect: this.init.reconnect ?? true }).then(o => {
      this.opened = o
      this.hook(o)
      return o
    }).finally(() => { this.pending = undefined })
    return await this.pending
  }

  private hook (o: OpenedTor): void {
    const h = o.handle
    const events = this.events
    if (!(h instanceof SupervisedTor) || events == null) return
    h.on('down', events.down)
    h.on('up', events.up)
    this.unhook = () => {
      h.off('down', events.down)
      h.off('up', events.up)
    }
  }

  async close (): Promise<void> {
    const pending = this.pending
    if (pending != null) await pending.catch(() => {})
    const o = this.opened
    this.opened = undefined
    this.unhook?.()
    this.unhook = undefined
    if (o?.owned === true) await o.handle?.close()
  }
}
