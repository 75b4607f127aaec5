/**
 * A resettable stall timer for file transfers: `signal` aborts when `kick()`
 * has not been called for `ms`, or when any parent signal aborts. One timer
 * per transfer rather than one AbortSignal.timeout per frame (a 64 MiB file
 * is a thousand frames).
 */
import { AbortError } from '@libp2p/interface'

export class Watchdog {
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private timer?: ReturnType<typeof setTimeout>

  constructor (private readonly ms: number, parents: AbortSignal[], private readonly reason: () => Error) {
    this.signal = AbortSignal.any([this.controller.signal, ...parents])
    this.kick()
  }

  /** Progress was made: the stall clock starts again (from `ms`, the constructor's by default). */
  kick (ms = this.ms): void {
    clearTimeout(this.timer)
    if (this.controller.signal.aborted) return
    this.timer = setTimeout(() => { this.controller.abort(this.reason()) }, ms)
  }

  /** Aborts at once with `err`. */
  abort (err: Error): void {
    clearTimeout(this.timer)
    this.controller.abort(err)
  }

  /** Ends the timer (always call it: the timer holds the event loop). */
  stop (): void {
    clearTimeout(this.timer)
  }
}

/** Waits `ms`, or rejects with the signal's reason (an AbortError when it has none). */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason ?? new AbortError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
