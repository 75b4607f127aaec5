/**
 * The member side of routed RPC: register procedures and call them through
 * the hub's session. A callee needs no onion service: the hub sends it Invokes
 * over the session the member opened.
 *
 * - call(): a deadline of its own as well as the hub's; an abort or the
 *   deadline sends a Cancel (by the Call's request id), so the callee stops.
 * - invoke: one AbortController per invocation, aborted by the hub's
 *   Interrupt, the Invoke's deadline, or the session ending. A handler's error
 *   reaches the caller as CALLEE_ERROR with its first line only.
 * - attach() re-registers every procedure on a new session (after a reconnect).
 *
 * The member does not take over the session's request handler: whoever owns
 * the session routes `invoke` and `interrupt` requests to handle().
 */
import { AbortError, InvalidParametersError, TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { HubUnavailableError, NoSuchProcedureError, ProcedureAlreadyRegisteredError, RpcError } from './errors.js'
import { errorOf, FailureCode, oneLine } from './failure.js'
import { abortErrorOf } from './session.js'
import { validateUri } from './uri.js'
import type { RequestContext, ResponseBody, Session } from './session.js'
import type { Invoke, Request } from './wire-pb.js'

const log = logger('p2p-tor:messaging:rpc')

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024
export const DEFAULT_CALL_TIMEOUT_MS = 30_000
/** The deadline for register and unregister answers from the hub. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/** Call.timeoutMs is a uint32 on the wire, and setTimeout takes at most 2^31-1. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1

export interface ProcedureContext {
  /** Aborts on the hub's Interrupt (the caller canceled, or the hub's deadline passed), the call's deadline, or the session ending. */
  signal: AbortSignal
  /** The caller's PeerId, as the hub vouches for it. */
  caller: string
  uri: string
}

export type ProcedureHandler = (data: Uint8Array, ctx: ProcedureContext) => Promise<Uint8Array> | Uint8Array

export interface CallOptions {
  signal?: AbortSignal
  /**
   * The caller's deadline, in ms; the hub applies min(this, its own).
   *
   * @default 30000
   */
  timeoutMs?: number
}

export interface RpcMemberOptions {
  /**
   * The largest call data sent and handler result returned, in bytes.
   *
   * @default 1048576
   */
  maxPayloadBytes?: number
  /**
   * The deadline of a call that names none, and of an Invoke that carries none.
   *
   * @default 30000
   */
  defaultTimeoutMs?: number
  /**
   * The deadline for the hub's answer to register and unregister.
   *
   * @default 30000
   */
  requestTimeoutMs?: number
}

export class RpcMember {
  private readonly maxPayloadBytes: number
  private readonly defaultTimeoutMs: number
  private readonly requestTimeoutMs: number
  private readonly handlers = new Map<string, ProcedureHandler>()
  /**
   * Invocations in flight, per session (named by its request signal, which is
   * one per session) and Invoke id: ids are unique per session only.
   */
  private readonly invocations = new Map<AbortSignal, Map<bigint, AbortController>>()
  private session?: Session

