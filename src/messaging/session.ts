/**
 * One hub session: the long-lived `/p2p-tor/hub/1.0.0` stream between a
 * member and its hub (wire-pb.proto). Both ends use this class: each side sends
 * Requests, the other answers each with exactly one Response of the same id.
 *
 * - Frames are length-prefixed (lpStream from @libp2p/utils), capped at
 *   `maxFrameBytes` on read and on write.
 * - One read loop; writes go through one queue, so frames leave in the order
 *   they were produced.
 * - Incoming requests in flight are capped (`maxIncomingRequests`); the
 *   excess is answered TOO_MANY_CALLS at once.
 * - A malformed frame or a response to an id this side never issued is a
 *   ProtocolError: the session is aborted.
 *
 * The request/response correlation is hand-written: libp2p has no
 * request-multiplexing helper for one long-lived stream (pbStream reads one
 * message at a time and knows no ids).
 */
import { AbortError, InvalidParametersError, TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { lpStream } from '@libp2p/utils'
import { setMaxListeners } from 'main-event'
import { HubUnavailableError, ProtocolError, RpcError } from './errors.js'
import { FailureCode, failureOf } from './failure.js'
import { Frame } from './wire-pb.js'
import type { History, Request, Response } from './wire-pb.js'
import type { AbortOptions, MessageStream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

const log = logger('p2p-tor:messaging:session')

/** lpStream's and byteStream's errors for a frame (or a buffer) over the cap. */
const OVERSIZE = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'StreamBufferError'])

export const HUB_PROTOCOL = '/p2p-tor/hub/1.0.0'

/** 1 MiB of payload plus room for the frame's own fields (uri, caller, ids). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024 + 8 * 1024
export const DEFAULT_MAX_INCOMING_REQUESTS = 256
export const DEFAULT_MAX_OUTGOING_REQUESTS = 4096
/** Bytes of our own requests and notices waiting to be written (Tor is slow: this is tens of seconds of sending). */
export const DEFAULT_MAX_QUEUED_BYTES = 32 * 1024 * 1024
/** setTimeout fires at once for anything longer; a longer deadline waits this long. */
const MAX_TIMER_MS = 2 ** 31 - 1
/** How long close() waits for the remote end to close before aborting. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000

/** A Request without its id: the session assigns ids. */
export type RequestBody = Omit<Request, 'id'>
/** A Response without its id: what a request handler returns. */
export type ResponseBody = Omit<Response, 'id'>

export interface RequestContext {
  /** Aborts when the session closes or is aborted. */
  signal: AbortSignal
}

export type RequestHandler = (req: Request, ctx: RequestContext) => Promise<ResponseBody>
export type HistoryHandler = (history: History) => void

export interface RequestOptions extends AbortOptions {
  /** The deadline for the response, in ms. */
  timeoutMs: number
}

/** A request on its way: its id (to Cancel or Interrupt it) and its response. */
export interface PendingRequest {
  id: bigint
  response: Promise<Response>
}

export interface SessionOptions {
  /** The PeerId string of the other end (noise proved it). */
  remotePeer: string
  /**
   * The largest frame read or written, in bytes.
   *
   * @default DEFAULT_MAX_FRAME_BYTES (1 MiB + 8 KiB)
   */
  maxFrameBytes?: number
  /**
   * Requests from the other end being handled at once; more are answered TOO_MANY_CALLS.
   *
   * @default 256
   */
  maxIncomingRequests?: number
  /**
   * Requests of ours awaiting a response; more are refused with RpcError TOO_MANY_CALLS.
   *
   * @default 4096
   */
  maxOutgoingRequests?: number
  /**
   * Bytes of requests and History notices of ours waiting to be written; a
   * request or notice past it is refused (RpcError TOO_MANY_CALLS). Answers,
   * Cancel and Interrupt are never refused: answers are bounded by
   * maxIncomingRequests, the other two are small.
   *
   * @default 32 MiB
   */
  maxQueuedBytes?: number
  /**
   * How long close() waits for the other end.
   *
   * @default 5000
   */
  closeTimeoutMs?: number
  /** A test hook: sees every frame this end sends (the e2e tier records what a hub forwards). */
  onSend?: (frame: Uint8Array) => void
}

