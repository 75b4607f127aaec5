/**
 * The chat mailbox (issue 16; docs/chat.md "Mailbox"): an always-on node
 * that keeps opaque blobs per recipient inbox for contacts that are offline.
 *
 * `/p2p-tor/mailbox/1.0.0`, one request per stream: the client writes one
 * length-prefixed MailboxRequest (mailbox-pb.proto, pbStream from
 * @libp2p/utils), the mailbox answers with one MailboxResponse and the
 * stream ends. Each stream has a deadline, and a request frame is capped at
 * maxBlobBytes plus a little: a longer length prefix is answered TOO_LARGE
 * before any of its body is read, and the stream is reset.
 *
 * | request | who | answer |
 * |---|---|---|
 * | Register { inbox } | the owner: the PeerId noise proved | OK, REFUSED (owners() says no, too many inboxes), NOT_OWNER (another PeerId has it) |
 * | Deposit { inbox, blob } | anyone | OK, UNKNOWN_INBOX, TOO_LARGE, QUOTA |
 * | Fetch { inbox, limit } | the owner | OK with blobs in arrival order (and `more`), UNKNOWN_INBOX, NOT_OWNER |
 * | Delete { inbox, ids } | the owner | OK, UNKNOWN_INBOX, NOT_OWNER |
 *
 * Depositors connect with throwaway PeerIds: the server never stores or
 * logs a depositor's PeerId or address, and its events carry counts only.
 */
