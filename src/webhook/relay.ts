/**
 * The relay: an HTTP handler that takes GitHub's webhook POSTs, checks them,
 * answers at once (GitHub wants an answer within 10 s), and forwards each
 * accepted delivery afterwards through a bounded in-memory queue as a sealed
 * publish on `<topic>.<event>`.
 *
 * Order of checks, each with its status: path (404), method (405 + Allow),
 * Content-Length over the cap (413, before reading), missing signature (401),
 * missing or malformed X-GitHub-Event / X-GitHub-Delivery (400), content type
 * (415), the body counted while read (413) within a deadline (408), the
 * signature over the raw body (401), a delivery id already accepted (200, not
 * forwarded again), a full queue (503 + Retry-After), else 202.
 *
 * The handler never logs or echoes the body or the secret. The queue and the
 * dedupe window live in memory: a relay restart forgets both (a redelivery
 * after a restart is forwarded again; the builder skips deliveries it has
 * built, so that costs a message, not a build).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { logger } from '@libp2p/logger'
import { validateUri } from '../messaging/index.js'
import { DELIVERY_HEADER, EVENT_HEADER, GITHUB_MAX_BODY_BYTES, SIGNATURE_HEADER, isDeliveryId, isEventName, verifySignature } from './github.js'
import { RECORD_VERSION, encodeRecord } from './record.js'
import { headerOf, readBody, send } from './http.js'
import { positive } from './options.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

const log = logger('p2p-tor:webhook:relay')

/** What the relay needs of a member: `Member` fits it once sealed payloads (issue 14) land. */
export interface WebhookPublisher {
  publish: (topic: string, data: Uint8Array, opts: { sealTo?: string[], acknowledge?: boolean, signal?: AbortSignal }) => Promise<{ id: string }>
  readonly connected: boolean
}

/** One structured line about a request or a forward. Never holds the body or the secret. */
export interface RelayLogEntry {
  /**
   * accepted (202, queued), duplicate (200, not forwarded), rejected (4xx/5xx),
   * forwarded (the hub acknowledged it), retrying (the publish failed; it stays
   * queued), dropped (the hub refused it for good; it left the queue)
   */
  kind: 'accepted' | 'duplicate' | 'rejected' | 'forwarded' | 'retrying' | 'dropped'
  /** The HTTP status answered (request lines only). */
  status?: number
  /** Why, in words, for rejected, retrying and dropped. */
  reason?: string
  event?: string
  delivery?: string
  topic?: string
  /** Events in the queue after this step. */
  queued?: number
  /** Failed publish attempts of the head of the queue so far (retrying). */
  attempts?: number
  retryInMs?: number
}

export interface RelayHandlerOptions {
  /** The webhook secret, as set in GitHub's webhook settings. */
  secret: string
  /** Publishes each accepted delivery (a messaging Member). */
  publisher: WebhookPublisher
  /** The builders' PeerIds: only they can open what the relay publishes. At least one. */
  sealTo: string[]
  /**
   * The request path GitHub posts to (query strings are ignored). null takes
   * any path, for a handler mounted on a route of an existing app (express
   * rewrites `req.url` below a mount point). @default '/webhook/github'
   */
  path?: string | null
  /** The path of the health report (GET). @default '/healthz' */
  healthPath?: string
  /** Deliveries go to `<topic>.<event>`. @default 'webhook.github' */
  topic?: string
  /** The largest body taken. @default 25 MiB (GitHub sends at most 25 MB) */
  maxBodyBytes?: number
  /** Events waiting to be forwarded, at most. @default 100 */
  queueCap?: number
  /** Bytes of body waiting to be forwarded, at most. @default 100 MiB */
  queueCapBytes?: number
  /** Delivery ids remembered to drop redeliveries (in memory, oldest forgotten first). @default 10000 */
  dedupeWindow?: number
  /** Requests whose body is being read at once, at most; more get 503. Bounds memory to this × maxBodyBytes. @default 16 */
  maxConcurrentRequests?: number
  /** The whole body must arrive within this time, or 408. @default 8 s (GitHub gives up at 10 s) */
  bodyTimeoutMs?: number
  /** One publish attempt, acknowledgement included. @default 60 s */
  publishTimeoutMs?: number
  /** Retry backoff while the hub is unreachable: doubles from min to max. @default 500 ms, 30 s */
  minRetryMs?: number
  maxRetryMs?: number
  /** The Retry-After of a 503. @default 30 */
  retryAfterSeconds?: number
  /** Structured log lines, for the CLI to print. */
  log?: (entry: RelayLogEntry) => void
  /** The clock (ms since the epoch) stamped as receivedAt. @default Date.now */
  now?: () => number
}