interface Outgoing {
  resolve: (res: Response) => void
  reject: (err: Error) => void
}

/** Which request kind a Request carries, for logs and errors (never its payload). */
export function requestKind (req: Request | RequestBody): string {
  for (const [key, value] of Object.entries(req)) {
    if (key !== 'id' && value != null) return key
  }
  return 'empty'
}

export class Session {
  readonly remotePeer: string
  /**
   * Resolves once the session is over: `undefined` after a clean close (ours
   * or the remote's), or the error that aborted it. Never rejects.
   */
  readonly closed: Promise<Error | undefined>

  private readonly stream: MessageStream
  private readonly lp: LengthPrefixedStream
  private readonly maxFrameBytes: number
  private readonly maxIncoming: number
  private readonly maxOutgoing: number
  private readonly closeTimeoutMs: number
  private readonly maxQueuedBytes: number
  private queuedBytes = 0
  private readonly shutdown = new AbortController()
  private readonly writeAbort = new AbortController()
  private readonly outgoing = new Map<bigint, Outgoing>()
  private readonly incoming = new Set<bigint>()
  private nextId = 1n
  private writing: Promise<void> = Promise.resolve()
  private readonly onSend?: (frame: Uint8Array) => void
  private requestHandler?: RequestHandler
  private historyHandler?: HistoryHandler
  private ended = false
  private resolveClosed!: (err: Error | undefined) => void

  constructor (stream: MessageStream, opts: SessionOptions) {
    this.stream = stream
    this.remotePeer = opts.remotePeer
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    this.maxIncoming = opts.maxIncomingRequests ?? DEFAULT_MAX_INCOMING_REQUESTS
    this.maxOutgoing = opts.maxOutgoingRequests ?? DEFAULT_MAX_OUTGOING_REQUESTS
    this.closeTimeoutMs = opts.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
    this.onSend = opts.onSend
    this.maxQueuedBytes = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES
    // the byte buffer holds at most a few frames: reads are never held up by handlers
    this.lp = lpStream(stream, { maxDataLength: this.maxFrameBytes, maxBufferSize: 4 * this.maxFrameBytes })
    this.closed = new Promise(resolve => { this.resolveClosed = resolve })
    // every request in flight listens on these; their number is capped by maxIncoming/maxOutgoing
    setMaxListeners(Infinity, this.shutdown.signal, this.writeAbort.signal)
    // frames are buffered by lpStream from here on; the loop reads them on a
    // later tick, so handlers set right after construction see every frame
    void this.readLoop()
  }

  /** Whether the session is still usable. */
  get open (): boolean {
    return !this.ended
  }

  /** Sets the handler for the other end's requests (one handler per session). */
  onRequest (handler: RequestHandler): void {
    this.requestHandler = handler
  }

  /** Sets the handler for History notices. */
  onHistory (handler: HistoryHandler): void {
    this.historyHandler = handler
  }

  /** Sends a request and waits for its response. */
  async request (body: RequestBody, opts: RequestOptions): Promise<Response> {
    return await this.issue(body, opts).response
  }

  /**
   * Sends a request; the id is known at once (a Call's id is what a Cancel
   * names). The response rejects with TimeoutError, AbortError, or
   * HubUnavailableError when the session ends first. A response that arrives
   * after that is dropped.
   */
  issue (body: RequestBody, opts: RequestOptions): PendingRequest {
    const id = this.nextId++
    const response = new Promise<Response>((resolve, reject) => {
      if (this.ended) {
        reject(this.closedError()); return
      }
      if (opts.signal?.aborted === true) {
        reject(abortErrorOf(opts.signal)); return
      }
      if (!(opts.timeoutMs > 0)) {
        reject(new InvalidParametersError(`timeoutMs must be a positive number of ms, got ${opts.timeoutMs}`)); return
      }
      if (this.outgoing.size >= this.maxOutgoing) {
        reject(new RpcError('', `${this.outgoing.size} requests to ${this.remotePeer} are already awaiting a response; wait for some to finish`, FailureCode.TOO_MANY_CALLS)); return
      }
      const bytes = Frame.encode({ request: { ...body, id } })
      if (bytes.byteLength > this.maxFrameBytes) {
        reject(new RpcError(uriOf(body), `the ${requestKind(body)} request is ${bytes.byteLength} bytes, over the session's frame cap of ${this.maxFrameBytes}; send less data`, FailureCode.TOO_LARGE)); return
      }
      if (body.cancel == null && body.interrupt == null && this.queuedBytes + bytes.byteLength > this.maxQueuedBytes) {
        reject(this.queueFull(uriOf(body))); return
      }

      let timer: ReturnType<typeof setTimeout> | undefined
      const onAbort = (): void => { done(); reject(abortErrorOf(opts.signal)) }
      const done = (): void => {
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
        this.outgoing.delete(id)
      }
      this.outgoing.set(id, {
        resolve: (res) => { done(); resolve(res) },
        reject: (err) => { done(); reject(err) }
      })
      timer = setTimeout(() => {
        done()
        reject(new TimeoutError(`no answer from ${this.remotePeer} to the ${requestKind(body)} request within ${opts.timeoutMs} ms`))
      }, Math.min(opts.timeoutMs, MAX_TIMER_MS))
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      this.write(bytes)
    })
    return { id, response }
  }

