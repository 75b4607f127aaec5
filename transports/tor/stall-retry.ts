/**
 * A dial on an isolation group that was used before gets a short "stall"
 * deadline first, then one retry on a fresh group with the rest of the
 * budget.
 *
 * Why: tor keeps a rendezvous circuit per isolation group (SOCKS
 * credentials) and sends a new stream for the same group down it. After the
 * peer's onion service stopped or restarted, that circuit can be stale, and
 * a stream on it was seen to wait for the whole dial timeout (120 s, issue
 * 12), while a dial on fresh credentials got tor's own answer (F2, or a
 * connection if the peer is back) within about 4 s. A stream on a live
 * circuit of a used group opens in about one round trip, so the short
 * deadline only costs time when tor has to build the circuit anew (then
 * the retry on fresh credentials does that with the remaining budget).
 */
import type { SocksCredentials, StreamIsolation } from './isolation.js'

/** How long a dial on a reused isolation group may take before it counts as stalled. */
export const DIAL_STALL_MS = 8_000

export interface StallRetryOptions<T> {
  serviceId: string
  isolation: StreamIsolation
  /** The whole dial's budget, retry included. */
  timeoutMs: number
  /** @default DIAL_STALL_MS */
  stallMs?: number
  signal?: AbortSignal
  /** One SOCKS connect with these credentials and deadline; rejects with a `TimeoutError` at the deadline. */
  connect: (credentials: SocksCredentials, timeoutMs: number) => Promise<T>
  /** Called before the retry, for logging. */
  onStall?: (stalledMs: number) => void
  /** @default Date.now */
  now?: () => number
}

export async function connectRetryingStall<T> (opts: StallRetryOptions<T>): Promise<T> {
  const { serviceId, isolation, timeoutMs, signal } = opts
  const now = opts.now ?? Date.now
  const start = now()
  const reused = isolation.usedBefore(serviceId)
  const first = reused ? Math.min(opts.stallMs ?? DIAL_STALL_MS, timeoutMs) : timeoutMs
  try {
    return await opts.connect(isolation.credentialsFor(serviceId), first)
  } catch (err: any) {
    const remaining = timeoutMs - (now() - start)
    if (!reused || first >= timeoutMs || err?.name !== 'TimeoutError' || signal?.aborted === true || remaining <= 0) throw err
    opts.onStall?.(now() - start)
    isolation.rotate(serviceId)
    return await opts.connect(isolation.credentialsFor(serviceId), remaining)
  }
}
