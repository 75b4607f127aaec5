import { getTor, toSocksEndpoint } from '../../src/tor/index.js'
import type { ControlClient, ControlEndpoint } from '../../src/control/index.js'
import type { SocksEndpoint, TorHandle, ManagedTorOptions } from '../../src/tor/index.js'
import { NoControlPortError } from './errors.js'

/** How the transport reaches tor. Exactly one way is used, in this order. */
export interface TorSourceInit {
  /** A tor already obtained with attachTor()/launchTor()/getTor(); the transport uses it and never closes it. */
  tor?: TorHandle
  /** Tor's SOCKS port, "host:port" or { host, port }. Alone (without control), the transport can dial but not listen. */
  socks?: string | SocksEndpoint
  /** Tor's control endpoint, "host:port" or "unix:/path". */
  control?: string | ControlEndpoint
  /** Password for HASHEDPASSWORD control authentication. */
  controlPassword?: string
  /** Cookie file, when tor's PROTOCOLINFO does not name a readable one. */
  cookieFile?: string
  /** Launch and own a tor process when no endpoint is given and no system tor answers. */
  managed?: Omit<ManagedTorOptions, 'signal'>
}

/**
 * Resolves the transport's init into a running tor, lazily and once.
 * A SOCKS-only configuration never opens a control connection.
 */
export class TorSource {
  private handle?: TorHandle
  private owned = false
  private pending?: Promise<TorHandle>

  constructor (private readonly init: TorSourceInit) {}

  get socksOnly (): boolean {
    return this.init.tor == null && this.init.socks != null && this.init.control == null
  }

  async socks (): Promise<SocksEndpoint> {
    if (this.socksOnly) return toSocksEndpoint(this.init.socks as string | SocksEndpoint)
    return (await this.get()).socks
  }

  async control (): Promise<ControlClient> {
    if (this.socksOnly) throw new NoControlPortError()
    return (await this.get()).control
  }

  async get (): Promise<TorHandle> {
    if (this.handle != null) return this.handle
    if (this.init.tor != null) {
      this.handle = this.init.tor
      return this.handle
    }
    this.pending ??= getTor({
      control: this.init.control,
      socks: this.init.socks,
      password: this.init.controlPassword,
      cookieFile: this.init.cookieFile,
      managed: this.init.managed
    }).then(h => {
      this.handle = h
      this.owned = true
      return h
    }).finally(() => { this.pending = undefined })
    return this.pending
  }

  /** Whether the tor (when known) is one this process launched. */
  get managed (): boolean {
    return (this.handle?.mode ?? (this.init.managed != null && this.init.control == null && this.init.socks == null ? 'managed' : 'attach')) === 'managed'
  }

  async close (): Promise<void> {
    const pending = this.pending
    if (pending != null) await pending.catch(() => {})
    const h = this.handle
    this.handle = undefined
    if (h != null && this.owned) await h.close()
    this.owned = false
  }
}
