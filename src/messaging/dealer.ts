/**
 * The hub side of routed RPC, modelled on WAMP's dealer: members register
 * URIs over their own session, callers call them, and the hub forwards each
 * Call to the registered callee as an Invoke (carrying the caller's PeerId),
 * then sends the callee's result or failure back unchanged.
 *
 * The dealer checks rights (through the authorizer), caps payloads and
 * in-flight calls per caller, keeps its own deadline per call, turns a
 * caller's Cancel into an Interrupt to the callee, and fails every call routed
 * to a callee at once when that callee's session ends.
 *
 * It knows sessions, not streams or libp2p: the hub hands it each request.
 */
import { AbortError, TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import {
  NoSuchProcedureError,
  NotAuthorizedError,
  ProcedureAlreadyRegisteredError,
  RpcError
} from './errors.js'
import { FailureCode } from './failure.js'
import { validateUri } from './uri.js'
import type { ResponseBody, Session } from './session.js'
import type { Request } from './wire-pb.js'

const log = logger('p2p-tor:messaging:dealer')

const MAX_TIMEOUT_MS = 2 ** 31 - 1
/** How long an Interrupt to a callee may wait for its answer. */
export const INTERRUPT_TIMEOUT_MS = 10_000

export interface DealerAuthorizer {
  /** Whether the realm grants `peer` the `action` on `uri` (the dealer has validated `uri`). A Realm fits as it is. */
  may: (peer: string, action: 'call' | 'register', uri: string) => boolean
}

export interface DealerLimits {
  /** The largest Call data the hub forwards, in bytes. */
  maxPayloadBytes: number
  /** Calls one caller (PeerId, over all its sessions) may have in flight. */
  maxInflightCallsPerPeer: number
  /** The hub's own deadline for a call; a Call asking for longer gets this. */
  callTimeoutMs: number
  /**
   * URIs one peer may hold registered at once.
   *
   * @default 1024
   */
  maxRegistrationsPerPeer?: number
}

export interface DealerOptions {
  authorizer: DealerAuthorizer
  /** Read on every request, so a reloaded realm's limits apply at once (`() => realm.limits` fits). */
  limits: () => DealerLimits
}

interface Registration {
  peer: string
  session: Session
}

/** Why a routed call ended early. */
type Ending = 'callee-gone' | 'canceled' | 'caller-gone'

interface RoutedCall {
  uri: string
  caller: string
  callerSession: Session
  callId: bigint
  callee: Session
  controller: AbortController
  ending?: Ending
}

export class Dealer {
  private readonly authorizer: DealerAuthorizer
  private readonly limits: () => DealerLimits
  private readonly registrations = new Map<string, Registration>()
  /** Calls in flight, by the caller's session and the Call's request id (what a Cancel names). */
  private readonly calls = new Map<Session, Map<bigint, RoutedCall>>()
  private readonly inflightByPeer = new Map<string, number>()
  /** Every session the dealer has seen, per peer, for dropPeer(). */
  private readonly sessions = new Map<string, Set<Session>>()

  constructor (opts: DealerOptions) {
    this.authorizer = opts.authorizer
    this.limits = opts.limits
  }

  /**
   * Handles a register, unregister, call or cancel from `peer` on `session`.
   * Returns undefined for any other kind (the hub routes those elsewhere).
   * The promise rejects with a typed error, which the session sends as a Failure.
   * `signal` is the session's: it aborts when the caller's session ends.
   */
  handle (peer: string, session: Session, req: Request, signal: AbortSignal): Promise<ResponseBody> | undefined {
    if (req.register != null) return this.track(peer, session, async () => { this.register(peer, session, req.register?.uri ?? ''); return {} })
    if (req.unregister != null) return this.track(peer, session, async () => { this.unregister(session, req.unregister?.uri ?? ''); return {} })
    if (req.call != null) {
      const call = req.call
      return this.track(peer, session, async () => await this.call(peer, session, req.id, call, signal))
    }
    if (req.cancel != null) {
      const callId = req.cancel.callId
      return this.track(peer, session, async () => { this.cancel(session, callId); return {} })
    }
    return undefined
  }

  /**
   * A session ended: its registrations go, every call routed to it fails at
   * once with CALLEE_GONE, and the invocations of calls it made are interrupted.
   */
  sessionClosed (peer: string, session: Session): void {
    const set = this.sessions.get(peer)
    set?.delete(session)
    if (set?.size === 0) this.sessions.delete(peer)

    for (const [uri, reg] of [...this.registrations]) {
      if (reg.session === session) this.registrations.delete(uri)
    }
    for (const byId of this.calls.values()) {
      for (const call of byId.values()) {
        if (call.callee === session) this.end(call, 'callee-gone')
      }
    }
    for (const call of this.calls.get(session)?.values() ?? []) {
      this.end(call, 'caller-gone')
    }
  }

  /** Revocation: the same as closing every session of `peer` (the hub closes the connections). */
  dropPeer (peer: string): void {
    for (const session of [...this.sessions.get(peer) ?? []]) this.sessionClosed(peer, session)
    // every registration came through handle(), so the loop above removed them; this keeps
    // the promise "nothing of this peer is left" even if a caller of the dealer forgot a session
    for (const [uri, reg] of [...this.registrations]) {
      if (reg.peer === peer) this.registrations.delete(uri)
    }
    this.sessions.delete(peer)
  }

  /**
   * After a realm reload: drops every registration whose holder no longer
   * has the register right (later calls get NO_SUCH_PROCEDURE). Calls
   * already routed to it finish. Returns the URIs dropped.
   */
  revalidate (): string[] {
    const dropped: string[] = []
    for (const [uri, reg] of [...this.registrations]) {
      if (!this.authorizer.may(reg.peer, 'register', uri)) {
        this.registrations.delete(uri)
        dropped.push(uri)
      }
    }
    return dropped
  }

  /** The PeerId holding `uri`, if any (for the hub's status and tests). */
  holderOf (uri: string): string | undefined {
    return this.registrations.get(uri)?.peer
  }

  private async track (peer: string, session: Session, fn: () => Promise<ResponseBody>): Promise<ResponseBody> {
    let set = this.sessions.get(peer)
    if (set == null) {
      set = new Set()
      this.sessions.set(peer, set)
    }
    set.add(session)
    return await fn()
  }

  private register (peer: string, session: Session, uri: string): void {
    validateUri(uri)
    if (!this.authorizer.may(peer, 'register', uri)) throw new NotAuthorizedError(uri, 'register')
    const held = this.registrations.get(uri)
    if (held != null) {
      if (held.session === session) return // the same session again: nothing changes
      if (held.peer === peer) {
        // The same identity on a newer session takes the registration over:
        // a member that reconnects (its old connection may look alive to the
        // hub for a while over Tor) or restarts must not be refused by its
        // own past; rights belong to the PeerId, not to one process. Calls
        // already routed to the old session finish there.
        this.registrations.set(uri, { peer, session })
        log('%s moved %s to a newer session', peer, uri)
        return
      }
      throw new ProcedureAlreadyRegisteredError(uri, held.peer, `${uri} is already registered by ${held.peer}: unregister it there first, or register another URI`)
    }
    const cap = this.limits().maxRegistrationsPerPeer ?? 1024
    let mine = 0
    for (const reg of this.registrations.values()) if (reg.peer === peer) mine++
    if (mine >= cap) {
      throw new RpcError(uri, `this peer already holds ${mine} registrations, the hub's cap; unregister some first`, FailureCode.TOO_MANY_CALLS)
    }
    this.registrations.set(uri, { peer, session })
    log('%s registered %s', peer, uri)
  }

  private unregister (session: Session, uri: string): void {
    validateUri(uri)
    const held = this.registrations.get(uri)
    if (held?.session !== session) {
      throw new NoSuchProcedureError(uri, `${uri} is not registered on this session, so there is nothing to unregister`)
    }
    // calls already routed to it finish (as in WAMP); new calls get NO_SUCH_PROCEDURE
    this.registrations.delete(uri)
  }

  private cancel (session: Session, callId: bigint): void {
    // a Cancel for a call that already finished is not an error: the two crossed on the wire
    const call = this.calls.get(session)?.get(callId)
    if (call != null) this.end(call, 'canceled')
  }

  private end (call: RoutedCall, why: Ending): void {
    if (call.ending != null) return
    call.ending = why
    call.controller.abort(new AbortError(`the call to ${call.uri} ended: ${why}`))
  }

  private async call (peer: string, session: Session, callId: bigint, call: NonNullable<Request['call']>, signal: AbortSignal): Promise<ResponseBody> {
    const { uri, data } = call
    validateUri(uri)
    if (!this.authorizer.may(peer, 'call', uri)) throw new NotAuthorizedError(uri, 'call')
    const limits = this.limits()
    if (data.byteLength > limits.maxPayloadBytes) {
      throw new RpcError(uri, `the call's data is ${data.byteLength} bytes, over the hub's cap of ${limits.maxPayloadBytes}; send less`, FailureCode.TOO_LARGE)
    }
    const reg = this.registrations.get(uri)
    if (reg == null) throw new NoSuchProcedureError(uri)
    const inflight = this.inflightByPeer.get(peer) ?? 0
    if (inflight >= limits.maxInflightCallsPerPeer) {
      throw new RpcError(uri, `${inflight} calls from this peer are already in flight, the hub's cap; wait for some to finish`, FailureCode.TOO_MANY_CALLS)
    }
    if (signal.aborted) throw new AbortError('the caller\'s session closed')

    // Invoke.timeoutMs is a uint32 and timers stop at 2^31-1 ms: a realm asking for more gets that
    const hubMs = Math.min(limits.callTimeoutMs, MAX_TIMEOUT_MS)
    const timeoutMs = call.timeoutMs > 0 ? Math.min(call.timeoutMs, hubMs) : hubMs
    const routed: RoutedCall = { uri, caller: peer, callerSession: session, callId, callee: reg.session, controller: new AbortController() }
    let byId = this.calls.get(session)
    if (byId == null) {
      byId = new Map()
      this.calls.set(session, byId)
    }
    // a caller that reuses a Call id while it is in flight breaks the session protocol; the session aborts it,
    // so the dealer only needs to not lose track of the first one
    byId.set(callId, routed)
    this.inflightByPeer.set(peer, inflight + 1)
    const onCallerGone = (): void => { this.end(routed, 'caller-gone') }
    signal.addEventListener('abort', onCallerGone, { once: true })

    let invokeId: bigint | undefined
    try {
      const pending = reg.session.issue({ invoke: { uri, data, caller: peer, timeoutMs } }, { timeoutMs, signal: routed.controller.signal })
      invokeId = pending.id
      const res = await pending.response
      // the callee's answer, passed back as it came (CALLEE_ERROR keeps its message)
      return res.error != null ? { error: res.error } : { result: res.result ?? new Uint8Array(0) }
    } catch (err: any) {
      const why = routed.ending
      if (why === 'callee-gone' || err?.name === 'HubUnavailableError') {
        throw new RpcError(uri, `the callee of ${uri} disconnected before it answered; call again once it is back`, FailureCode.CALLEE_GONE)
      }
      // the callee is still there: tell it to stop
      if (invokeId != null) this.interrupt(reg.session, invokeId)
      if (why === 'canceled' || why === 'caller-gone') throw new AbortError(`the call to ${uri} was canceled by the caller`)
      if (err?.name === 'TimeoutError') throw new TimeoutError(`the call to ${uri} did not finish within ${timeoutMs} ms (the hub's deadline)`)
      throw err
    } finally {
      signal.removeEventListener('abort', onCallerGone)
      if (byId.get(callId) === routed) byId.delete(callId)
      if (byId.size === 0 && this.calls.get(session) === byId) this.calls.delete(session)
      const left = (this.inflightByPeer.get(peer) ?? 1) - 1
      if (left <= 0) this.inflightByPeer.delete(peer)
      else this.inflightByPeer.set(peer, left)
    }
  }

  private interrupt (callee: Session, invokeId: bigint): void {
    if (!callee.open) return
    callee.request({ interrupt: { invokeId } }, { timeoutMs: INTERRUPT_TIMEOUT_MS }).catch((err: Error) => {
      log('an interrupt to %s was not answered: %s', callee.remotePeer, err.message)
    })
  }
}