  /** Sends a History notice (hub -> member). Throws HubUnavailableError when closed. */
  sendHistory (history: History): void {
    if (this.ended) throw this.closedError()
    const bytes = Frame.encode({ history })
    if (bytes.byteLength > this.maxFrameBytes) {
      throw new RpcError('', `a history notice of ${bytes.byteLength} bytes is over the session's frame cap of ${this.maxFrameBytes}`, FailureCode.TOO_LARGE)
    }
    if (this.queuedBytes + bytes.byteLength > this.maxQueuedBytes) throw this.queueFull('')
    this.write(bytes)
  }

  /**
   * Closes the session: pending requests fail with HubUnavailableError, the
   * stream is closed (aborted if the other end does not close in time).
   */
  async close (): Promise<void> {
    if (this.ended) {
      await this.closed
      return
    }
    this.finish(undefined)
    // one deadline for draining the queued answers and for the remote's close
    const deadline = AbortSignal.timeout(this.closeTimeoutMs)
    const onDeadline = (): void => { this.writeAbort.abort(deadline.reason) }
    deadline.addEventListener('abort', onDeadline, { once: true })
    try {
      await this.writing
      deadline.throwIfAborted()
      await this.stream.close({ signal: deadline })
    } catch (err: any) {
      this.stream.abort(err)
    } finally {
      deadline.removeEventListener('abort', onDeadline)
    }
  }

  /** Ends the session at once with `err`. */
  abort (err: Error): void {
    if (this.ended) return
    this.finish(err)
    this.writeAbort.abort(err)
    this.stream.abort(err)
  }

  private queueFull (uri: string): RpcError {
    return new RpcError(uri, `${this.queuedBytes} bytes are already waiting to be sent to ${this.remotePeer}, the session's cap; wait for some calls to finish`, FailureCode.TOO_MANY_CALLS)
  }

  private closedError (): HubUnavailableError {
    return new HubUnavailableError(`the session with ${this.remotePeer} is closed; open a new session (reconnect) and retry`)
  }

  private finish (err: Error | undefined): void {
    if (this.ended) return
    this.ended = true
    const closedErr = new HubUnavailableError(`the session with ${this.remotePeer} closed before the answer came; retry once it reconnects`, { cause: err })
    for (const pending of [...this.outgoing.values()]) pending.reject(closedErr)
    this.shutdown.abort(closedErr)
    this.resolveClosed(err)
  }

  private write (bytes: Uint8Array): void {
    this.onSend?.(bytes)
    this.queuedBytes += bytes.byteLength
    this.writing = this.writing.then(async () => {
      if (this.stream.status !== 'open') return
      // not the shutdown signal: close() lets queued answers drain; abort() resets the stream anyway
      await this.lp.write(bytes, { signal: this.writeAbort.signal })
    }).finally(() => {
      this.queuedBytes -= bytes.byteLength
    }).catch((err: Error) => {
      if (this.ended) return
      log('write to %s failed: %s', this.remotePeer, err.message)
      this.abort(err)
    })
  }