/** Counts of refused requests, by reason. */
export interface RelayRejections {
  notFound: number
  method: number
  tooLarge: number
  signature: number
  badRequest: number
  contentType: number
  timeout: number
  queueFull: number
  /** More than maxConcurrentRequests bodies were being read. */
  busy: number
}

/** GET /healthz. */
export interface RelayHealth {
  /** Events waiting to be forwarded, and their bytes of body. */
  queued: number
  queuedBytes: number
  /** Requests whose body is being read or verified now. */
  receiving: number
  /** Whether the publisher has a session with the hub right now. */
  hubConnected: boolean
  /** Deliveries accepted (202) since start. */
  accepted: number
  /** Deliveries the hub acknowledged. */
  forwarded: number
  /** Deliveries dropped because the hub refused them for good. */
  failed: number
  /** Redeliveries answered 200 and not forwarded. */
  duplicates: number
  rejected: RelayRejections
  /** The last forwarding error's message (never holds the body), or null. */
  lastError: string | null
}

export interface RelayHandler {
  /** For node:http / node:https `createServer`, or express (`app.use(relay.handler)`, before any body parser). */
  handler: (req: IncomingMessage, res: ServerResponse) => void
  healthz: () => RelayHealth
  /** Stops taking deliveries (503) and stops forwarding; what is still queued is lost. */
  close: () => Promise<void>
}

interface Queued {
  topic: string
  event: string
  delivery: string
  data: Uint8Array
  bodyBytes: number
}

/** A one-line, human-readable form of a log entry (the CLI prints this without --json). */
export function formatRelayLog (e: RelayLogEntry): string {
  const parts: string[] = [e.kind]
  if (e.status != null) parts.push(String(e.status))
  if (e.event != null) parts.push(e.event)
  if (e.delivery != null) parts.push(e.delivery)
  if (e.kind === 'retrying' && e.retryInMs != null) parts.push(`attempt ${e.attempts ?? 0}, next in ${e.retryInMs} ms`)
  if (e.queued != null) parts.push(`queued ${e.queued}`)
  return e.reason != null ? `${parts.join(' ')}: ${e.reason}` : parts.join(' ')
}

// Errors after which a retry cannot succeed: the hub refused the topic, the
// topic is invalid, the record is over the member's payload cap, or the seal
// inputs are wrong. Matched by name, as the CLI matches errors, so any
// publisher's errors fit. Everything else is retried: HubUnavailableError,
// timeouts, and NoCardError (a builder that has not connected yet has no key
// card at the hub; once it connects, the publish goes through).
const PERMANENT = new Set(['NotAuthorizedError', 'InvalidUriError', 'ProtocolError', 'SealInputError'])

/**
 * A set that remembers the last `max` values (insertion order is eviction
 * order). Written by hand: a Set already keeps insertion order, so a bounded
 * LRU of ids is five lines, not a dependency.
 */
class RecentIds {
  private readonly ids = new Set<string>()
  constructor (private readonly max: number) {}
  has (id: string): boolean { return this.ids.has(id) }
  add (id: string): void {
    this.ids.add(id)
    if (this.ids.size > this.max) {
      const oldest = this.ids.values().next().value
      if (oldest != null) this.ids.delete(oldest)
    }
  }
}

/**
 * Makes the relay's request handler and starts nothing: the forwarder runs
 * only while something is queued.
 */
