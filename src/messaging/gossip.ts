/**
 * gossipsub (@libp2p/gossipsub 17) tuned for a hub-and-members network over
 * Tor, and the hub's per-peer guard.
 *
 * The topology is a star per hub: members dial their hub (they have no onion
 * service, so nobody can dial them), and hubs peer with each other as
 * gossipsub "direct peers". Every message therefore passes a hub, and the
 * hub is where the realm is enforced.
 *
 * gossipsub cannot filter subscriptions per peer: its subscription filter
 * (`allowedTopics`) sees topics, not PeerIds, and `handleIWant` serves any
 * cached message to whoever names its id. So the hub wraps methods of its
 * own gossipsub instance (`guardGossipsub`):
 * - incoming: a SUBSCRIBE or GRAFT for a topic the peer may not subscribe to
 *   is dropped before gossipsub sees it, so the peer never enters that topic's
 *   peer set or mesh;
 * - outgoing: every RPC to a peer loses the messages, IHAVE ids and
 *   subscription announcements of topics that peer may neither subscribe to
 *   nor publish on. This is the last door every byte to a peer passes
 *   (`sendRpc`, `sendRpcInBatch`, piggybacked gossip), so it also stops an
 *   IWANT for a guessed message id.
 * These are methods of gossipsub's class, not its public API: the version is
 * pinned (~17.1) and test/fake/messaging/guard.spec.ts fails if a change of
 * gossipsub lets a topic's message reach a peer without the right.
 */
