/**
 * A member of a hub: publish, subscribe, register and call, over one session
 * stream to the hub that the member opens on its own outbound connection (it
 * has no onion service). When the hub or tor restarts, the session breaks;
 * the member dials again with capped backoff, then resubscribes (asking for
 * what it missed since the last message it saw, so retained history fills the
 * gap) and re-registers, and emits `reconnected`.
 *
 * Delivery: at most once per subscription, in order per publisher (one
 * stream per hop, handled in order: gossip.ts), duplicates dropped by
 * envelope id. History replayed on (re)subscribe may interleave with live
 * messages; each id is still delivered once.
 */
import { AbortError, TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { TypedEventEmitter } from 'main-event'
import { anySignal } from 'any-signal'
import { BYTES_CONTENT_TYPE, decodeEnvelope, type Envelope, encodeEnvelope, idHex, JSON_CONTENT_TYPE, newEnvelope, SeenIds } from './envelope.js'
import { HubUnavailableError, NotAuthorizedError, ProtocolError, RpcError } from './errors.js'
import { hubPeerOf, type MessagingNode } from './node.js'
import { RpcMember, type ProcedureHandler } from './rpc-member.js'
import { errorOf } from './failure.js'
import { NotFromAcceptedSenderError, type Sealing } from './sealing.js'
import { HUB_PROTOCOL, Session, type RequestBody, type RequestOptions } from './session.js'
import { validateUri } from './uri.js'
import type { History, Response } from './wire-pb.js'
import type { Message } from '@libp2p/gossipsub'

const log = logger('p2p-tor:member')

const SIGN_PREFIX = new TextEncoder().encode('libp2p-pubsub:')

/** One delivered message. */
export interface Delivery {
  topic: string
  /** The originator's PeerId (the signed `from`). */
  from: string
  /** The envelope id, hex: pass it as `since` to resume after it. */
  id: string
  /** The publisher's clock, ms since the epoch. */
  time: number
  /** When this member received it, ms since the epoch. */
  receivedAt: number
  contentType: string
  data: Uint8Array
  /** true when it came from the hub's retained history rather than live. */
  replayed: boolean
  /** true when it was sealed to this member and opened here (`from` is then the verified sender). */
  sealed: boolean
  /** Parses `data` as JSON. */
  json: <T = unknown>() => T
}

export type MessageHandler = (msg: Delivery) => void

export interface SubscribeOptions {
  /** Accept publishes from these PeerIds only (checked here, besides the hub's own check). */
  from?: string[]
  /**
   * Accept only messages sealed to this member by one of these PeerIds: each
   * is opened and its sender verified; anything unsealed, from another
   * sender or tampered with is dropped and counted (`dropped` events).
   */
  sealedFrom?: string[]
  /** Replay retained messages after this envelope id (hex) ... */
  sinceId?: string
  /** ... or since this time (ms since the epoch). */
  sinceTime?: number
  signal?: AbortSignal
  timeoutMs?: number
}

export interface PublishOptions {
  /** Seal the payload to these members: only they can open it (the hub and relays see sizes and PeerIds). */
  sealTo?: string[]
  /** Resolve once the hub accepted the message; reject with NotAuthorizedError if it refused it. */
  acknowledge?: boolean
  contentType?: string
  /** When not connected: wait for the session (up to timeoutMs) instead of failing at once. */
  wait?: boolean
  signal?: AbortSignal
  /** @default 30 s */
  timeoutMs?: number
}

export interface CallOptions {
  /** Seal the arguments to the member that holds the registration; the result or error comes back sealed to this member. */
  seal?: boolean
  signal?: AbortSignal
  /** @default 60 s */
  timeoutMs?: number
  wait?: boolean
}

export interface RegisterOptions {
  /** Accept only sealed calls (and seal each result or error back to its caller). */
  sealed?: boolean
  /** With sealed: accept calls from these PeerIds only. */
  sealedFrom?: string[]
}

export interface MemberInit {
  /** Sealed payloads (issue 14): this member's keys and cards. Without it, sealTo/sealedFrom/seal throw. */
  sealing?: Sealing
  /** The hub's multiaddr (`/onion3/...:port/p2p/<PeerId>`); several are tried in turn. */
  hubs: string[]
  /** Reconnect backoff. @default 250 ms doubling to 15 s */
  minBackoffMs?: number
  maxBackoffMs?: number
  /** One dial + session open. @default 120 s */
  connectTimeoutMs?: number
  maxPayloadBytes?: number
}

export interface MemberEvents {
  connected: CustomEvent<{ hub: string }>
  disconnected: CustomEvent<{ hub: string, error?: Error }>
  /** After a break: resubscribed and re-registered. */
  reconnected: CustomEvent<{ hub: string, subscriptions: number, registrations: number, attempts: number }>
  /** A reconnect attempt failed; another follows after `retryInMs`. */
  'reconnect:failed': CustomEvent<{ hub: string, error: Error, retryInMs: number }>
  /** A message a subscription's `from` list, the signature check or the seal dropped; `reason` is stable (not-sealed, wrong-sender, not-a-recipient, tampered, replay, clock-skew, …). */
  dropped: CustomEvent<{ topic: string, from: string, reason: string }>
  /** A sealed sender's sequence skipped numbers on a topic: messages were lost (the hub dropped them?); a replay from history is asked for. */
  gap: CustomEvent<{ topic: string, from: string, missing: [number, number] }>
}

interface TopicState {
  handlers: Set<MessageHandler>
  from?: Set<string>
  sealedFrom?: Set<string>
  /** the id delivered before the latest one, to ask the history for a gap */
  prevId?: string
  seen: SeenIds
  lastId?: string
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000
const DEFAULT_CALL_TIMEOUT_MS = 60_000

export class Member extends TypedEventEmitter<MemberEvents> {
  readonly node: MessagingNode
  private readonly hubs: string[]
  private readonly hubPeers: Set<string>
  private readonly rpc: RpcMember
  private readonly topics = new Map<string, TopicState>()
  private readonly announced = new Set<string>()
  private session?: Session
  private sessionHub?: string
  private readonly stopController = new AbortController()
  private connecting?: Promise<void>
  private readonly sessionWaiters = new Set<() => void>()
  private readonly minBackoffMs: number
  private readonly maxBackoffMs: number
  private readonly connectTimeoutMs: number
  private readonly maxPayloadBytes: number
  private everConnected = false
  private readonly sealing?: Sealing
  /** Messages dropped, by reason. */
  readonly drops = new Map<string, number>()
  /** Sealed deliveries are opened one after another, in arrival order. */
  private openChain: Promise<void> = Promise.resolve()

  private constructor (node: MessagingNode, init: MemberInit) {
    super()
    if (init.hubs.length === 0) throw new TypeError('a member needs at least one hub address')
    this.node = node
    this.hubs = init.hubs
    this.hubPeers = new Set(init.hubs.map(hubPeerOf))
    this.minBackoffMs = init.minBackoffMs ?? 250
    this.maxBackoffMs = init.maxBackoffMs ?? 15_000
    this.connectTimeoutMs = init.connectTimeoutMs ?? 120_000
    this.maxPayloadBytes = init.maxPayloadBytes ?? 1024 * 1024
    this.sealing = init.sealing
    init.sealing?.onCardChange((card) => {
      if (this.session != null) void ask(this.session, { putCard: { card: card.bytes } }, { timeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS }).catch((err: Error) => { log.error('putting the new card failed: %s', err.message) })
    })
    this.rpc = new RpcMember({ maxPayloadBytes: this.maxPayloadBytes, defaultTimeoutMs: DEFAULT_CALL_TIMEOUT_MS })
    node.services.pubsub.addEventListener('message', (evt) => { this.onLive(evt.detail) })
  }

  /**
   * Starts the node if needed and connects to the hub: resolves once the
   * session is open (bounded by `timeoutMs`, default connectTimeoutMs), and
   * keeps it open afterwards, reconnecting by itself.
   */
  static async connect (node: MessagingNode, init: MemberInit, opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Member> {
    const member = new Member(node, init)
    if (node.status !== 'started') await node.start()
    try {
      await member.openSession(opts)
    } catch (err) {
      member.stopController.abort()
      throw err
    }
    return member
  }

  get connected (): boolean {
    return this.session != null
  }

  get peerId (): string {
    return this.node.peerId.toString()
  }

  async publish (topic: string, data: Uint8Array, opts: PublishOptions = {}): Promise<{ id: string }> {
    validateUri(topic)
    if (data.byteLength > this.maxPayloadBytes) throw new ProtocolError(`payload of ${data.byteLength} bytes exceeds the cap of ${this.maxPayloadBytes} bytes`)
    const timeoutMs = opts.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS
    const signal = anySignal([opts.signal, AbortSignal.timeout(timeoutMs)])
    try {
      const session = await this.currentSession(opts.wait === true, signal, timeoutMs)
      if (!this.announced.has(topic)) {
        await ask(session, { publishIntent: { topic } }, { signal, timeoutMs })
        this.announced.add(topic)
      }
      await this.hubInTopic(topic, signal, timeoutMs)
      const envelope = newEnvelope(data, opts.contentType ?? BYTES_CONTENT_TYPE)
      if (opts.sealTo != null) {
        const sealing = this.requireSealing()
        envelope.sealed = await sealing.seal({ kind: 'topic', name: topic }, data, opts.sealTo, this.fetchCard, envelope.id, Number(envelope.time)) as Uint8Array<ArrayBuffer>
        envelope.body = new Uint8Array(0)
      }
      await this.node.services.pubsub.publish(topic, encodeEnvelope(envelope))
      const id = idHex(envelope.id)
      if (opts.acknowledge === true) {
        await ask(session, { publishAck: { topic, envelopeId: envelope.id, timeoutMs } }, { signal, timeoutMs })
      }
      return { id }
    } catch (err) {
      throw timeoutOr(err, signal, `publish on ${topic} did not complete within ${timeoutMs} ms`)
    } finally {
      signal.clear()
    }
  }

  async publishJson (topic: string, value: unknown, opts: PublishOptions = {}): Promise<{ id: string }> {
    return await this.publish(topic, new TextEncoder().encode(JSON.stringify(value)), { ...opts, contentType: JSON_CONTENT_TYPE })
  }

  /**
   * Subscribes: resolves once the hub accepted the subscription (and replayed
   * what was asked with `sinceId`/`sinceTime`), rejects with
   * NotAuthorizedError if it refused it. Returns the number replayed.
   */
  async subscribe (topic: string, handler: MessageHandler, opts: SubscribeOptions = {}): Promise<{ replayed: number, unsubscribe: () => Promise<void> }> {
    validateUri(topic)
    const timeoutMs = opts.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS
    const signal = anySignal([opts.signal, AbortSignal.timeout(timeoutMs)])
    const existing = this.topics.get(topic)
    const state: TopicState = existing ?? { handlers: new Set(), seen: new SeenIds() }
    if (opts.from != null) state.from = new Set(opts.from)
    if (opts.sealedFrom != null) {
      this.requireSealing()
      state.sealedFrom = new Set(opts.sealedFrom)
    }
    state.handlers.add(handler)
    this.topics.set(topic, state)
    const pubsub = this.node.services.pubsub
    // live first, then the replay: nothing published in between is lost
    pubsub.subscribe(topic)
    try {
      const session = await this.currentSession(false, signal, timeoutMs)
      const res = await ask(session, { subscribe: { topic, sinceId: opts.sinceId, sinceTime: opts.sinceTime != null ? BigInt(opts.sinceTime) : undefined } }, { signal, timeoutMs })
      // the replay's notices came before the answer; let them all be delivered first
      await this.historyChain
      return { replayed: res.replayed ?? 0, unsubscribe: async () => { await this.unsubscribe(topic, handler) } }
    } catch (err) {
      state.handlers.delete(handler)
      if (state.handlers.size === 0) {
        this.topics.delete(topic)
        pubsub.unsubscribe(topic)
      }
      throw timeoutOr(err, signal, `subscribe to ${topic} was not answered within ${timeoutMs} ms`)
    } finally {
      signal.clear()
    }
  }

  async unsubscribe (topic: string, handler?: MessageHandler): Promise<void> {
    const state = this.topics.get(topic)
    if (state == null) return
    if (handler != null) state.handlers.delete(handler)
    else state.handlers.clear()
    if (state.handlers.size > 0) return
    this.topics.delete(topic)
    this.node.services.pubsub.unsubscribe(topic)
    if (this.session != null) await ask(this.session, { unsubscribe: { topic } }, { timeoutMs: 10_000 }).catch(() => {})
  }

  async register (uri: string, handler: ProcedureHandler, opts: RegisterOptions = {}): Promise<void> {
    validateUri(uri)
    if (opts.sealed !== true) {
      await this.rpc.register(uri, handler)
      return
    }
    const sealing = this.requireSealing()
    const accept = opts.sealedFrom != null ? new Set(opts.sealedFrom) : undefined
    await this.rpc.register(uri, async (data, ctx) => {
      let opened
      try {
        ({ opened } = await sealing.open({ kind: 'call', name: uri }, data, this.fetchCard, { accept }))
      } catch (err) {
        this.countDrop(uri, ctx.caller, err)
        throw new RpcError(uri, `this procedure accepts only calls sealed to it${accept != null ? ' by its accepted callers' : ''}: ${(err as Error).message}`, 'SEAL_REFUSED')
      }
      if (opened.sender.toString() !== ctx.caller) throw new RpcError(uri, 'the sealed call was sealed by another peer than the caller', 'SEAL_REFUSED')
      let reply: Uint8Array
      try {
        reply = sealedReply(true, await handler(opened.payload, ctx))
      } catch (err) {
        // the error travels sealed too: the hub sees a result of some size, not the message
        reply = sealedReply(false, new TextEncoder().encode(oneLineOf(err)))
      }
      return await sealing.seal({ kind: 'result', name: uri }, reply, [ctx.caller], this.fetchCard, newEnvelope(new Uint8Array(0)).id)
    })
  }

  async unregister (uri: string): Promise<void> {
    await this.rpc.unregister(uri)
  }

  async call (uri: string, data: Uint8Array, opts: CallOptions = {}): Promise<Uint8Array> {
    validateUri(uri)
    if (opts.wait === true && this.session == null) {
      const timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS
      const signal = anySignal([opts.signal, AbortSignal.timeout(timeoutMs)])
      try { await this.currentSession(true, signal, timeoutMs) } finally { signal.clear() }
    }
    if (opts.seal !== true) return await this.rpc.call(uri, data, { signal: opts.signal, timeoutMs: opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS })
    const sealing = this.requireSealing()
    const session = await this.currentSession(false, opts.signal ?? new AbortController().signal, 0)
    const holder = new TextDecoder().decode((await ask(session, { whoHolds: { uri } }, { signal: opts.signal, timeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS })).result ?? new Uint8Array())
    const sealed = await sealing.seal({ kind: 'call', name: uri }, data, [holder], this.fetchCard, newEnvelope(new Uint8Array(0)).id)
    const result = await this.rpc.call(uri, sealed, { signal: opts.signal, timeoutMs: opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS })
    const { opened } = await sealing.open({ kind: 'result', name: uri }, result, this.fetchCard, { accept: new Set([holder]) })
    const [ok, body] = readSealedReply(opened.payload)
    if (!ok) throw new RpcError(uri, new TextDecoder().decode(body), 'CALLEE_ERROR')
    return body
  }

  /** Cards come from the hub; the sealing layer verifies each against its PeerId. */
  private readonly fetchCard = async (peer: string): Promise<Uint8Array | undefined> => {
    const session = this.session
    if (session == null) return undefined
    const res = await session.request({ getCard: { peer } }, { timeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS })
    if (res.error != null) {
      if (res.error.code === 'NO_CARD') return undefined
      throw errorOf(res.error)
    }
    return res.result
  }

  private requireSealing (): Sealing {
    if (this.sealing == null) throw new TypeError('sealed payloads need a member made with sealing (MemberInit.sealing: await Sealing.open({ privateKey, dataDir }))')
    return this.sealing
  }

  private countDrop (topic: string, from: string, err: unknown): void {
    const reason = String((err as { reason?: unknown })?.reason ?? (err as Error)?.name ?? 'unknown')
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1)
    log('dropped a message on %s from %s: %s', topic, from, reason)
    this.safeDispatchEvent('dropped', { detail: { topic, from, reason } })
  }

  /** Closes the session and stops reconnecting. The node is the caller's to stop. */
  async close (): Promise<void> {
    this.stopController.abort()
    this.rpc.detach()
    this.session?.close()
    this.session = undefined
    for (const w of this.sessionWaiters) w()
  }

  // --- connection -----------------------------------------------------------

  private async openSession (opts: { signal?: AbortSignal, timeoutMs?: number }): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.connectTimeoutMs
    const signal = anySignal([opts.signal, this.stopController.signal, AbortSignal.timeout(timeoutMs)])
    let lastError: Error | undefined
    try {
      for (const hub of this.hubs) {
        try {
          const stream = await this.node.dialProtocol(multiaddr(hub), HUB_PROTOCOL, { signal })
          const session = new Session(stream, { remotePeer: hubPeerOf(hub), maxFrameBytes: this.maxPayloadBytes + 64 * 1024 })
          session.onRequest(async (req, ctx) => {
            const handled = this.rpc.handle(req, ctx)
            if (handled == null) throw new ProtocolError('unknown request kind from the hub')
            return await handled
          })
          session.onHistory((h) => { this.onHistory(h) })
          await this.adopt(session, hub)
          return
        } catch (err) {
          lastError = err as Error
          if (signal.aborted) break
          log('connecting to %s failed: %s', hub, lastError.message)
        }
      }
    } finally {
      signal.clear()
    }
    if (signal.aborted && this.stopController.signal.aborted) throw new AbortError('the member was closed')
    throw new HubUnavailableError(`could not open a session with the hub (${this.hubs.length} address${this.hubs.length === 1 ? '' : 'es'} tried): ${lastError?.message ?? 'timed out'}; check the hub address and that the hub runs`, { cause: lastError })
  }

  /** Makes a fresh session the current one: re-registers, resubscribes, then watches it. */
  private async adopt (session: Session, hub: string): Promise<void> {
    const reconnect = this.everConnected
    this.announced.clear()
    this.session = session
    this.sessionHub = hub
    if (this.sealing != null) {
      await ask(session, { putCard: { card: this.sealing.card.bytes } }, { timeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS })
    }
    await this.rpc.attach(session)
    let subscriptions = 0
    for (const [topic, state] of this.topics) {
      try {
        await ask(session, { subscribe: { topic, sinceId: reconnect ? state.lastId : undefined } }, { timeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS })
        subscriptions++
      } catch (err) {
        log.error('resubscribing to %s failed: %s', topic, (err as Error).message)
      }
    }
    this.everConnected = true
    for (const w of this.sessionWaiters) w()
    this.sessionWaiters.clear()
    this.safeDispatchEvent('connected', { detail: { hub } })
    if (reconnect) {
      this.safeDispatchEvent('reconnected', { detail: { hub, subscriptions, registrations: this.rpc.registered.length, attempts: this.reconnectAttempts } })
    }
    void session.closed.then((error) => { this.onSessionClosed(session, hub, error ?? undefined) })
  }

  private reconnectAttempts = 0

  private onSessionClosed (session: Session, hub: string, error?: Error): void {
    if (this.session !== session) return
    this.session = undefined
    this.rpc.detach()
    this.safeDispatchEvent('disconnected', { detail: { hub, error } })
    if (this.stopController.signal.aborted) return
    this.connecting ??= this.reconnectLoop().finally(() => { this.connecting = undefined })
  }

  private async reconnectLoop (): Promise<void> {
    let delay = this.minBackoffMs
    this.reconnectAttempts = 0
    while (!this.stopController.signal.aborted) {
      this.reconnectAttempts++
      try {
        await this.openSession({ timeoutMs: this.connectTimeoutMs })
        return
      } catch (err) {
        if (this.stopController.signal.aborted) return
        const retryInMs = Math.round(delay * (0.75 + Math.random() * 0.5))
        this.safeDispatchEvent('reconnect:failed', { detail: { hub: this.sessionHub ?? this.hubs[0], error: err as Error, retryInMs } })
        await sleep(retryInMs, this.stopController.signal)
        delay = Math.min(delay * 2, this.maxBackoffMs)
      }
    }
  }

  private async currentSession (wait: boolean, signal: AbortSignal, timeoutMs: number): Promise<Session> {
    if (this.session != null) return this.session
    if (!wait) throw new HubUnavailableError()
    return await new Promise<Session>((resolve, reject) => {
      const onAbort = (): void => {
        this.sessionWaiters.delete(ready)
        reject(signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? new HubUnavailableError(`no session with the hub within ${timeoutMs} ms`) : signal.reason)
      }
      const ready = (): void => {
        signal.removeEventListener('abort', onAbort)
        if (this.session != null) resolve(this.session)
        else reject(new HubUnavailableError('the member was closed'))
      }
      this.sessionWaiters.add(ready)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Waits until a hub's gossipsub subscription to `topic` has reached us (the hub joined it on our intent). */
  private async hubInTopic (topic: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
    const pubsub = this.node.services.pubsub
    const ready = (): boolean => pubsub.getSubscribers(topic).some(p => this.hubPeers.has(p.toString()))
    if (ready()) return
    await new Promise<void>((resolve, reject) => {
      const check = (): void => { if (ready()) { cleanup(); resolve() } }
      const onAbort = (): void => { cleanup(); reject(signal.reason ?? new TimeoutError(`the hub did not join ${topic} within ${timeoutMs} ms`)) }
      const cleanup = (): void => {
        pubsub.removeEventListener('subscription-change', check)
        signal.removeEventListener('abort', onAbort)
      }
      pubsub.addEventListener('subscription-change', check)
      signal.addEventListener('abort', onAbort, { once: true })
      check()
    })
  }

  // --- delivery -------------------------------------------------------------

  private onLive (msg: Message): void {
    if (msg.type !== 'signed') return
    this.deliver(msg.topic, msg.from.toString(), msg.data, false)
  }

  /** Replayed messages are checked and delivered one after another, in the hub's order. */
  private historyChain: Promise<void> = Promise.resolve()

  private onHistory (h: History): void {
    this.historyChain = this.historyChain.then(async () => {
      let from: string
      try {
        from = await verifyHistory(h)
      } catch (err) {
        this.safeDispatchEvent('dropped', { detail: { topic: h.topic, from: '?', reason: (err as Error).message } })
        return
      }
      this.deliver(h.topic, from, h.data, true)
    })
  }

  private async deliverSealed (topic: string, from: string, data: Uint8Array, replayed: boolean): Promise<void> {
    const state = this.topics.get(topic)
    const sealing = this.sealing
    if (state?.sealedFrom == null || sealing == null) return
    let env
    try {
      env = decodeEnvelope(data, this.maxPayloadBytes)
    } catch (err) {
      this.countDrop(topic, from, err)
      return
    }
    const id = idHex(env.id)
    if (state.seen.has(id)) return
    if (env.sealed == null || env.sealed.byteLength === 0) {
      this.countDrop(topic, from, { reason: 'not-sealed' })
      return
    }
    let opened, sequence
    try {
      ({ opened, sequence } = await sealing.open({ kind: 'topic', name: topic }, env.sealed, this.fetchCard, { replayed, accept: state.sealedFrom }))
    } catch (err) {
      this.countDrop(topic, from, err instanceof NotFromAcceptedSenderError ? { reason: 'wrong-sender' } : err)
      return
    }
    // the seal's sender must be the signed gossipsub originator, and the seal's id the envelope's
    if (opened.sender.toString() !== from || idHex(opened.id) !== id) {
      this.countDrop(topic, from, { reason: 'sender-mismatch' })
      return
    }
    if (!state.seen.add(id)) return
    const prevId = state.lastId
    state.lastId = id
    if (sequence.status === 'gap') {
      this.safeDispatchEvent('gap', { detail: { topic, from, missing: sequence.gap } })
      // ask the hub's history for what came after the last message delivered before the gap
      if (this.session != null) {
        void ask(this.session, { subscribe: { topic, sinceId: prevId } }, { timeoutMs: DEFAULT_PUBLISH_TIMEOUT_MS })
          .catch((err: Error) => { log.error('asking the history for a gap on %s failed: %s', topic, err.message) })
      }
    }
    this.handOut(state, delivery(topic, from, id, env, opened.payload, replayed, true))
  }

  private handOut (state: TopicState, delivery: Delivery): void {
    for (const handler of state.handlers) {
      try {
        handler(delivery)
      } catch (err) {
        log.error('a message handler on %s threw: %s', delivery.topic, (err as Error).message)
      }
    }
  }

  private deliver (topic: string, from: string, data: Uint8Array, replayed: boolean): void {
    const state = this.topics.get(topic)
    if (state == null) return
    if (state.sealedFrom != null) {
      // opening is async: keep arrival order with one chain
      this.openChain = this.openChain.then(async () => { await this.deliverSealed(topic, from, data, replayed) })
      return
    }
    if (state.from != null && !state.from.has(from)) {
      this.safeDispatchEvent('dropped', { detail: { topic, from, reason: 'publisher not in this subscription\'s from list' } })
      return
    }
    let env
    try {
      env = decodeEnvelope(data, this.maxPayloadBytes)
    } catch (err) {
      this.safeDispatchEvent('dropped', { detail: { topic, from, reason: (err as Error).message } })
      return
    }
    const id = idHex(env.id)
    if (!state.seen.add(id)) return
    state.lastId = id
    this.handOut(state, delivery(topic, from, id, env, env.body, replayed, false))
  }
}

/**
 * Checks a replayed message's signature exactly as gossipsub checks a live
 * one (StrictSign: "libp2p-pubsub:" + the protobuf Message without signature
 * and key, signed by the key of `from`), so a hub cannot forge history.
 * Returns the originator's PeerId.
 */
export async function verifyHistory (h: History): Promise<string> {
  const peer = peerIdFromMultihash(Digest.decode(h.from))
  const key = peer.publicKey ?? publicKeyFromProtobuf(h.key)
  if (peer.publicKey == null && !peer.equals(peerIdFromMultihash(key.toMultihash()))) throw new ProtocolError('replayed message: key does not match from')
  const bytes = concat(SIGN_PREFIX, RPC.Message.encode({ from: h.from, data: h.data, seqno: h.seqno, topic: h.topic }))
  const ok = await key.verify(bytes, h.signature)
  if (ok !== true) throw new ProtocolError('replayed message: bad signature')
  return peer.toString()
}

/** A request whose Failure becomes the typed error the hub raised. */
async function ask (session: Session, body: RequestBody, opts: RequestOptions): Promise<Response> {
  const res = await session.request(body, opts)
  if (res.error != null) throw errorOf(res.error)
  return res
}

/** What a handler gets: the envelope's metadata and the (opened) payload. */
function delivery (topic: string, from: string, id: string, env: Envelope, body: Uint8Array, replayed: boolean, sealed: boolean): Delivery {
  return {
    topic,
    from,
    id,
    time: Number(env.time),
    receivedAt: Date.now(),
    contentType: env.contentType,
    data: body,
    replayed,
    sealed,
    json: <T>() => JSON.parse(new TextDecoder().decode(body)) as T
  }
}

/** A sealed call's reply, inside the seal: one byte (1 = result, 0 = error) then the result or the one-line error. */
function sealedReply (ok: boolean, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.byteLength)
  out[0] = ok ? 1 : 0
  out.set(body, 1)
  return out
}

function readSealedReply (bytes: Uint8Array): [boolean, Uint8Array] {
  if (bytes.byteLength < 1 || bytes[0] > 1) throw new ProtocolError('a sealed reply without its result/error marker')
  return [bytes[0] === 1, bytes.subarray(1)]
}

function oneLineOf (err: unknown): string {
  const text = err instanceof Error ? err.message : 'the handler failed'
  return (text.split(/\r?\n/).find(l => l.trim() !== '') ?? 'the handler failed').trim().slice(0, 500)
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a, 0)
  out.set(b, a.byteLength)
  return out
}

function timeoutOr (err: unknown, signal: AbortSignal, message: string): unknown {
  if (err instanceof NotAuthorizedError) return err
  if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') return new TimeoutError(message)
  return err
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}
