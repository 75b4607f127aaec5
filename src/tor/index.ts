/**
 * Where a node gets its tor, decided in one place (select.ts: planTor and
 * openTor): attach to one that runs (attachTor), launch and own one
 * (launchTor), or whichever applies. Both modes return the same TorHandle.
 * Knows nothing of libp2p.
 */
import type { AttachOptions } from './attach.js'
import type { TorHandle } from './handle.js'
import type { ManagedTorOptions } from './managed.js'
import { openTor, planTor } from './select.js'

export { attachTor, type AttachOptions } from './attach.js'
export { launchTor, type ManagedTorOptions, MANAGED_BOOTSTRAP_TIMEOUT_MS } from './managed.js'
export type { TorHandle } from './handle.js'
export { parseSocksEndpoint, formatSocksEndpoint, toSocksEndpoint, parseSocksListeners, DEFAULT_CONTROL_ENDPOINTS, DEFAULT_SOCKS_ENDPOINTS, type SocksEndpoint } from './endpoints.js'
export { planTor, openTor, type TorOptions, type TorPlan, type PlanOptions, type OpenTorOptions, type OpenedTor, type ManagedTorInit } from './select.js'
export { SupervisedTor, type ReconnectOptions, type SupervisedTorEvents, type TorDownEvent, type TorUpEvent, type ReopenTor } from './supervise.js'
export * from './errors.js'

export interface GetTorOptions extends AttachOptions {
  /** How to launch a tor when none is configured and none answers on the defaults. */
  managed?: Omit<ManagedTorOptions, 'signal'>
}

/**
 * A tor handle by the rules of planTor() (select.ts): configured endpoints
 * -> attach to them; managed options with torrcLines -> launch; otherwise
 * attach to the first default control endpoint that answers, else launch a
 * managed tor (TorManagedOptionsMissingError when `managed` is not given).
 */
export async function getTor (opts: GetTorOptions): Promise<TorHandle> {
  const { managed, signal, password, ...rest } = opts
  const plan = planTor({ ...rest, controlPassword: password, managed }, { needsControl: true })
  const { handle } = await openTor(plan, { signal, onProgress: managed?.onProgress })
  return handle as TorHandle
}
