/**
 * The sending side of chat file transfer: serves offered files over
 * FILE_PROTOCOL to the one peer each was offered to.
 *
 * A stream carries one `Get { id, offset }` from the receiver, answered by
 * `Chunk` frames read from the file at that offset and then `End`, or by one
 * `Refusal`. An unknown id, a withdrawn or expired offer, and an offer made
 * for another PeerId all get the same NOT_FOUND, so a stranger learns nothing
 * about what is offered. A file whose size changed since the offer is refused
 * (CHANGED); the receiver's SHA-256 check catches a same-size change.
 */
import { AbortError, InvalidParametersError, TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { pbStream } from '@libp2p/utils'
import { open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Get, Refusal, Served } from './file-pb.js'
import { FILE_CHUNK_BYTES, FILE_PROTOCOL, MAX_GET_FRAME_BYTES, checkOffer, hex } from './file-offer.js'
import { Watchdog } from './file-watchdog.js'
import type { FileOffer } from './file-offer.js'
import type { AbortOptions, Connection, Libp2p, Stream } from '@libp2p/interface'

const log = logger('p2p-tor:chat:files')

export const DEFAULT_FILE_MAX_STREAMS = 4
export const DEFAULT_OFFER_TTL_MS = 24 * 60 * 60 * 1000
export const DEFAULT_MAX_OFFERS = 1024
export const DEFAULT_GET_TIMEOUT_MS = 30_000
export const DEFAULT_SEND_STALL_MS = 60_000
/** setTimeout fires at once for anything longer. */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface FileSendProgress {
  /** The offer's id. */
  id: Uint8Array
  /** The receiving PeerId. */
  peer: string
  /** Bytes of the file written to the stream so far, counting from 0 (so a resumed transfer starts at its offset). */
  sent: number
  size: number
}

export interface FileServerOptions {
  /**
   * Transfers served at once, over all peers; a Get past it is refused BUSY (the receiver retries).
   *
   * @default 4
   */
  maxStreams?: number
  /**
   * Offers held at once; offer() past it throws.
   *
   * @default 1024
   */
  maxOffers?: number
  /**
   * How long a new stream may take to send its Get.
   *
   * @default 30000
   */
  getTimeoutMs?: number
  /**
   * How long one chunk may wait for the receiver to take it before the transfer is dropped.
   *
   * @default 60000
   */
  sendStallMs?: number
  /** Called after each chunk is written. Exceptions are logged and ignored. */
  onProgress?: (e: FileSendProgress) => void
}

interface ServedWriter {
  write: (frame: Served, opts?: AbortOptions) => Promise<void>
}

interface OfferEntry {
  offer: FileOffer
  path: string
  to: string
  expiresAt: number
}

export class FileServer {
  private readonly node: Libp2p
  private readonly maxStreams: number
  private readonly maxOffers: number
  private readonly getTimeoutMs: number
  private readonly sendStallMs: number
  private readonly onProgress?: (e: FileSendProgress) => void
  private readonly offers = new Map<string, OfferEntry>()
  /** Transfers in progress, each with the id it serves (withdraw aborts them). */
  private readonly active = new Map<Watchdog, string>()
  private readonly running = new Set<Promise<void>>()
  private started = false

  constructor (node: Libp2p, opts: FileServerOptions = {}) {
    this.node = node
    this.maxStreams = opts.maxStreams ?? DEFAULT_FILE_MAX_STREAMS
    this.maxOffers = opts.maxOffers ?? DEFAULT_MAX_OFFERS
    this.getTimeoutMs = opts.getTimeoutMs ?? DEFAULT_GET_TIMEOUT_MS
    this.sendStallMs = opts.sendStallMs ?? DEFAULT_SEND_STALL_MS
    this.onProgress = opts.onProgress
  }

  /** Handles FILE_PROTOCOL on the node. */
  async start (): Promise<void> {
    if (this.started) return
    await this.node.handle(FILE_PROTOCOL, (stream, connection) => {
      const serving = this.serve(stream, connection).finally(() => { this.running.delete(serving) })
      this.running.add(serving)
    }, { maxInboundStreams: this.maxStreams })
    this.started = true
  }

  /**
   * Lets PeerId `to` fetch `offer` from the file at `path` for `ttlMs`
   * (default a day). The file is opened when fetched, so it must stay in
   * place and unchanged until then.
   */
  offer (offer: FileOffer, path: string, to: string, ttlMs = DEFAULT_OFFER_TTL_MS): void {
    checkOffer(offer)
    if (typeof to !== 'string' || to === '') throw new InvalidParametersError('offer() needs the PeerId allowed to fetch the file')
    this.sweep()
    const key = hex(offer.id)
    if (!this.offers.has(key) && this.offers.size >= this.maxOffers) {
      throw new InvalidParametersError(`${this.maxOffers} files are offered already: withdraw some (or wait for them to expire) before offering more`)
    }
    this.offers.set(key, { offer, path: resolve(path), to, expiresAt: Date.now() + Math.min(Math.max(ttlMs, 0), MAX_TIMER_MS) })
  }

  /** Ends an offer, and drops its transfers in progress. */
  withdraw (id: Uint8Array): void {
    const key = hex(id)
    this.offers.delete(key)
    for (const [watchdog, serving] of this.active) {
      if (serving === key) watchdog.abort(new AbortError('the offer was withdrawn'))
    }
  }

  /** Stops handling FILE_PROTOCOL and drops every transfer in progress (offers are kept). */
  async stop (): Promise<void> {
    if (this.started) await this.node.unhandle(FILE_PROTOCOL)
    this.started = false
    for (const watchdog of this.active.keys()) watchdog.abort(new AbortError('the file server stopped'))
    await Promise.all([...this.running])
  }

  private sweep (): void {
    const now = Date.now()
    for (const [key, entry] of this.offers) {
      if (entry.expiresAt <= now) this.offers.delete(key)
    }
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    // the receiver sends one small Get and nothing more: the read caps are tiny
    const frames = pbStream(stream, { maxDataLength: MAX_GET_FRAME_BYTES, maxBufferSize: 4 * MAX_GET_FRAME_BYTES })
    const pb = frames.pb(Served)
    const watchdog = new Watchdog(this.getTimeoutMs, [], () => new TimeoutError(`the file stream with ${peer} made no progress in time (its Get, or taking a chunk)`))
    watchdog.signal.addEventListener('abort', () => { stream.abort(watchdog.signal.reason instanceof Error ? watchdog.signal.reason : new AbortError()) }, { once: true })
    try {
      const request = await frames.read(Get, { signal: watchdog.signal })
      watchdog.kick(this.sendStallMs)
      const key = hex(request.id)
      const entry = this.offers.get(key)
      if (entry == null || entry.to !== peer || entry.expiresAt <= Date.now()) {
        await this.refuse(pb, Refusal.Code.NOT_FOUND, watchdog.signal)
      } else if (this.active.size >= this.maxStreams) {
        await this.refuse(pb, Refusal.Code.BUSY, watchdog.signal)
      } else {
        this.active.set(watchdog, key)
        await this.send(pb, entry, request.offset, peer, watchdog)
      }
      await stream.close({ signal: watchdog.signal })
    } catch (err) {
      log('file transfer to %s ended: %s', peer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      watchdog.stop()
      this.active.delete(watchdog)
    }
  }

  private async refuse (pb: ServedWriter, code: Refusal.Code, signal: AbortSignal): Promise<void> {
    await pb.write({ refusal: { code } }, { signal })
  }

  private async send (pb: ServedWriter, entry: OfferEntry, requested: bigint, peer: string, watchdog: Watchdog): Promise<void> {
    const size = entry.offer.size
    if (requested > BigInt(size)) {
      await this.refuse(pb, Refusal.Code.BAD_OFFSET, watchdog.signal)
      return
    }
    const offset = Number(requested)
    let handle
    try {
      handle = await open(entry.path, 'r')
    } catch (err) {
      log('cannot open offered file: %s', (err as NodeJS.ErrnoException).code)
      await this.refuse(pb, Refusal.Code.FAILED, watchdog.signal)
      return
    }
    try {
      const info = await handle.stat()
      if (!info.isFile() || info.size !== size) {
        await this.refuse(pb, Refusal.Code.CHANGED, watchdog.signal)
        return
      }
      let sent = offset
      if (offset < size) {
        // `end` is inclusive: the stream never reads past the offered size, even if the file grows
        const reader = handle.createReadStream({ start: offset, end: size - 1, highWaterMark: FILE_CHUNK_BYTES, autoClose: false })
        try {
          // bounded: at most (size - offset) / FILE_CHUNK_BYTES + 1 chunks
          for await (const chunk of reader) {
            watchdog.kick(this.sendStallMs)
            const data = chunk as Buffer<ArrayBuffer>
            // no signal per chunk: p-event (under pbStream's write) never removes its abort
            // listener, so one per chunk would pile up on the watchdog's signal for the whole
            // transfer; the watchdog aborts the stream instead, which ends a pending write
            await pb.write({ chunk: { data } })
            sent += data.byteLength
            this.report({ id: entry.offer.id, peer, sent, size })
          }
        } finally {
          reader.destroy()
        }
      }
      // a file that shrank while being read: drop, so the receiver asks again and gets CHANGED
      if (sent !== size) throw new Error(`the offered file shrank while being sent (${sent} of ${size} bytes)`)
      await pb.write({ end: {} }, { signal: watchdog.signal })
    } finally {
      await handle.close()
    }
  }

  private report (e: FileSendProgress): void {
    try {
      this.onProgress?.(e)
    } catch (err) {
      log.error('onProgress threw: %s', (err as Error).message)
    }
  }
}
