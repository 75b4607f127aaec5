/**
 * Waiting for an onion service's descriptor upload: the one place where the
 * first `HS_DESC UPLOADED` (the moment a service is reachable) is awaited,
 * for the transport's listener, the CLI and the private network alike.
 *
 * Start the watch BEFORE `ADD_ONION`: tor can send the HS_DESC events in
 * the same read as the ADD_ONION reply, so a wait that subscribes afterwards
 * can miss them. The watch holds a reference-counted HS_DESC subscription
 * and remembers what it saw per service from then on.
 *
 * txtorcon (`onion.py`) and bine (`tor/listen.go`) also resolve at the first
 * UPLOADED; a v3 service uploads to several HS directories, and tor reports
 * each upload with UPLOAD, then UPLOADED or FAILED.
 */
import { UploadFailedError, UploadTimeoutError, UploadWaitClosedError } from './errors.js'
import type { ControlClient } from './client.js'
import type { HsDescEvent } from './events.js'

/** How long a wait may take unless told otherwise: tor's own SocksTimeout scale. */
export const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000

export interface UploadWaitOptions {
  signal?: AbortSignal
  /** @default 120000 */
  timeoutMs?: number
}

export interface WatchUploadsOptions {
  /** Every HS_DESC event the watch sees (any service), e.g. to show progress. */
  onEvent?: (e: HsDescEvent) => void
}

export interface UploadWatch {
  /**
   * Resolves at the first UPLOADED of `serviceId` seen since the watch began.
   * Rejects with UploadFailedError once every upload tor started has FAILED,
   * UploadTimeoutError after `timeoutMs`, UploadWaitClosedError when the
   * control connection closes, or the signal's reason.
   */
  waitForUpload: (serviceId: string, opts?: UploadWaitOptions) => Promise<void>
  /** Ends the watch and releases its HS_DESC subscription. Safe to call twice. */
  stop: () => Promise<void>
}

interface ServiceState {
  /** HS directories tor started an upload to. */
  uploads: Set<string>
  failures: string[]
  uploaded: boolean
  /** Wakes the waiters of this service to look at the state again. */
  changed: Set<() => void>
}

/** Subscribes HS_DESC (reference-counted) and starts recording uploads. */
export async function watchUploads (client: ControlClient, opts: WatchUploadsOptions = {}): Promise<UploadWatch> {
  const services = new Map<string, ServiceState>()
  const stateOf = (id: string): ServiceState => {
    let s = services.get(id)
    if (s == null) services.set(id, s = { uploads: new Set(), failures: [], uploaded: false, changed: new Set() })
    return s
  }
  const onEvent = (e: HsDescEvent): void => {
    opts.onEvent?.(e)
    if (e.action !== 'UPLOAD' && e.action !== 'UPLOADED' && e.action !== 'FAILED') return
    const s = stateOf(e.address)
    if (e.action === 'UPLOAD') s.uploads.add(e.hsDir)
    else if (e.action === 'UPLOADED') s.uploaded = true
    else s.failures.push(e.reason ?? 'UNKNOWN')
    for (const wake of [...s.changed]) wake()
  }
  const release = await client.subscribe('HS_DESC', onEvent)
  let stopped: Promise<void> | undefined

  return {
    async waitForUpload (serviceId, wait = {}) {
      wait.signal?.throwIfAborted()
      const s = stateOf(serviceId)
      const timeoutMs = wait.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (s.uploaded) finish()
          else if (s.uploads.size > 0 && s.failures.length >= s.uploads.size) finish(new UploadFailedError(serviceId, s.failures))
        }
        const onAbort = (): void => { finish(wait.signal?.reason) }
        const onClose = (cause?: Error): void => { finish(new UploadWaitClosedError(serviceId, cause != null ? { cause } : undefined)) }
        const timer = setTimeout(() => { finish(new UploadTimeoutError(serviceId, timeoutMs)) }, timeoutMs)
        let settled = false
        function finish (err?: unknown): void {
          if (settled) return
          settled = true
          clearTimeout(timer)
          s.changed.delete(check)
          wait.signal?.removeEventListener('abort', onAbort)
          client.off('close', onClose)
          if (err === undefined) resolve()
          else reject(err)
        }
        s.changed.add(check)
        wait.signal?.addEventListener('abort', onAbort, { once: true })
        client.once('close', onClose)
        check()
        if (client.closed) onClose()
      })
    },
    async stop () {
      stopped ??= client.closed ? Promise.resolve() : release()
      await stopped
    }
  }
}