  constructor (opts: RpcMemberOptions = {}) {
    this.maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
    this.defaultTimeoutMs = checkTimeout(opts.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, 'defaultTimeoutMs')
    this.requestTimeoutMs = checkTimeout(opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs')
  }

  /** Whether a session is attached and open. */
  get attached (): boolean {
    return this.session?.open === true
  }

  /** The URIs this member has registered (and re-registers on attach). */
  get registered (): string[] {
    return [...this.handlers.keys()]
  }

  /**
   * Uses `session` from now on and registers every procedure on it again.
   * Rejects with the first refusal (a typed error) after trying them all; the
   * handlers stay, so the next attach tries again.
   */
  async attach (session: Session): Promise<void> {
    if (this.session === session) return
    this.detach()
    this.session = session
    void session.closed.then(() => {
      if (this.session === session) this.session = undefined
    })
    const failures: Error[] = []
    await Promise.all(this.registered.map(async (uri) => {
      try {
        await this.sendRegister(session, uri)
      } catch (err: any) {
        log('re-registering %s on the new session failed: %s', uri, err.message)
        failures.push(err)
      }
    }))
    if (failures.length > 0) throw failures[0]
  }

  /** Stops using the attached session; its invocations are aborted. */
  detach (): void {
    this.session = undefined
    const reason = new HubUnavailableError('the member detached from the hub session')
    for (const byId of this.invocations.values()) {
      for (const controller of byId.values()) controller.abort(reason)
    }
  }

  /**
   * Registers `uri` at the hub. Rejects with InvalidUriError before asking,
   * with HubUnavailableError when no
   * session is attached, and with the hub's typed refusal
   * (NotAuthorizedError, ProcedureAlreadyRegisteredError naming the holder).
   */
  async register (uri: string, handler: ProcedureHandler): Promise<void> {
    validateUri(uri)
    if (this.handlers.has(uri)) {
      throw new ProcedureAlreadyRegisteredError(uri, 'this member', `${uri} is already registered by this member: unregister it first`)
    }
    const session = this.current()
    // set first: the hub may route a call here as soon as it has accepted
    this.handlers.set(uri, handler)
    try {
      await this.sendRegister(session, uri)
    } catch (err) {
      if (this.handlers.get(uri) === handler) this.handlers.delete(uri)
      throw err
    }
  }

  /**
   * Unregisters `uri`. Without a session it is only forgotten here (the hub
   * dropped it when the session ended). Calls already routed finish.
   */
  async unregister (uri: string): Promise<void> {
    if (!this.handlers.delete(uri)) throw new NoSuchProcedureError(uri, `${uri} is not registered by this member`)
    const session = this.session
    if (session?.open !== true) return
    const res = await session.request({ unregister: { uri } }, { timeoutMs: this.requestTimeoutMs })
    if (res.error != null && res.error.code !== FailureCode.NO_SUCH_PROCEDURE) throw errorOf(res.error)
  }

  /**
   * Calls `uri` through the hub. Rejects with the hub's or the callee's typed
   * error (RpcError CALLEE_ERROR carries the handler's message), InvalidUriError
   * before sending, TimeoutError
   * at the deadline, AbortError (the signal's reason as its cause) on abort,
   * HubUnavailableError without a session.
   */
  async call (uri: string, data: Uint8Array, opts: CallOptions = {}): Promise<Uint8Array> {
    validateUri(uri)
    const timeoutMs = checkTimeout(opts.timeoutMs ?? this.defaultTimeoutMs, 'timeoutMs')
    const session = this.current()
    if (data.byteLength > this.maxPayloadBytes) {
      throw new RpcError(uri, `the call's data is ${data.byteLength} bytes, over this member's cap of ${this.maxPayloadBytes}; send less`, FailureCode.TOO_LARGE)
    }
    if (opts.signal?.aborted === true) throw abortErrorOf(opts.signal)
    const pending = session.issue({ call: { uri, data: data as Uint8Array<ArrayBuffer>, timeoutMs } }, { timeoutMs, signal: opts.signal })
    let res
    try {
      res = await pending.response
    } catch (err: any) {
      if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
        this.sendCancel(session, pending.id)
      }
      if (err?.name === 'TimeoutError') throw new TimeoutError(`the call to ${uri} got no answer within ${timeoutMs} ms`)
      throw err
    }
    if (res.error != null) throw errorOf(res.error)
    return res.result ?? new Uint8Array(0)
  }

  /**
   * Handles the hub's `invoke` and `interrupt` requests; undefined for any
   * other kind. Route the session's requests here (session.onRequest).
   */
  handle (req: Request, ctx: RequestContext): Promise<ResponseBody> | undefined {
    if (req.invoke != null) return this.invoke(req.id, req.invoke, ctx)
    if (req.interrupt != null) {
      const controller = this.invocations.get(ctx.signal)?.get(req.interrupt.invokeId)
      controller?.abort(new AbortError('the hub interrupted the call: the caller canceled it or the hub\'s deadline passed'))
      // an Interrupt for an invocation that already finished crossed its answer on the wire: not an error
      return Promise.resolve({})
    }
    return undefined
  }

