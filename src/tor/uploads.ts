/**
 * Waiting for an onion service's first `HS_DESC UPLOADED`, the moment it
 * becomes reachable. Subscribe (SETEVENTS HS_DESC) and start watching
 * before ADD_ONION: the event can arrive before the ADD_ONION reply is read.
 */
import type { ControlClient, HsDescEvent } from '../control/index.js'
import { UploadWaitClosedError } from './errors.js'

export interface UploadWatch {
  /** Resolves at the first UPLOADED of `serviceId` (seen since the watch began). */
  uploaded: (serviceId: string, opts?: { signal?: AbortSignal }) => Promise<void>
  /** Stop listening. */
  stop: () => void
}

export function watchUploads (client: ControlClient): UploadWatch {
  const seen = new Set<string>()
  const waiters = new Map<string, () => void>()
  const onEvent = (e: HsDescEvent): void => {
    if (e.action !== 'UPLOADED') return
    seen.add(e.address)
    waiters.get(e.address)?.()
  }
  client.on('hs_desc', onEvent)
  return {
    async uploaded (serviceId, opts = {}) {
      opts.signal?.throwIfAborted()
      if (seen.has(serviceId)) return
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          waiters.delete(serviceId)
          opts.signal?.removeEventListener('abort', onAbort)
          client.off('close', onClose)
        }
        const onAbort = (): void => { done(); reject(opts.signal?.reason) }
        const onClose = (): void => { done(); reject(new UploadWaitClosedError(serviceId)) }
        waiters.set(serviceId, () => { done(); resolve() })
        opts.signal?.addEventListener('abort', onAbort, { once: true })
        client.once('close', onClose)
      })
    },
    stop () {
      client.off('hs_desc', onEvent)
    }
  }
}
