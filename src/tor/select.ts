/**
 * Which tor a node uses: the one place that decides it. The transport, the
 * CLI and getTor() translate their own options into `TorOptions` and call
 * planTor() (pure: precedence and conflicts) and openTor() (does it).
 *
 * Precedence, first match wins:
 * 1. `tor`: a handle the caller obtained; used as is and never closed here.
 * 2. `socks` without `control`, when no control connection is needed
 *    (dialing only): that SOCKS port, and no control connection at all.
 * 3. `control` and/or `socks`: attach to the tor there (what is not given is
 *    asked of tor or tried on the usual ports).
 * 4. `launch: 'always'`, or `managed` options with torrcLines (a tor for a
 *    private network is wanted, so the system defaults are not tried):
 *    launch a tor we own.
 * 5. Otherwise: attach to the first usual control port that answers
 *    (/run/tor/control, 9051, 9151), else launch with `managed`
 *    (TorManagedOptionsMissingError when none is given).
 */
import { attachTor, type AttachOptions } from './attach.js'
import { InvalidTorOptionsError, TorManagedOptionsMissingError, TorNotFoundError } from './errors.js'
import { launchTor, type ManagedTorOptions } from './managed.js'
import { formatSocksEndpoint, toSocksEndpoint, type SocksEndpoint } from './endpoints.js'
import { SupervisedTor, type ReconnectOptions, type ReopenTor } from './supervise.js'
import type { TorHandle } from './handle.js'
import type { BootstrapStatus, ControlEndpoint } from '../control/index.js'

/** Options for launching a tor we own, without the per-call parts. */
export type ManagedTorInit = Omit<ManagedTorOptions, 'signal' | 'onProgress'>

/** How a caller describes the tor it wants. Every field is optional. */
export interface TorOptions {
  /** A tor already obtained (attachTor/launchTor/getTor/openTor); used as is, never closed. */
  tor?: TorHandle
  /** Tor's SOCKS port, "host:port" or { host, port }. */
  socks?: string | SocksEndpoint
  /** Tor's control endpoint, "host:port", "port" or "unix:/path". */
  control?: string | ControlEndpoint
  /** Password for HASHEDPASSWORD control authentication. */
  controlPassword?: string
  /** Cookie file, when tor's PROTOCOLINFO does not name a readable one. */
  cookieFile?: string
  /** How to launch a tor when one is to be launched (see `launch`). */
  managed?: ManagedTorInit
  /**
   * 'fallback': launch with `managed` only when no tor answers (and always
   * when `managed.torrcLines` is given); 'always': launch, never attach.
   *
   * @default 'fallback'
   */
  launch?: 'fallback' | 'always'
}

/** What planTor decided: exactly one way to reach tor. */
export type TorPlan =
  | { kind: 'handle', handle: TorHandle }
  | { kind: 'socks-only', socks: SocksEndpoint }
  | { kind: 'attach', attach: Omit<AttachOptions, 'signal'> }
  | { kind: 'managed', managed: ManagedTorInit }
  | { kind: 'auto', attach: Omit<AttachOptions, 'signal'>, managed?: ManagedTorInit }

export interface PlanOptions {
  /**
   * Whether a control connection will be needed (listening, or a CLI
   * command that publishes). Without one, a SOCKS port alone is enough.
   *
   * @default false
   */
  needsControl?: boolean
}

/** Decides how to reach tor. Pure; throws InvalidTorOptionsError or InvalidEndpointError. */
export function planTor (opts: TorOptions, plan: PlanOptions = {}): TorPlan {
  const endpoints = opts.control != null || opts.socks != null
  if (opts.tor != null) return { kind: 'handle', handle: opts.tor }
  if (opts.launch === 'always' && endpoints) {
    throw new InvalidTorOptionsError('launching an own tor (launch: \'always\') excludes control/socks endpoints; drop one of them')
  }
  if (opts.socks != null && opts.control == null && plan.needsControl !== true) {
    return { kind: 'socks-only', socks: toSocksEndpoint(opts.socks) }
  }
  const attach = { control: opts.control, socks: opts.socks, password: opts.controlPassword, cookieFile: opts.cookieFile }
  if (endpoints) return { kind: 'attach', attach }
  if (opts.launch === 'always' || (opts.managed?.torrcLines?.length ?? 0) > 0) {
    if (opts.managed == null) throw new InvalidTorOptionsError('launch: \'always\' needs managed options (at least managed.dataDir)')
    return { kind: 'managed', managed: opts.managed }
  }
  return { kind: 'auto', attach, managed: opts.managed }
}