export function createRelayHandler (opts: RelayHandlerOptions): RelayHandler {
  if (typeof opts.secret !== 'string' || opts.secret.length === 0) throw new TypeError('the relay needs the webhook secret (the one set in GitHub\'s webhook settings)')
  if (!Array.isArray(opts.sealTo) || opts.sealTo.length === 0) throw new TypeError('the relay needs at least one builder PeerId in sealTo: only those can open the events it forwards')
  const topic = validateUri(opts.topic ?? 'webhook.github')
  const path = opts.path === undefined ? '/webhook/github' : opts.path
  const healthPath = opts.healthPath ?? '/healthz'
  const maxBodyBytes = positive('maxBodyBytes', opts.maxBodyBytes, GITHUB_MAX_BODY_BYTES)
  const queueCap = positive('queueCap', opts.queueCap, 100)
  const maxConcurrentRequests = positive('maxConcurrentRequests', opts.maxConcurrentRequests, 16)
  const queueCapBytes = positive('queueCapBytes', opts.queueCapBytes, 100 * 1024 * 1024)
  const bodyTimeoutMs = positive('bodyTimeoutMs', opts.bodyTimeoutMs, 8_000)
  const publishTimeoutMs = positive('publishTimeoutMs', opts.publishTimeoutMs, 60_000)
  const minRetryMs = positive('minRetryMs', opts.minRetryMs, 500)
  const maxRetryMs = Math.max(minRetryMs, positive('maxRetryMs', opts.maxRetryMs, 30_000))
  const retryAfter = String(Math.ceil(positive('retryAfterSeconds', opts.retryAfterSeconds, 30)))
  const seen = new RecentIds(positive('dedupeWindow', opts.dedupeWindow, 10_000))
  const sealTo = [...opts.sealTo]
  const publisher = opts.publisher
  const now = opts.now ?? Date.now
  const emit = (entry: RelayLogEntry): void => {
    try {
      opts.log?.(entry)
    } catch (err) {
      log.error('the log callback threw %e', err)
    }
  }

  const queue: Queued[] = []
  let queuedBytes = 0
  let accepted = 0
  let forwarded = 0
  let failed = 0
  let duplicates = 0
  let lastError: string | null = null
  let receiving = 0
  const rejected: RelayRejections = { notFound: 0, method: 0, tooLarge: 0, signature: 0, badRequest: 0, contentType: 0, timeout: 0, queueFull: 0, busy: 0 }
  const shutdown = new AbortController()
  let pumping: Promise<void> | undefined

  const refuse = (res: ServerResponse, status: number, why: keyof RelayRejections, reason: string, extra: Partial<RelayLogEntry> = {}, headers: Record<string, string> = {}): void => {
    rejected[why]++
    emit({ kind: 'rejected', status, reason, ...extra })
    send(res, status, { error: reason }, headers)
  }

  async function forward (): Promise<void> {
    let attempts = 0
    while (queue.length > 0 && !shutdown.signal.aborted) {
      const head = queue[0]
      const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(publishTimeoutMs)])
      try {
        await publisher.publish(head.topic, head.data, { sealTo, acknowledge: true, signal })
        queue.shift()
        queuedBytes -= head.bodyBytes
        forwarded++
        attempts = 0
        emit({ kind: 'forwarded', event: head.event, delivery: head.delivery, topic: head.topic, queued: queue.length })
      } catch (err) {
        if (shutdown.signal.aborted) return
        const e = err as Error
        lastError = `${e.name ?? 'Error'}: ${e.message ?? String(err)}`
        if (PERMANENT.has(e.name)) {
          queue.shift()
          queuedBytes -= head.bodyBytes
          failed++
          attempts = 0
          emit({ kind: 'dropped', event: head.event, delivery: head.delivery, topic: head.topic, reason: lastError, queued: queue.length })
          continue
        }
        attempts++
        const retryInMs = Math.min(maxRetryMs, minRetryMs * 2 ** Math.min(attempts - 1, 30))
        emit({ kind: 'retrying', event: head.event, delivery: head.delivery, topic: head.topic, reason: lastError, attempts, retryInMs, queued: queue.length })
        try {
          await sleep(retryInMs, undefined, { signal: shutdown.signal })
        } catch {
          return
        }
      }
    }
  }

  function kick (): void {
    if (pumping != null) return
    pumping = forward().finally(() => {
      pumping = undefined
      // something may have been queued after the loop saw an empty queue
      if (queue.length > 0 && !shutdown.signal.aborted) kick()
    })
  }

  function healthz (): RelayHealth {
    return { queued: queue.length, queuedBytes, receiving, hubConnected: publisher.connected, accepted, forwarded, failed, duplicates, rejected: { ...rejected }, lastError }
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const pathname = q < 0 ? url : url.slice(0, q)

    if (pathname === healthPath && path !== healthPath) {
      if (req.method !== 'GET' && req.method !== 'HEAD') { refuse(res, 405, 'method', `${healthPath} answers GET only`, {}, { Allow: 'GET, HEAD' }); return }
      send(res, 200, { ...healthz() })
      return
    }
    if (path != null && pathname !== path) { refuse(res, 404, 'notFound', 'no webhook here; check the payload URL in GitHub\'s webhook settings'); return }
    if (req.method !== 'POST') { refuse(res, 405, 'method', 'webhooks are POSTed; use POST', {}, { Allow: 'POST' }); return }
    if (shutdown.signal.aborted) { send(res, 503, { error: 'the relay is shutting down; GitHub can redeliver later' }, { 'Retry-After': retryAfter }); return }

    // stop reading early: a declared length over the cap is refused unread
    const length = headerOf(req, 'content-length')
    if (length != null && (!/^[0-9]{1,20}$/.test(length) || Number(length) > maxBodyBytes)) {
      refuse(res, 413, 'tooLarge', `the body is larger than ${maxBodyBytes} bytes`)
      return
    }
    const signature = headerOf(req, SIGNATURE_HEADER)
    if (signature == null || signature === '') {
      refuse(res, 401, 'signature', 'no X-Hub-Signature-256 header: set the webhook secret in GitHub\'s webhook settings')
      return
    }
    const event = headerOf(req, EVENT_HEADER)
    const delivery = headerOf(req, DELIVERY_HEADER)
    if (!isEventName(event)) { refuse(res, 400, 'badRequest', 'missing or malformed X-GitHub-Event header'); return }
    if (!isDeliveryId(delivery)) { refuse(res, 400, 'badRequest', 'missing or malformed X-GitHub-Delivery header', { event }); return }
    const contentType = (headerOf(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase()
    if (contentType !== 'application/json') {
      refuse(res, 415, 'contentType', 'the body must be application/json: set "Content type" to application/json in GitHub\'s webhook settings', { event, delivery })
      return
    }

    if (receiving >= maxConcurrentRequests) {
      refuse(res, 503, 'busy', `${receiving} deliveries are being received already; GitHub can redeliver later`, { event, delivery }, { 'Retry-After': retryAfter })
      return
    }
    receiving++
    try {
      await receive(req, res, event, delivery, signature)
    } finally {
      receiving--
    }
  }

  async function receive (req: IncomingMessage, res: ServerResponse, event: string, delivery: string, signature: string): Promise<void> {
    const read = await readBody(req, maxBodyBytes, bodyTimeoutMs)
    if (!read.ok) {
      if (read.why === 'tooLarge') refuse(res, 413, 'tooLarge', `the body is larger than ${maxBodyBytes} bytes`, { event, delivery })
      else if (read.why === 'timeout') refuse(res, 408, 'timeout', `the body did not arrive within ${bodyTimeoutMs} ms`, { event, delivery })
      else rejected.badRequest++
      return
    }
    const body = read.body
    if (!await verifySignature(opts.secret, body, signature)) {
      refuse(res, 401, 'signature', 'the X-Hub-Signature-256 does not match the body: check that the relay and GitHub use the same secret', { event, delivery })
      return
    }
    // Only signed deliveries reach the dedupe window, so nobody without the
    // secret can fill it with ids and make real deliveries look like repeats.
    // No await from here to seen.add(): two racing copies cannot both pass.
    if (seen.has(delivery)) {
      duplicates++
      emit({ kind: 'duplicate', status: 200, event, delivery, reason: 'this delivery id was already accepted; not forwarded again' })
      send(res, 200, { duplicate: true, delivery })
      return
    }
    if (queue.length >= queueCap || queuedBytes + body.byteLength > queueCapBytes) {
      refuse(res, 503, 'queueFull', `the forwarding queue is full (${queue.length} events, ${queuedBytes} bytes): the hub may be unreachable; GitHub can redeliver later`, { event, delivery, queued: queue.length }, { 'Retry-After': retryAfter })
      return
    }
    const record = encodeRecord({ version: RECORD_VERSION, event, delivery, body: body as Uint8Array<ArrayBuffer>, signature, receivedAt: BigInt(now()) })
    seen.add(delivery)
    queue.push({ topic: `${topic}.${event}`, event, delivery, data: record, bodyBytes: body.byteLength })
    queuedBytes += body.byteLength
    accepted++
    emit({ kind: 'accepted', status: 202, event, delivery, topic: `${topic}.${event}`, queued: queue.length })
    send(res, 202, { accepted: true, delivery, queued: queue.length })
    kick()
  }

  function handler (req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((err) => {
      log.error('webhook request failed %e', err)
      send(res, 500, { error: 'internal error in the relay' })
    })
  }

  async function close (): Promise<void> {
    shutdown.abort()
    await pumping
  }

  return { handler, healthz, close }
}