  private current (): Session {
    const session = this.session
    if (session?.open !== true) throw new HubUnavailableError()
    return session
  }

  private async sendRegister (session: Session, uri: string): Promise<void> {
    const res = await session.request({ register: { uri } }, { timeoutMs: this.requestTimeoutMs })
    if (res.error != null) throw errorOf(res.error)
  }

  private sendCancel (session: Session, callId: bigint): void {
    if (!session.open) return
    session.request({ cancel: { callId } }, { timeoutMs: this.requestTimeoutMs }).catch((err: Error) => {
      log('the cancel of call %s was not answered: %s', callId, err.message)
    })
  }

  private async invoke (id: bigint, inv: Invoke, ctx: RequestContext): Promise<ResponseBody> {
    const { uri } = inv
    const handler = this.handlers.get(uri)
    if (handler == null) throw new NoSuchProcedureError(uri, `${uri} is no longer registered at this member`)

    const controller = new AbortController()
    const timeoutMs = inv.timeoutMs > 0 ? Math.min(inv.timeoutMs, MAX_TIMEOUT_MS) : this.defaultTimeoutMs
    const timer = setTimeout(() => {
      controller.abort(new TimeoutError(`the call to ${uri} did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    const onSessionEnd = (): void => { controller.abort(ctx.signal.reason) }
    ctx.signal.addEventListener('abort', onSessionEnd, { once: true })
    let byId = this.invocations.get(ctx.signal)
    if (byId == null) {
      byId = new Map()
      this.invocations.set(ctx.signal, byId)
    }
    byId.set(id, controller)

    try {
      let result: Uint8Array
      try {
        // a handler that ignores its signal does not hold the slot: the answer goes at the abort
        result = await untilAborted(Promise.resolve().then(async () => await handler(inv.data, { signal: controller.signal, caller: inv.caller, uri })), controller.signal)
      } catch (err: any) {
        if (controller.signal.aborted) {
          const reason = controller.signal.reason
          throw reason?.name === 'TimeoutError' ? reason : new AbortError(`the call to ${uri} was interrupted`)
        }
        const message = err instanceof Error ? err.message : 'the handler threw a value that is not an Error'
        throw new RpcError(uri, oneLine(message), FailureCode.CALLEE_ERROR)
      }
      if (!(result instanceof Uint8Array)) {
        throw new RpcError(uri, `the handler of ${uri} returned something other than bytes`, FailureCode.CALLEE_ERROR)
      }
      if (result.byteLength > this.maxPayloadBytes) {
        throw new RpcError(uri, `the result of ${uri} is ${result.byteLength} bytes, over the callee's cap of ${this.maxPayloadBytes}`, FailureCode.TOO_LARGE)
      }
      return { result: result as Uint8Array<ArrayBuffer> }
    } finally {
      clearTimeout(timer)
      ctx.signal.removeEventListener('abort', onSessionEnd)
      byId.delete(id)
      if (byId.size === 0 && this.invocations.get(ctx.signal) === byId) this.invocations.delete(ctx.signal)
    }
  }
}

function checkTimeout (ms: number, name: string): number {
  if (!Number.isInteger(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    throw new InvalidParametersError(`${name} must be a whole number of ms from 1 to ${MAX_TIMEOUT_MS}, got ${ms}`)
  }
  return ms
}

/**
 * `p`, or a rejection as soon as `signal` aborts. Hand-written (a few lines)
 * because race-signal is only a transitive dependency here.
 */
async function untilAborted<T> (p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason
  let onAbort!: () => void
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([p, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
    // the handler may still settle later; its outcome is no longer anyone's
    p.catch(() => {})
  }
}