import { TopicValidatorResult, type GossipsubOpts, type GossipSub, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

/** Options every p2p-tor gossipsub node uses, hub or member. */
function common (maxMessageBytes: number): Partial<GossipsubOpts> {
  return {
    // the signed `from` is the originator, which is what the hub judges;
    // an unsigned message has no one to judge
    globalSignaturePolicy: 'StrictSign',
    // no floodsub: every peer here speaks gossipsub
    fallbackToFloodsub: false,
    // peer exchange would hand members each other's addresses; members talk
    // to hubs only
    doPX: false,
    emitSelf: false,
    // one stream per peer, and each RPC and each message in it is handled in
    // the order it arrived: that is what makes delivery in order per
    // publisher (the signature check is async and would otherwise reorder)
    awaitRpcHandler: true,
    awaitRpcMessageHandler: true,
    // an IHAVE's promised message can take several Tor round trips (a Tor
    // RTT is 0.3–2 s on a loaded circuit); the default 3 s would penalise
    // honest peers for Tor's latency
    gossipsubIWantFollowupMs: 12_000,
    // Tor hides addresses: inbound peers share tor's loopback address or an
    // onion one, so IP colocation says nothing but would penalise a hub with
    // many members
    scoreParams: { IPColocationFactorWeight: 0 },
    // the realm decides who may talk; scores only keep gossipsub's own
    // protection against misbehaving protocol use
    maxInboundDataLength: maxMessageBytes,
    // members connect to hubs only, and they are named in advance
    tagMeshPeers: true
  }
}

/**
 * A member: its only gossipsub peers are its hub(s). The defaults graft
 * them at once (mesh degree 6 > the 1–3 hubs it has).
 */
export function memberGossipsubOptions (maxMessageBytes: number): Partial<GossipsubOpts> {
  return {
    ...common(maxMessageBytes),
    // a publish goes to every hub subscribed to the topic, not a random few
    floodPublish: true,
    // the PRUNE a member sends when it leaves a topic asks for a short
    // backoff only: it may rejoin at once (a restart)
    unsubcribeBackoff: 1000
  }
}

/**
 * A hub: every authorized subscriber is in the topic's mesh, so a message
 * reaches each of them in one hop, never through gossip's IHAVE/IWANT round
 * trips (two more Tor RTTs). gossipsub grafts a new subscriber at once only
 * while the mesh is under Dlo, and prunes above Dhi, so both are set far
 * above any hub's member count. No lazy gossip: there is nobody outside the
 * mesh who should get it.
 */
export function hubGossipsubOptions (maxMessageBytes: number, directPeers: GossipsubOpts['directPeers'] = []): Partial<GossipsubOpts> {
  return {
    ...common(maxMessageBytes),
    D: 4096,
    Dlo: 4096,
    Dhi: 8192,
    Dscore: 0,
    Dout: 0,
    Dlazy: 0,
    gossipFactor: 0,
    floodPublish: true,
    // other hubs of the realm: they get every message of every topic they
    // subscribe to, and gossipsub keeps dialling them (directConnectTicks)
    directPeers,
    directConnectTicks: 15
  }
}

/** What the guard asks the realm. */
export interface GuardPolicy {
  /** May `peer` receive the messages of `topic`? (subscribe right, or a hub) */
  mayReceive: (peer: string, topic: string) => boolean
  /** May `peer` publish on `topic`? (it then needs to see the hub's subscription) */
  mayPublish: (peer: string, topic: string) => boolean
  /** Told of each refused subscription, for the hub's log and events. */
  onRefused?: (peer: string, topic: string, what: 'subscribe' | 'graft') => void
  /** A test hook: each RPC as sent to a peer, after filtering (the e2e tier records what a hub forwards). */
  onSend?: (peer: string, rpc: unknown) => void
}

interface RpcLike {
  subscriptions?: Array<{ topic?: string, subscribe?: boolean }>
  messages?: Array<{ topic?: string }>
  control?: {
    ihave?: Array<{ topicID?: string }>
    graft?: Array<{ topicID?: string }>
  }
}

interface GossipSubInternals {
  doAddBackoff: (id: string, topic: string, intervalMs: number) => void
  selectPeersToForward: (topic: string, propagationSource?: string, excludePeers?: Set<string>) => Set<string>
  streamsOutbound: Map<string, unknown>
  handleReceivedRpc: (from: PeerId, rpc: RpcLike) => Promise<void>
  sendRpc: (id: string, rpc: RpcLike) => boolean
  sendRpcInBatch: (tosend: Set<string>, rpc: RpcLike) => void
  piggybackGossip: (id: string, rpc: RpcLike, ihave: Array<{ topicID?: string }>) => void
  topics: Map<string, Set<string>>
  mesh: Map<string, Set<string>>
}

/**
 * Wraps the hub's gossipsub so that the realm decides, per peer, what it may
 * join and what it is sent. Returns `forget(peer, topic)`, which removes a
 * peer from a topic's peer set and mesh (after a revocation).
 */
export function guardGossipsub (pubsub: GossipSub, policy: GuardPolicy): { evict: (peer: string, topic: string) => void } {
  const gs = pubsub as unknown as GossipSubInternals
  for (const name of ['handleReceivedRpc', 'sendRpc', 'sendRpcInBatch', 'piggybackGossip', 'doAddBackoff', 'selectPeersToForward'] as const) {
    if (typeof gs[name] !== 'function') {
      throw new Error(`@libp2p/gossipsub no longer has ${name}(); the hub's per-peer guard cannot be installed (pin @libp2p/gossipsub ~17.1)`)
    }
  }
  const handleReceivedRpc = gs.handleReceivedRpc.bind(gs)
  const sendRpc = gs.sendRpc.bind(gs)
  const sendRpcInBatch = gs.sendRpcInBatch.bind(gs)
  const piggybackGossip = gs.piggybackGossip.bind(gs)
  const mayAnnounce = (peer: string, topic: string): boolean => policy.mayReceive(peer, topic) || policy.mayPublish(peer, topic)

  gs.handleReceivedRpc = async (from, rpc) => {
    const peer = from.toString()
    if (rpc.subscriptions != null) {
      rpc.subscriptions = rpc.subscriptions.filter(s => {
        if (s.subscribe !== true || s.topic == null || policy.mayReceive(peer, s.topic)) return true
        policy.onRefused?.(peer, s.topic, 'subscribe')
        return false
      })
    }
    if (rpc.control?.graft != null) {
      rpc.control.graft = rpc.control.graft.filter(g => {
        if (g.topicID == null || policy.mayReceive(peer, g.topicID)) return true
        policy.onRefused?.(peer, g.topicID, 'graft')
        return false
      })
    }
    await handleReceivedRpc(from, rpc)
  }

  const filterOut = (peer: string, rpc: RpcLike): RpcLike => ({
    ...rpc,
    subscriptions: rpc.subscriptions?.filter(s => s.topic != null && mayAnnounce(peer, s.topic)),
    messages: rpc.messages?.filter(m => m.topic != null && policy.mayReceive(peer, m.topic)) ?? [],
    control: rpc.control == null
      ? undefined
      : { ...rpc.control, ihave: rpc.control.ihave?.filter(i => i.topicID != null && policy.mayReceive(peer, i.topicID)) }
  })

  gs.sendRpc = (id, rpc) => {
    const out = filterOut(id, rpc)
    policy.onSend?.(id, out)
    return sendRpc(id, out)
  }
  gs.piggybackGossip = (id, rpc, ihave) => {
    piggybackGossip(id, rpc, ihave.filter(i => i.topicID != null && policy.mayReceive(id, i.topicID)))
  }
  gs.sendRpcInBatch = (tosend, rpc) => {
    for (const id of tosend) {
      if (rpc.messages?.some(m => m.topic == null || !policy.mayReceive(id, m.topic)) === true) {
        tosend.delete(id)
        gs.sendRpc(id, rpc)
      }
    }
    for (const id of tosend) policy.onSend?.(id, rpc)
    sendRpcInBatch(tosend, rpc)
  }

  // No PRUNE backoff at the hub. A member that leaves a topic sends PRUNE
  // with a backoff (10 s by default), and gossipsub would then refuse to put
  // it back in the mesh for that long: a builder restarted at once (same
  // PeerId) was acknowledged messages it never received live. At the centre
  // of a star, the realm decides who is in a topic, not backoff.
  gs.doAddBackoff = () => {}

  // Every subscriber of a topic gets its messages, not only the mesh: a
  // member that left and rejoined can sit outside the mesh for a heartbeat
  // or more (a late PRUNE, the member's own backoff refusing our GRAFT), and
  // a message forwarded meanwhile was lost. The peer set only ever holds
  // subscribers the guard let in, and sendRpc filters again.
  const selectPeersToForward = gs.selectPeersToForward.bind(gs)
  gs.selectPeersToForward = (topic, propagationSource, excludePeers) => {
    const out = selectPeersToForward(topic, propagationSource, excludePeers)
    for (const id of gs.topics.get(topic) ?? []) {
      if (id !== propagationSource && excludePeers?.has(id) !== true && gs.streamsOutbound.has(id)) out.add(id)
    }
    return out
  }

  return {
    evict: (peer, topic) => {
      gs.topics.get(topic)?.delete(peer)
      gs.mesh.get(topic)?.delete(peer)
    }
  }
}

/**
 * A topicValidators map that answers every topic with one validator, so the
 * hub judges messages on topics it never heard of too (gossipsub accepts any
 * topic that has no validator). Bounded: it stores nothing.
 */
export class EveryTopic extends Map<string, (peer: PeerId, msg: Message) => TopicValidatorResult | Promise<TopicValidatorResult>> {
  constructor (private readonly validator: (peer: PeerId, msg: Message) => TopicValidatorResult | Promise<TopicValidatorResult>) {
    super()
  }

  override get (): (peer: PeerId, msg: Message) => TopicValidatorResult | Promise<TopicValidatorResult> {
    return this.validator
  }

  override has (): boolean {
    return true
  }
}

export { TopicValidatorResult }
