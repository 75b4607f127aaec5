/**
 * Where a node gets its tor: attach to one that runs (attachTor), launch and
 * own one (launchTor), or whichever applies (getTor). Both modes return the
 * same TorHandle. Knows nothing of libp2p.
 */
import { attachTor, type AttachOptions } from './attach.js'
import { TorManagedOptionsMissingError, TorNotFoundError } from './errors.js'
import type { TorHandle } from './handle.js'
import { launchTor, type ManagedTorOptions } from './managed.js'

export { attachTor, type AttachOptions } from './attach.js'
export { launchTor, type ManagedTorOptions, MANAGED_BOOTSTRAP_TIMEOUT_MS } from './managed.js'
export type { TorHandle } from './handle.js'
export { parseSocksEndpoint, formatSocksEndpoint, toSocksEndpoint, parseSocksListeners, DEFAULT_CONTROL_ENDPOINTS, DEFAULT_SOCKS_ENDPOINTS, type SocksEndpoint } from './endpoints.js'
export * from './errors.js'

export interface GetTorOptions extends AttachOptions {
  /** How to launch a tor when none is configured and none answers on the defaults. */
  managed?: Omit<ManagedTorOptions, 'signal'>
}

/**
 * Configured endpoints -> attach to them. Nothing configured -> attach to the
 * first default control endpoint that answers, else launch a managed tor
 * (TorManagedOptionsMissingError when `managed` is not given).
 *
 * Managed options with torrcLines (e.g. a private network's) mean a tor for
 * that network is wanted, so the system defaults are not tried.
 */
export async function getTor (opts: GetTorOptions): Promise<TorHandle> {
  const { managed, ...attach } = opts
  if (attach.control != null || attach.socks != null) return await attachTor(attach)
  if (managed != null && (managed.torrcLines?.length ?? 0) > 0) return await launchTor({ ...managed, signal: opts.signal })
  try {
    return await attachTor(attach)
  } catch (err) {
    if (!(err instanceof TorNotFoundError) || err.kind !== 'control') throw err
    if (managed == null) throw new TorManagedOptionsMissingError(err.tried)
    return await launchTor({ ...managed, signal: opts.signal })
  }
}