  private async readLoop (): Promise<void> {
    while (!this.ended) {
      let buf
      try {
        buf = await this.lp.read({ signal: this.shutdown.signal })
      } catch (err: any) {
        if (this.ended) return
        if (err?.name === 'UnexpectedEOFError') {
          // the other end closed its side: a clean end of the session
          this.finish(undefined)
          this.stream.close({ signal: AbortSignal.timeout(this.closeTimeoutMs) }).catch((e: Error) => { this.stream.abort(e) })
          return
        }
        if (OVERSIZE.has(err?.name)) {
          this.abort(new ProtocolError(`${this.remotePeer} sent a frame over the ${this.maxFrameBytes}-byte cap; the session is closed`, { cause: err }))
          return
        }
        this.abort(err instanceof Error ? err : new ProtocolError('the session stream failed'))
        return
      }
      let frame: Frame
      try {
        frame = Frame.decode(buf)
      } catch (err: any) {
        this.abort(new ProtocolError(`${this.remotePeer} sent a frame that is not a valid Frame message; the session is closed`, { cause: err }))
        return
      }
      this.dispatch(frame)
    }
  }

  private dispatch (frame: Frame): void {
    const set = (frame.request != null ? 1 : 0) + (frame.response != null ? 1 : 0) + (frame.history != null ? 1 : 0)
    if (set !== 1) {
      this.abort(new ProtocolError(`${this.remotePeer} sent a frame with ${set} parts (one of request, response or history expected); the session is closed`))
      return
    }
    if (frame.response != null) {
      this.onResponse(frame.response)
    } else if (frame.request != null) {
      this.onIncoming(frame.request)
    } else if (frame.history != null) {
      try {
        this.historyHandler?.(frame.history)
      } catch (err: any) {
        log.error('the history handler threw: %s', err?.message)
      }
    }
  }

  private onResponse (res: Response): void {
    const pending = this.outgoing.get(res.id)
    if (pending != null) {
      pending.resolve(res)
      return
    }
    // ids are issued in order: one below nextId belongs to a request that timed
    // out or was aborted here, and its late answer is dropped
    if (res.id > 0n && res.id < this.nextId) return
    this.abort(new ProtocolError(`${this.remotePeer} answered request ${res.id}, which this side never sent; the session is closed`))
  }

  private onIncoming (req: Request): void {
    if (this.incoming.has(req.id)) {
      this.abort(new ProtocolError(`${this.remotePeer} reused request id ${req.id} while it was still in flight; the session is closed`))
      return
    }
    if (this.incoming.size >= this.maxIncoming) {
      this.respond(req.id, { error: { code: FailureCode.TOO_MANY_CALLS, message: `${this.maxIncoming} requests are already in flight on this session; wait for some to finish and retry` } })
      return
    }
    const handler = this.requestHandler
    if (handler == null) {
      this.respond(req.id, { error: { code: FailureCode.BAD_REQUEST, message: `this side does not take ${requestKind(req)} requests` } })
      return
    }
    this.incoming.add(req.id)
    let answer: Promise<ResponseBody>
    try {
      answer = handler(req, { signal: this.shutdown.signal })
    } catch (err) {
      answer = Promise.reject(err)
    }
    answer.then(
      (body) => { this.respond(req.id, body) },
      (err) => { this.respond(req.id, { error: failureOf(err) }) }
    ).finally(() => {
      this.incoming.delete(req.id)
    })
  }

  private respond (id: bigint, body: ResponseBody): void {
    if (this.ended) return
    let bytes = Frame.encode({ response: { ...body, id } })
    if (bytes.byteLength > this.maxFrameBytes) {
      bytes = Frame.encode({ response: { id, error: { code: FailureCode.TOO_LARGE, message: `the answer is ${bytes.byteLength} bytes, over the session's frame cap of ${this.maxFrameBytes}` } } })
    }
    this.write(bytes)
  }
}

function uriOf (body: RequestBody): string {
  return body.call?.uri ?? body.invoke?.uri ?? body.register?.uri ?? ''
}

/** libp2p's AbortError, carrying the signal's reason as its cause (and its message, when it is an Error). */
export function abortErrorOf (signal?: AbortSignal): AbortError {
  const reason: unknown = signal?.reason
  const err = new AbortError(reason instanceof Error && reason.name !== 'AbortError' ? reason.message : undefined)
  if (reason !== undefined) Object.defineProperty(err, 'cause', { value: reason, configurable: true, writable: true })
  return err
}
