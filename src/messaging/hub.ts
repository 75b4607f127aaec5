/**
 * The hub: Crossbar's router, the libp2p way. It listens on an onion service
 * and enforces the realm, per peer and per action:
 * - connect: a peer no role names is refused right after noise proves its
 *   PeerId, before any protocol stream (the connection gater, node.ts);
 * - publish: its gossipsub validator judges every message, on every topic,
 *   by its originator (the signed `from`), never by the peer that forwarded
 *   it; a refused message is never forwarded, stored or acknowledged;
 * - subscribe: the session's Subscribe is refused without the right, and the
 *   gossipsub guard (gossip.ts) keeps the topic's messages from that peer;
 * - register and call: the Dealer (dealer.ts) routes calls to the member that
 *   registered the URI over that member's own outbound connection.
 * It also retains history per the realm (history.ts), and peers with the
 * realm's other hubs so that their members form one mesh.
 *
 * The hub is a facade over a libp2p node made by `createHubNode` (node.ts);
 * it knows nothing of chat, webhooks or the CLI.
 */
import { TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { TypedEventEmitter } from 'main-event'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { Dealer } from './dealer.js'
import { decodeEnvelope, idHex } from './envelope.js'
import { InvalidUriError, NoSuchProcedureError, NotAuthorizedError, ProtocolError, RpcError } from './errors.js'
import { NoCardError } from './sealing.js'
import { newerCard, verifyCard, type KeyCard } from '../seal/index.js'
import { EveryTopic, guardGossipsub, TopicValidatorResult } from './gossip.js'
import { HistoryStore, type HistoryRecord } from './history.js'
import { HUB_PROTOCOL, Session } from './session.js'
import { validateUri } from './uri.js'
import type { MessagingNode } from './node.js'
import type { Realm } from './realm.js'
import type { Request, Response } from './wire-pb.js'
import { RPC } from '@libp2p/gossipsub/message'
import type { Message, SignedMessage } from '@libp2p/gossipsub'
import type { PeerId, Stream, Connection } from '@libp2p/interface'

const log = logger('p2p-tor:hub')

/** At most this many topics joined by one hub (each costs gossipsub state). */
export const MAX_HUB_TOPICS = 10_000
/** Verdicts kept for acknowledgements, and for how long. */
const VERDICTS_MAX = 20_000
const VERDICT_TTL_MS = 120_000
/** A publish acknowledgement waits at most this long for the message. */
export const MAX_ACK_WAIT_MS = 60_000

export interface HubEvents {
  /** A peer was refused something (connect, subscribe, publish, call, register). */
  refused: CustomEvent<{ peer: string, action: string, uri?: string }>
  /** The realm was reloaded; `disconnected` lists the peers it removed. */
  'realm:reloaded': CustomEvent<{ disconnected: string[] }>
  'session:open': CustomEvent<{ peer: string }>
  'session:close': CustomEvent<{ peer: string }>
}

export interface HubInit {
  /** Where retained history lives (a classic-level store). Without it, history is not kept. */
  historyDir?: string
  /** How often retained topics are trimmed by age when nothing new arrives. @default 60 s */
  trimIntervalMs?: number
  /**
   * A test hook: every byte the hub sends a member, session frames and
   * gossipsub RPCs alike (the e2e tier searches it for sealed plaintext).
   */
  record?: (peer: string, bytes: Uint8Array) => void
}

type Verdict = 'accepted' | 'refused'

export class Hub extends TypedEventEmitter<HubEvents> {
  readonly node: MessagingNode
  private realm: Realm
  private readonly dealer: Dealer
  private readonly sessions = new Map<string, Set<Session>>()
  private readonly verdicts = new Map<string, { verdict: Verdict, at: number }>()
  private readonly verdictWaiters = new Map<string, Set<(v: Verdict) => void>>()
  private readonly guard: { evict: (peer: string, topic: string) => void }
  private history?: HistoryStore
  private readonly stopController = new AbortController()
  private readonly pendingWrites = new Set<Promise<void>>()
  /** Each realm peer's newest key card (verified against its PeerId); bounded by the realm's peers. */
  private readonly cards = new Map<string, KeyCard>()
  /** Topics with retained messages, trimmed by age on a timer (append trims only its own topic). */
  private readonly retainedTopics = new Set<string>()
  private trimTimer?: ReturnType<typeof setInterval>

  private readonly record?: (peer: string, bytes: Uint8Array) => void

  private constructor (node: MessagingNode, realm: Realm, init: HubInit = {}) {
    super()
    this.node = node
    this.realm = realm
    this.record = init.record
    this.dealer = new Dealer({
      authorizer: { may: (peer, action, uri) => this.realm.may(peer, action, uri) },
      limits: () => this.realm.limits
    })
    const pubsub = node.services.pubsub
    this.guard = guardGossipsub(pubsub, {
      mayReceive: (peer, topic) => this.realm.may(peer, 'subscribe', topic),
      mayPublish: (peer, topic) => this.realm.may(peer, 'publish', topic),
      onSend: init.record == null ? undefined : (peer, rpc) => { init.record?.(peer, RPC.encode(rpc as RPC)) },
      onRefused: (peer, topic, what) => {
        log('refused gossipsub %s of %s on %s', what, peer, topic)
        this.safeDispatchEvent('refused', { detail: { peer, action: 'subscribe', uri: topic } })
      }
    })
    pubsub.topicValidators = new EveryTopic((source, msg) => this.validate(source, msg))
    pubsub.addEventListener('message', (evt) => { this.retain(evt.detail) })
  }

  /**
   * Starts the hub on a node made by createHubNode (not yet started, or
   * started): registers the session protocol, opens the history store,
   * starts the node, and joins the realm's other hubs.
   */
  static async start (node: MessagingNode, realm: Realm, init: HubInit = {}): Promise<Hub> {
    const hub = new Hub(node, realm, init)
    if (init.historyDir != null) {
      hub.history = await HistoryStore.open(init.historyDir)
      hub.trimTimer = setInterval(() => { hub.trimByAge() }, init.trimIntervalMs ?? 60_000)
      hub.trimTimer.unref()
    }
    await node.handle(HUB_PROTOCOL, (stream, connection) => { hub.onSession(stream, connection) }, {
      maxInboundStreams: 4,
      maxOutboundStreams: 1
    })
    if (node.status !== 'started') await node.start()
    return hub
  }

  /** The hub's addresses to hand to members (`/onion3/...:port/p2p/...`). */
  get multiaddrs (): string[] {
    return this.node.getMultiaddrs().map(ma => ma.toString())
  }

  get peerId (): string {
    return this.node.peerId.toString()
  }

  /**
   * Puts a new realm in force at once: peers it no longer names are
   * disconnected (and the gater keeps them out), subscriptions it no longer
   * allows are evicted from gossipsub, registrations it no longer allows are
   * dropped. Returns the peers that were disconnected.
   */
  async reload (realm: Realm): Promise<string[]> {
    this.realm = realm
    const disconnected: string[] = []
    for (const conn of this.node.getConnections()) {
      const peer = conn.remotePeer.toString()
      if (realm.knows(peer)) continue
      disconnected.push(peer)
      this.cards.delete(peer)
      this.dealer.dropPeer(peer)
      for (const s of this.sessions.get(peer) ?? []) s.abort(new NotAuthorizedError('*', 'subscribe', 'removed from the realm'))
      await conn.close().catch(() => { conn.abort(new Error('removed from the realm')) })
    }
    const pubsub = this.node.services.pubsub
    for (const topic of pubsub.getTopics()) {
      for (const peer of pubsub.getSubscribers(topic)) {
        const id = peer.toString()
        if (!realm.may(id, 'subscribe', topic)) this.guard.evict(id, topic)
      }
    }
    const unregistered = this.dealer.revalidate()
    if (unregistered.length > 0) log('the new realm dropped registrations of %s', unregistered.join(', '))
    this.safeDispatchEvent('realm:reloaded', { detail: { disconnected: [...new Set(disconnected)] } })
    return disconnected
  }

  /** Is this (connecting) peer allowed to connect at all? Used by the gater. */
  knows (peer: string): boolean {
    return this.realm.knows(peer)
  }

  async stop (): Promise<void> {
    this.stopController.abort()
    clearInterval(this.trimTimer)
    for (const set of this.sessions.values()) for (const s of set) s.close()
    await this.node.stop()
    await Promise.allSettled([...this.pendingWrites])
    await this.history?.close()
  }

  // --- pubsub ---------------------------------------------------------------

  /** gossipsub's validator, for every topic: the originator's publish right. */
  private validate (_source: PeerId, msg: Message): TopicValidatorResult {
    if (msg.type !== 'signed') return TopicValidatorResult.Reject
    const from = msg.from.toString()
    let id: string
    try {
      id = idHex(decodeEnvelope(msg.data, this.realm.limits.maxPayloadBytes).id)
    } catch {
      return TopicValidatorResult.Reject
    }
    const ok = this.realm.may(from, 'publish', msg.topic)
    this.recordVerdict(id, ok ? 'accepted' : 'refused')
    if (!ok) {
      log('dropped a publish by %s on %s: no publish right', from, msg.topic)
      this.safeDispatchEvent('refused', { detail: { peer: from, action: 'publish', uri: msg.topic } })
      return TopicValidatorResult.Reject
    }
    return TopicValidatorResult.Accept
  }

  private recordVerdict (id: string, verdict: Verdict): void {
    this.verdicts.set(id, { verdict, at: Date.now() })
    if (this.verdicts.size > VERDICTS_MAX) {
      const cutoff = Date.now() - VERDICT_TTL_MS
      for (const [k, v] of this.verdicts) {
        if (v.at >= cutoff && this.verdicts.size <= VERDICTS_MAX) break
        this.verdicts.delete(k)
      }
    }
    for (const w of this.verdictWaiters.get(id) ?? []) w(verdict)
    this.verdictWaiters.delete(id)
  }

  private async waitVerdict (id: string, timeoutMs: number, signal: AbortSignal): Promise<Verdict> {
    const known = this.verdicts.get(id)
    if (known != null) return known.verdict
    return await new Promise<Verdict>((resolve, reject) => {
      const waiters = this.verdictWaiters.get(id) ?? new Set()
      if (waiters.size === 0 && this.verdictWaiters.size >= VERDICTS_MAX) {
        reject(new ProtocolError('too many acknowledgements pending at the hub; retry later'))
        return
      }
      const done = (v: Verdict): void => { cleanup(); resolve(v) }
      const onAbort = (): void => { cleanup(); reject(signal.reason) }
      const timer = setTimeout(() => { cleanup(); reject(new TimeoutError(`the hub did not receive message ${id} within ${timeoutMs} ms`)) }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        waiters.delete(done)
        if (waiters.size === 0) this.verdictWaiters.delete(id)
      }
      waiters.add(done)
      this.verdictWaiters.set(id, waiters)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Joins a topic's mesh (the hub is in every topic's mesh that a member uses). */
  private join (topic: string): void {
    const pubsub = this.node.services.pubsub
    if (pubsub.getTopics().includes(topic)) return
    if (pubsub.getTopics().length >= MAX_HUB_TOPICS) throw new ProtocolError(`the hub already carries ${MAX_HUB_TOPICS} topics; it cannot join ${topic}`)
    pubsub.subscribe(topic)
  }

  private trimByAge (): void {
    const history = this.history
    if (history == null) return
    for (const topic of this.retainedTopics) {
      const policy = this.realm.historyPolicy(topic)
      if (policy?.maxAgeSeconds == null) continue
      const t = history.trim(topic, policy)
        .catch((err: Error) => { log.error('history trim on %s failed: %s', topic, err.message) })
        .finally(() => { this.pendingWrites.delete(t) })
      this.pendingWrites.add(t)
    }
  }

  /** Stores an accepted message if the realm retains its topic. */
  private retain (msg: Message): void {
    if (this.history == null || msg.type !== 'signed') return
    const policy = this.realm.historyPolicy(msg.topic)
    if (policy == null) return
    let rec: Omit<HistoryRecord, 'topic'>
    try {
      const env = decodeEnvelope(msg.data, this.realm.limits.maxPayloadBytes)
      rec = {
        id: env.id,
        time: Date.now(),
        from: msg.from.toMultihash().bytes,
        data: msg.data,
        seqno: seqnoBytes(msg),
        signature: msg.signature,
        key: publicKeyToProtobuf(msg.key)
      }
    } catch (err) {
      log.error('not retaining a message on %s: %s', msg.topic, (err as Error).message)
      return
    }
    this.retainedTopics.add(msg.topic)
    const write = this.history.append(msg.topic, rec, policy)
      .catch((err: Error) => { log.error('history append on %s failed: %s', msg.topic, err.message) })
      .finally(() => { this.pendingWrites.delete(write) })
    this.pendingWrites.add(write)
  }

  // --- sessions -------------------------------------------------------------

  private onSession (stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    if (!this.realm.knows(peer)) {
      stream.abort(new NotAuthorizedError('*', 'subscribe', 'not in the realm'))
      return
    }
    const record = this.record
    const session = new Session(stream, {
      remotePeer: peer,
      maxFrameBytes: this.realm.limits.maxPayloadBytes + 64 * 1024,
      onSend: record == null ? undefined : (frame) => { record(peer, frame) }
    })
    // one session per peer: a member that reconnects opens a new one before
    // the hub may have noticed that the old connection died (over Tor that
    // can take a while), and its re-registrations must not collide with it
    for (const old of this.sessions.get(peer) ?? []) {
      this.dealer.sessionClosed(peer, old)
      old.abort(new ProtocolError('replaced by a newer session of the same peer'))
    }
    let set = this.sessions.get(peer)
    if (set == null) { set = new Set(); this.sessions.set(peer, set) }
    set.add(session)
    this.safeDispatchEvent('session:open', { detail: { peer } })
    session.onRequest(async (req, ctx) => await this.onRequest(peer, session, req, ctx.signal))
    void session.closed.then(() => {
      set?.delete(session)
      if (set?.size === 0 && this.sessions.get(peer) === set) this.sessions.delete(peer)
      this.dealer.sessionClosed(peer, session)
      this.safeDispatchEvent('session:close', { detail: { peer } })
    })
  }

  private async onRequest (peer: string, session: Session, req: Request, signal: AbortSignal): Promise<Omit<Response, 'id'>> {
    const rpc = this.dealer.handle(peer, session, req, signal)
    if (rpc != null) {
      try {
        return await rpc
      } catch (err) {
        this.noteRefusal(peer, err)
        throw err
      }
    }
    try {
      return await this.onPubsubRequest(peer, session, req, signal)
    } catch (err) {
      this.noteRefusal(peer, err)
      throw err
    }
  }

  private noteRefusal (peer: string, err: unknown): void {
    if (err instanceof NotAuthorizedError) this.safeDispatchEvent('refused', { detail: { peer, action: err.action, uri: err.uri } })
  }

  private async onPubsubRequest (peer: string, session: Session, req: Request, signal: AbortSignal): Promise<Omit<Response, 'id'>> {
    if (req.subscribe != null) {
      const { topic } = req.subscribe
      checkUri(topic)
      if (!this.realm.may(peer, 'subscribe', topic)) throw new NotAuthorizedError(topic, 'subscribe')
      this.join(topic)
      let replayed = 0
      if (this.history != null && (req.subscribe.sinceId != null || req.subscribe.sinceTime != null)) {
        // writes still in flight belong to the replay too
        await Promise.allSettled([...this.pendingWrites])
        const records = await this.history.since(topic, {
          afterId: req.subscribe.sinceId,
          sinceTime: req.subscribe.sinceTime != null ? Number(req.subscribe.sinceTime) : undefined
        })
        for (const r of records) {
          if (signal.aborted) break
          session.sendHistory({ requestId: req.id, topic, from: bytes(r.from), data: bytes(r.data), seqno: bytes(r.seqno), signature: bytes(r.signature), key: bytes(r.key) })
          replayed++
        }
      }
      return { replayed }
    }
    if (req.unsubscribe != null) {
      checkUri(req.unsubscribe.topic)
      return {}
    }
    if (req.publishIntent != null) {
      const { topic } = req.publishIntent
      checkUri(topic)
      if (!this.realm.may(peer, 'publish', topic)) throw new NotAuthorizedError(topic, 'publish')
      this.join(topic)
      return {}
    }
    if (req.putCard != null) {
      // the card must be signed by the session's own PeerId: nobody publishes a key for another
      let card: KeyCard
      try {
        card = await verifyCard(req.putCard.card, peer)
      } catch (err) {
        throw new RpcError('', `the hub refused this key card: ${(err as Error).message}`, 'BAD_CARD')
      }
      const had = this.cards.get(peer)
      this.cards.set(peer, had == null ? card : newerCard(had, card))
      return {}
    }
    if (req.getCard != null) {
      const card = this.cards.get(req.getCard.peer)
      if (card == null) throw new RpcError('', new NoCardError(req.getCard.peer).message, 'NO_CARD')
      return { result: card.bytes }
    }
    if (req.whoHolds != null) {
      const { uri } = req.whoHolds
      checkUri(uri)
      if (!this.realm.may(peer, 'call', uri)) throw new NotAuthorizedError(uri, 'call')
      const holder = this.dealer.holderOf(uri)
      if (holder == null) throw new NoSuchProcedureError(uri)
      return { result: new TextEncoder().encode(holder) }
    }
    if (req.publishAck != null) {
      const { topic, envelopeId, timeoutMs } = req.publishAck
      checkUri(topic)
      const wait = Math.min(Math.max(timeoutMs, 1), MAX_ACK_WAIT_MS)
      const verdict = await this.waitVerdict(idHex(envelopeId), wait, signal)
      if (verdict === 'refused') throw new NotAuthorizedError(topic, 'publish')
      return {}
    }
    throw new ProtocolError('unknown request kind')
  }
}

function checkUri (uri: string): void {
  try {
    validateUri(uri)
  } catch (err) {
    if (err instanceof InvalidUriError) throw err
    throw new InvalidUriError(uri, (err as Error).message)
  }
}

/** The store's bytes, typed as the codec wants them (no copy). */
function bytes (b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b as Uint8Array<ArrayBuffer>
}

/** gossipsub's 8-byte big-endian sequence number. */
function seqnoBytes (msg: SignedMessage): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, msg.sequenceNumber)
  return out
}