import { AbortError, InvalidParametersError, TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { setMaxListeners } from 'main-event'
import { MailboxError, MailboxNotOwnerError, MailboxQuotaError, MailboxRefusedError, MailboxTooLargeError, MailboxUnknownInboxError } from './errors.js'
import { MailboxRequest, MailboxResponse, MailboxStatus } from './mailbox-pb.js'
import { MAILBOX_INBOX_BYTES, MAILBOX_MAX_BLOB_BYTES, MAILBOX_MAX_DELETE, MAILBOX_MAX_FETCH, MAILBOX_MAX_FETCH_BYTES, MailboxStore } from './mailbox-store.js'
import type { MailboxLimits, MailboxStats } from './mailbox-store.js'
import type { AbortOptions, Libp2p, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const log = logger('p2p-tor:chat:mailbox')

export const MAILBOX_PROTOCOL = '/p2p-tor/mailbox/1.0.0'
/** Room in a request frame beside the blob: the inbox, tags, and a Delete's ids (1024 varints). */
export const MAILBOX_FRAME_OVERHEAD = 16 * 1024
/** The largest answer frame: a fetch's blob bytes plus each blob's id and tags. */
export const MAILBOX_MAX_ANSWER_BYTES = MAILBOX_MAX_FETCH_BYTES + 64 * 1024
/** The server's deadline for one stream (read the request, answer it); Tor is slow. */
export const DEFAULT_MAILBOX_STREAM_TIMEOUT_MS = 60_000
/** The client's deadline for one request: dialling over Tor, then the exchange. */
export const DEFAULT_MAILBOX_CLIENT_TIMEOUT_MS = 120_000
/** How often the server sweeps expired blobs. */
export const DEFAULT_MAILBOX_SWEEP_INTERVAL_MS = 60_000
/** Read-buffer room beyond one frame: one yamux receive window (256 KiB). */
const READ_SLACK_BYTES = 256 * 1024
/** Streams of this protocol one connection may have open at once. */
const MAX_INBOUND_STREAMS = 16

/** lpStream's and byteStream's errors for a frame (or a buffer) over the cap. */
const OVERSIZE = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError'])

/** What a mailbox reports; counts only, never an inbox id or a PeerId. */
export type MailboxEvent =
  | { type: 'registered', created: boolean }
  | { type: 'stored', bytes: number }
  | { type: 'fetched', count: number, more: boolean }
  | { type: 'deleted', count: number }
  | { type: 'expired', count: number }
  | { type: 'refused', request: MailboxRequestKind, code: MailboxStatus }

export type MailboxRequestKind = 'register' | 'deposit' | 'fetch' | 'delete' | 'unknown'

export interface MailboxServerOptions {
  /** The store's directory (classic-level). */
  dir: string
  limits?: Partial<MailboxLimits>
  /** Who may register an inbox (a PeerId string). @default everyone */
  owners?: (peerId: string) => boolean
  /** The clock, in ms since the epoch (tests inject one). @default Date.now */
  now?: () => number
  onEvent?: (e: MailboxEvent) => void
  /** @default DEFAULT_MAILBOX_STREAM_TIMEOUT_MS (60 s) */
  streamTimeoutMs?: number
  /** @default DEFAULT_MAILBOX_SWEEP_INTERVAL_MS (60 s) */
  sweepIntervalMs?: number
}

function kindOf (req: MailboxRequest): MailboxRequestKind {
  if (req.register != null) return 'register'
  if (req.deposit != null) return 'deposit'
  if (req.fetch != null) return 'fetch'
  if (req.delete != null) return 'delete'
  return 'unknown'
}

/** protons types its bytes fields as Uint8Array<ArrayBuffer>; ours are plain Uint8Arrays (never shared memory). */
function bytes (b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b as Uint8Array<ArrayBuffer>
}

function answer (status: MailboxStatus, message = ''): MailboxResponse {
  return { status, message, blobs: [], more: false }
}

/** The wire status of a store error. */
function statusOf (err: unknown): MailboxStatus {
  if (err instanceof MailboxUnknownInboxError) return MailboxStatus.UNKNOWN_INBOX
  if (err instanceof MailboxTooLargeError) return MailboxStatus.TOO_LARGE
  if (err instanceof MailboxQuotaError) return MailboxStatus.QUOTA
  if (err instanceof MailboxNotOwnerError) return MailboxStatus.NOT_OWNER
  if (err instanceof MailboxRefusedError) return MailboxStatus.REFUSED
  if (err instanceof InvalidParametersError) return MailboxStatus.BAD_REQUEST
  return MailboxStatus.INTERNAL
}

export class MailboxServer {
  private readonly node: Libp2p
  private readonly store: MailboxStore
  private readonly owners: (peerId: string) => boolean
  private readonly onEvent: (e: MailboxEvent) => void
  private readonly streamTimeoutMs: number
  private readonly maxFrameBytes: number
  private readonly shutdown = new AbortController()
  private readonly streams = new Set<Promise<void>>()
  private sweepTimer?: ReturnType<typeof setInterval>
  private stopped = false

  private constructor (node: Libp2p, store: MailboxStore, opts: MailboxServerOptions) {
    this.node = node
    this.store = store
    this.owners = opts.owners ?? (() => true)
    this.onEvent = opts.onEvent ?? (() => {})
    this.streamTimeoutMs = opts.streamTimeoutMs ?? DEFAULT_MAILBOX_STREAM_TIMEOUT_MS
    this.maxFrameBytes = store.limits.maxBlobBytes + MAILBOX_FRAME_OVERHEAD
    // every open stream's deadline signal follows this one; their number is capped per connection
    setMaxListeners(Infinity, this.shutdown.signal)
  }

  /**
   * Opens the store in `opts.dir` and registers the protocol handler on
   * `node` (which may be started or not; it is not started here).
   *
   * @throws {InvalidParametersError} for a bad limit or timeout
   * @throws {MailboxError} when the store cannot be opened
   */
  static async start (node: Libp2p, opts: MailboxServerOptions): Promise<MailboxServer> {
    const interval = opts.sweepIntervalMs ?? DEFAULT_MAILBOX_SWEEP_INTERVAL_MS
    for (const [name, value] of [['streamTimeoutMs', opts.streamTimeoutMs], ['sweepIntervalMs', interval]] as const) {
      if (value !== undefined && !(Number.isSafeInteger(value) && value > 0 && value < 2 ** 31)) {
        throw new InvalidParametersError(`${name} is a positive number of ms below 2^31, got ${String(value)}`)
      }
    }
    const store = await MailboxStore.open(opts.dir, { limits: opts.limits, now: opts.now })
    const server = new MailboxServer(node, store, opts)
    try {
      await node.handle(MAILBOX_PROTOCOL, (stream, connection) => {
        server.track(server.serve(stream, connection.remotePeer.toString()))
      }, { maxInboundStreams: MAX_INBOUND_STREAMS })
    } catch (err) {
      await store.close()
      throw err
    }
    server.sweepTimer = setInterval(() => { server.track(server.sweep()) }, interval)
    server.sweepTimer.unref()
    return server
  }

  /** Counts of what is stored. */
  stats (): MailboxStats {
    return this.store.stats()
  }

  /** Unregisters the handler, ends open streams, waits for them, and closes the store. Safe to call twice. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.sweepTimer)
    await this.node.unhandle(MAILBOX_PROTOCOL).catch(() => {})
    this.shutdown.abort(new AbortError('the mailbox is stopping'))
    await Promise.allSettled([...this.streams])
    await this.store.close()
  }

  private track (work: Promise<void>): void {
    this.streams.add(work)
    void work.finally(() => this.streams.delete(work))
  }

  private async sweep (): Promise<void> {
    if (this.stopped) return
    try {
      const count = await this.store.sweep()
      if (count > 0) this.onEvent({ type: 'expired', count })
    } catch (err: any) {
      log.error('expiry sweep failed: %s', err?.message)
    }
  }

  private async serve (stream: Stream, remotePeer: string): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.streamTimeoutMs), this.shutdown.signal])
    // the read buffer holds one request frame plus one muxer window at most (more is a
    // StreamBufferError and the stream is aborted): bytes arrive in chunks before the
    // length prefix is parsed, so a cap of the frame alone would abort an oversized
    // frame before it could be answered TOO_LARGE
    const pb = pbStream(stream, { maxDataLength: this.maxFrameBytes, maxBufferSize: this.maxFrameBytes + READ_SLACK_BYTES })
    let req: MailboxRequest
    try {
      req = await pb.read(MailboxRequest, { signal, limits: { delete: { ids: MAILBOX_MAX_DELETE } } })
    } catch (err: any) {
      if (OVERSIZE.has(err?.name)) {
        // refused on the length prefix alone: the body is never read
        this.onEvent({ type: 'refused', request: 'unknown', code: MailboxStatus.TOO_LARGE })
        await this.reply(stream, pb, answer(MailboxStatus.TOO_LARGE, `the request frame is over the mailbox's cap of ${this.maxFrameBytes} bytes (blobs up to ${this.store.limits.maxBlobBytes} bytes)`), signal, true)
        return
      }
      if (signal.aborted || err?.name === 'UnexpectedEOFError' || err?.name === 'StreamBufferError' || stream.status !== 'open') {
        log('a mailbox stream ended before its request: %s', err?.name)
        stream.abort(err)
        return
      }
      // a frame that is not a MailboxRequest
      await this.reply(stream, pb, answer(MailboxStatus.BAD_REQUEST, 'the request is not a valid mailbox request'), signal, true)
      return
    }
    const res = await this.handle(req, remotePeer)
    await this.reply(stream, pb, res, signal, false)
  }

  private async reply (stream: Stream, pb: ReturnType<typeof pbStream>, res: MailboxResponse, signal: AbortSignal, reset: boolean): Promise<void> {
    try {
      await pb.write(res, MailboxResponse, { signal })
      if (reset) {
        // the rest of a refused frame is not read: reset rather than drain it
        stream.abort(new MailboxError('the request was refused unread', 'TOO_LARGE'))
      } else {
        await stream.close({ signal })
      }
    } catch (err: any) {
      stream.abort(err)
    }
  }

  private async handle (req: MailboxRequest, peer: string): Promise<MailboxResponse> {
    const kind = kindOf(req)
    const set = [req.register, req.deposit, req.fetch, req.delete].filter(r => r != null).length
    try {
      if (set !== 1) throw new InvalidParametersError('a mailbox request carries exactly one of register, deposit, fetch, delete')
      if (req.register != null) {
        if (!this.owners(peer)) throw new MailboxRefusedError('this mailbox does not take inboxes from this PeerId: ask its operator to add it (p2p-tor mailbox --owner)')
        const created = await this.store.register(req.register.inbox, peer)
        this.onEvent({ type: 'registered', created })
        return answer(MailboxStatus.OK)
      }
      if (req.deposit != null) {
        await this.store.deposit(req.deposit.inbox, req.deposit.blob)
        this.onEvent({ type: 'stored', bytes: req.deposit.blob.byteLength })
        return answer(MailboxStatus.OK)
      }
      if (req.fetch != null) {
        const limit = req.fetch.limit === 0 ? MAILBOX_MAX_FETCH : req.fetch.limit
        const { blobs, more } = await this.store.fetch(req.fetch.inbox, peer, limit, MAILBOX_MAX_FETCH_BYTES)
        this.onEvent({ type: 'fetched', count: blobs.length, more })
        return { status: MailboxStatus.OK, message: '', blobs: blobs.map(b => ({ id: b.id, blob: bytes(b.blob) })), more }
      }
      const del = req.delete as NonNullable<MailboxRequest['delete']>
      const count = await this.store.delete(del.inbox, peer, del.ids)
      this.onEvent({ type: 'deleted', count })
      return answer(MailboxStatus.OK)
    } catch (err: any) {
      const status = statusOf(err)
      if (status === MailboxStatus.INTERNAL) log.error('a mailbox %s failed: %s', kind, err?.message)
      this.onEvent({ type: 'refused', request: kind, code: status })
      return answer(status, status === MailboxStatus.INTERNAL ? 'the mailbox failed to handle the request; try again later' : String(err?.message ?? ''))
    }
  }
}

// ---- the client ----

export interface MailboxRequestOptions extends AbortOptions {
  /** The deadline for the whole request: dial, send, answer. @default DEFAULT_MAILBOX_CLIENT_TIMEOUT_MS (120 s) */
  timeoutMs?: number
}

export interface FetchBlobsOptions extends MailboxRequestOptions {
  /** At most this many blobs (1 to 256). @default 256 */
  limit?: number
}

function checkInbox (inbox: Uint8Array): void {
  if (!(inbox instanceof Uint8Array) || inbox.byteLength !== MAILBOX_INBOX_BYTES) {
    throw new InvalidParametersError(`an inbox id is ${MAILBOX_INBOX_BYTES} bytes`)
  }
}

/** The typed error for a non-OK answer. */
function errorOf (res: MailboxResponse): Error {
  const message = res.message !== '' ? `the mailbox answered ${res.status}: ${res.message}` : undefined
  switch (res.status) {
    case MailboxStatus.UNKNOWN_INBOX: return new MailboxUnknownInboxError(message)
    case MailboxStatus.TOO_LARGE: return new MailboxTooLargeError(message)
    case MailboxStatus.QUOTA: return new MailboxQuotaError(message)
    case MailboxStatus.NOT_OWNER: return new MailboxNotOwnerError(message)
    case MailboxStatus.REFUSED: return new MailboxRefusedError(message)
    case MailboxStatus.BAD_REQUEST: return new MailboxError(message ?? 'the mailbox did not understand the request (a newer or older protocol?)', 'BAD_REQUEST')
    default: return new MailboxError(message ?? 'the mailbox failed to handle the request; try again later', 'INTERNAL')
  }
}

/**
 * One request on a fresh stream. The answer is read while the request is
 * written: a mailbox refuses an oversized frame from its length prefix and
 * resets the stream, so the write may fail after the answer arrived.
 */
async function request (node: Libp2p, mailboxAddr: Multiaddr | string, req: MailboxRequest, opts: MailboxRequestOptions): Promise<MailboxResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_MAILBOX_CLIENT_TIMEOUT_MS
  if (!(Number.isSafeInteger(timeoutMs) && timeoutMs > 0 && timeoutMs < 2 ** 31)) {
    throw new InvalidParametersError(`timeoutMs is a positive number of ms below 2^31, got ${String(timeoutMs)}`)
  }
  const ma = typeof mailboxAddr === 'string' ? multiaddr(mailboxAddr) : mailboxAddr
  opts.signal?.throwIfAborted()
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = opts.signal == null ? timeout : AbortSignal.any([timeout, opts.signal])
  const kind = kindOf(req)
  let stream: Stream | undefined
  try {
    stream = await node.dialProtocol(ma, MAILBOX_PROTOCOL, { signal, negotiateFully: false }) // one round trip, not two: the protocol name goes out with the request
    const pb = pbStream(stream, { maxDataLength: MAILBOX_MAX_ANSWER_BYTES, maxBufferSize: MAILBOX_MAX_ANSWER_BYTES + 16 })
    const reading = pb.read(MailboxResponse, { signal, limits: { blobs: MAILBOX_MAX_FETCH } })
    reading.catch(() => {})
    const writing = pb.write(req, MailboxRequest, { signal })
    let res: MailboxResponse
    try {
      await writing
      res = await reading
    } catch (err) {
      // the answer may have come before the reset that failed the write
      res = await Promise.race([reading, new Promise<never>((_resolve, reject) => { setTimeout(() => { reject(err) }, 0) })])
    }
    await stream.close({ signal }).catch(() => { stream?.abort(new AbortError('closing the mailbox stream failed')) })
    if (res.status !== MailboxStatus.OK) throw errorOf(res)
    return res
  } catch (err: any) {
    if (stream != null && stream.status === 'open') stream.abort(err)
    if (err instanceof MailboxError) throw err
    if (opts.signal?.aborted === true) throw new AbortError(`the mailbox ${kind} was aborted`)
    if (timeout.aborted) throw new TimeoutError(`the mailbox did not answer the ${kind} within ${timeoutMs} ms: is it online? try again later`)
    if (OVERSIZE.has(err?.name) || err?.name === 'StreamBufferError') throw new MailboxError(`the mailbox's answer to the ${kind} is over ${MAILBOX_MAX_ANSWER_BYTES} bytes: not a p2p-tor mailbox?`, 'PROTOCOL', { cause: err })
    if (err instanceof RangeError || err?.name === 'MaxLengthError') throw new MailboxError(`the mailbox's answer to the ${kind} is malformed: not a p2p-tor mailbox?`, 'PROTOCOL', { cause: err })
    throw err
  }
}

/**
 * Registers `inbox` at the mailbox for this node's PeerId (idempotent).
 *
 * @throws {MailboxRefusedError} not an allowed owner, or the mailbox is full of inboxes
 * @throws {MailboxNotOwnerError} another PeerId registered this inbox id
 */
export async function registerInbox (node: Libp2p, mailboxAddr: Multiaddr | string, inbox: Uint8Array, opts: MailboxRequestOptions = {}): Promise<void> {
  checkInbox(inbox)
  await request(node, mailboxAddr, { register: { inbox: bytes(inbox) } }, opts)
}

/**
 * Deposits `blob` in `inbox`. Dial from a throwaway identity: the mailbox
 * must not learn who deposits.
 *
 * @throws {MailboxUnknownInboxError} | {MailboxTooLargeError} | {MailboxQuotaError}
 */
export async function depositBlob (node: Libp2p, mailboxAddr: Multiaddr | string, inbox: Uint8Array, blob: Uint8Array, opts: MailboxRequestOptions = {}): Promise<void> {
  checkInbox(inbox)
  if (!(blob instanceof Uint8Array)) throw new InvalidParametersError('a blob is a Uint8Array')
  if (blob.byteLength > MAILBOX_MAX_BLOB_BYTES) {
    throw new MailboxTooLargeError(`the blob is ${blob.byteLength} bytes; no mailbox takes more than ${MAILBOX_MAX_BLOB_BYTES}`)
  }
  await request(node, mailboxAddr, { deposit: { inbox: bytes(inbox), blob: bytes(blob) } }, opts)
}

/**
 * The owner's blobs in arrival order (one page: at most `limit`, and at
 * most about 4 MiB; fetch again after deleting them for the rest).
 *
 * @throws {MailboxUnknownInboxError} | {MailboxNotOwnerError}
 */
export async function fetchBlobs (node: Libp2p, mailboxAddr: Multiaddr | string, inbox: Uint8Array, opts: FetchBlobsOptions = {}): Promise<Array<{ id: bigint, blob: Uint8Array }>> {
  checkInbox(inbox)
  const limit = opts.limit ?? MAILBOX_MAX_FETCH
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAILBOX_MAX_FETCH) {
    throw new InvalidParametersError(`limit is 1 to ${MAILBOX_MAX_FETCH}, got ${String(limit)}`)
  }
  const res = await request(node, mailboxAddr, { fetch: { inbox: bytes(inbox), limit } }, opts)
  if (res.blobs.length > limit) throw new MailboxError(`the mailbox answered ${res.blobs.length} blobs for a limit of ${limit}: not a p2p-tor mailbox?`, 'PROTOCOL')
  return res.blobs.map(b => ({ id: b.id, blob: b.blob }))
}

/**
 * Deletes the owner's blobs by id (after storing them); unknown ids are skipped.
 *
 * @throws {MailboxUnknownInboxError} | {MailboxNotOwnerError}
 */
export async function deleteBlobs (node: Libp2p, mailboxAddr: Multiaddr | string, inbox: Uint8Array, ids: bigint[], opts: MailboxRequestOptions = {}): Promise<void> {
  checkInbox(inbox)
  if (!Array.isArray(ids) || ids.length > MAILBOX_MAX_DELETE || ids.some(id => typeof id !== 'bigint' || id < 1n || id >= 2n ** 64n)) {
    throw new InvalidParametersError(`ids are at most ${MAILBOX_MAX_DELETE} blob ids as fetchBlobs returned them`)
  }
  if (ids.length === 0) return
  await request(node, mailboxAddr, { delete: { inbox: bytes(inbox), ids } }, opts)
}
