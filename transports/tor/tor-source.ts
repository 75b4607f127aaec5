import { openTor, planTor } from '../../src/tor/index.js'
import { NoControlPortError } from './errors.js'
import type { ControlClient } from '../../src/control/index.js'
import type { OpenedTor, SocksEndpoint, TorOptions, TorPlan } from '../../src/tor/index.js'

/**
 * How the transport reaches tor: src/tor's options, decided by its
 * planTor() (see src/tor/select.ts for the precedence). A handle passed as
 * `tor` is used and never closed; SOCKS alone dials without a control
 * connection, and listening then fails with NoControlPortError.
 */
export type TorSourceInit = TorOptions

/**
 * The transport's tor, opened lazily and once. This class decides nothing:
 * it only holds what src/tor's openTor() returned and closes it if owned.
 */
export class TorSource {
  private planned?: TorPlan
  private opened?: OpenedTor
  private pending?: Promise<OpenedTor>

  constructor (private readonly init: TorSourceInit) {}

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

  async socks (): Promise<SocksEndpoint> {
    return (await this.get()).socks
  }

  async control (): Promise<ControlClient> {
    const { handle } = await this.get()
    if (handle == null) throw new NoControlPortError()
    return handle.control
  }

  async get (): Promise<OpenedTor> {
    if (this.opened != null) return this.opened
    this.pending ??= openTor(this.plan).then(o => {
      this.opened = o
      return o
    }).finally(() => { this.pending = undefined })
    return await this.pending
  }

  async close (): Promise<void> {
    const pending = this.pending
    if (pending != null) await pending.catch(() => {})
    const o = this.opened
    this.opened = undefined
    if (o?.owned === true) await o.handle?.close()
  }
}