export interface OpenTorOptions {
  signal?: AbortSignal
  /** Bootstrap progress of a launched tor (and of an attached one, with waitForBootstrap). */
  onProgress?: (s: BootstrapStatus) => void
  /**
   * Also wait for an attached tor to finish bootstrapping (it may have just
   * started). A launched tor is always bootstrapped before openTor returns.
   *
   * @default false
   */
  waitForBootstrap?: boolean
  /**
   * Survive tor restarts: the handle reconnects (attach) or relaunches
   * (managed) when tor goes away, and reports `down` and `up` (see
   * SupervisedTor). Has no effect on a given handle or a SOCKS-only plan.
   *
   * @default false
   */
  reconnect?: boolean | ReconnectOptions
}

/** The tor a plan led to: a handle (control and SOCKS), or only a SOCKS port. */
export interface OpenedTor {
  /** Undefined for a SOCKS-only plan. */
  handle?: TorHandle
  socks: SocksEndpoint
  /** Whether the handle was opened here, so the caller must close it (a given handle is not). */
  owned: boolean
  /** One line for humans. */
  description: string
  /**
   * Set when a controlPassword was given but tor accepted this other method
   * (a cookie, or NULL), so the password was never checked: a wrong one
   * would go unnoticed until the cookie stops working.
   */
  passwordUnusedBy?: string
}

/** Carries out a plan. On failure nothing stays open. */
export async function openTor (plan: TorPlan, opts: OpenTorOptions = {}): Promise<OpenedTor> {
  opts.signal?.throwIfAborted()
  switch (plan.kind) {
    case 'handle':
      return { handle: plan.handle, socks: plan.handle.socks, owned: false, description: plan.handle.description }
    case 'socks-only':
      return { socks: plan.socks, owned: false, description: `using tor's SOCKS port ${formatSocksEndpoint(plan.socks)} (dial only, no control connection)` }
    case 'attach':
      return await checkedPassword(await attachTor({ ...plan.attach, signal: opts.signal }), opts, plan)
    case 'managed':
      return await opened(await launchTor({ ...plan.managed, signal: opts.signal, onProgress: opts.onProgress }), opts, plan)
    case 'auto': {
      let handle: TorHandle
      try {
        handle = await attachTor({ ...plan.attach, signal: opts.signal })
      } catch (err) {
        if (!(err instanceof TorNotFoundError) || err.kind !== 'control') throw err
        if (plan.managed == null) throw new TorManagedOptionsMissingError(err.tried)
        handle = await launchTor({ ...plan.managed, signal: opts.signal, onProgress: opts.onProgress })
      }
      return await checkedPassword(handle, opts, plan)
    }
  }
}

/**
 * opened(), noting a given password that tor never checked (it accepted a
 * cookie or NULL): read from the handle tor authenticated, before any
 * supervision wraps it.
 */
async function checkedPassword (handle: TorHandle, opts: OpenTorOptions, plan: Extract<TorPlan, { kind: 'attach' | 'auto' }>): Promise<OpenedTor> {
  const method = handle.authMethod
  const tor = await opened(handle, opts, plan)
  if (plan.attach.password == null || method == null || method === 'HASHEDPASSWORD') return tor
  return { ...tor, passwordUnusedBy: method }
}

/** Opens tor the same way again after it went away: the endpoints that worked, or a new launch. */
function reopener (plan: TorPlan, first: TorHandle): ReopenTor {
  const attach = plan.kind === 'attach' || plan.kind === 'auto' ? plan.attach : {}
  const managed = plan.kind === 'managed' || plan.kind === 'auto' ? plan.managed : undefined
  return async (signal) => {
    if (first.mode === 'managed' && managed != null) return await launchTor({ ...managed, signal })
    const handle = await attachTor({ ...attach, control: first.controlEndpoint, socks: first.socks, signal })
    try {
      // a restarted tor must bootstrap before it can publish or dial
      await handle.waitForBootstrap({ signal, timeoutMs: REBOOTSTRAP_TIMEOUT_MS })
    } catch (err) {
      await handle.close()
      throw err
    }
    return handle
  }
}

/** How long a restarted tor may take to bootstrap before the attempt counts as failed (and another follows). */
const REBOOTSTRAP_TIMEOUT_MS = 120_000

async function opened (handle: TorHandle, opts: OpenTorOptions, plan?: TorPlan): Promise<OpenedTor> {
  try {
    // a managed tor is bootstrapped already; an attached one may have just started
    if (opts.waitForBootstrap === true && handle.mode === 'attach') {
      await handle.waitForBootstrap({ signal: opts.signal, onProgress: opts.onProgress })
    }
  } catch (err) {
    await handle.close()
    throw err
  }
  if (opts.reconnect != null && opts.reconnect !== false && plan != null) {
    const supervised = new SupervisedTor(handle, reopener(plan, handle), opts.reconnect === true ? {} : opts.reconnect)
    return { handle: supervised, socks: supervised.socks, owned: true, description: supervised.description }
  }
  return { handle, socks: handle.socks, owned: true, description: handle.description }
}
