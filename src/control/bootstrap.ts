/**
 * Waiting for tor to bootstrap: STATUS_CLIENT events plus a bounded poll of
 * `GETINFO status/bootstrap-phase`, so neither a missed event nor a quiet
 * tor can make it hang. The control connection is injected, so this is
 * testable without a socket.
 */
import { TorBootstrapTimeoutError } from './errors.js'
import { parseBootstrapPhase, type BootstrapStatus } from './events.js'
import { AbortError } from '@libp2p/interface'

export interface WaitForBootstrapOptions {
  signal?: AbortSignal
  /** @default 300000 */
  timeoutMs?: number
  /** Called whenever progress, tag, summary or warning change. */
  onProgress?: (s: BootstrapStatus) => void
}

export interface BootstrapSource {
  /** Returns the value of `GETINFO status/bootstrap-phase`. */
  poll: () => Promise<string>
  /** Calls onStatus for each BOOTSTRAP event and onEnd if the source goes away; returns an unsubscribe function. */
  subscribe: (onStatus: (s: BootstrapStatus) => void, onEnd: (err: Error) => void) => () => void
}

export const DEFAULT_BOOTSTRAP_TIMEOUT_MS = 300_000
const POLL_INTERVAL_MS = 1_000

function same (a: BootstrapStatus | undefined, b: BootstrapStatus): boolean {
  return a != null && a.progress === b.progress && a.tag === b.tag && a.summary === b.summary && a.warning === b.warning
}

export async function waitForBootstrap (source: BootstrapSource, opts: WaitForBootstrapOptions = {}): Promise<void> {
  opts.signal?.throwIfAborted()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_BOOTSTRAP_TIMEOUT_MS
  let last: BootstrapStatus | undefined
  let finish!: () => void
  let stop!: (err: Error) => void
  const done = new Promise<void>(resolve => { finish = resolve })
  const stopped = new Promise<never>((_resolve, reject) => { stop = reject })
  stopped.catch(() => {})

  const report = (s: BootstrapStatus): void => {
    if (!same(last, s)) {
      last = s
      opts.onProgress?.(s)
    }
    if (s.progress >= 100) finish()
  }
  const onAbort = (): void => { stop(opts.signal?.reason ?? new AbortError()) }
  const timer = setTimeout(() => { stop(new TorBootstrapTimeoutError(timeoutMs, last)) }, timeoutMs)
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  const unsubscribe = source.subscribe(report, stop)

  try {
    // Ends by reaching 100, or by the timeout, abort or end of the source rejecting `stopped`.
    for (;;) {
      const value = await Promise.race([source.poll(), stopped, done.then(() => undefined)])
      if (value != null) report(parseBootstrapPhase(value))
      const finished = await Promise.race([
        done.then(() => true),
        stopped,
        new Promise<boolean>(resolve => { pollTimer = setTimeout(() => { resolve(false) }, POLL_INTERVAL_MS) })
      ])
      clearTimeout(pollTimer)
      if (finished) return
    }
  } finally {
    clearTimeout(timer)
    clearTimeout(pollTimer)
    opts.signal?.removeEventListener('abort', onAbort)
    unsubscribe()
  }
}
