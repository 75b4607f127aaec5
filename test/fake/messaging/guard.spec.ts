/**
 * The hub's per-peer gossipsub guard (src/messaging/gossip.ts), on real
 * gossipsub 17 over TCP on 127.0.0.1 (no tor: this is about gossipsub's
 * internals, which the guard wraps). If a new gossipsub stops calling the
 * wrapped methods, these tests fail: that is their job.
 *
 * A hub, a publisher P, authorized subscribers B and D (B may not publish),
 * and a subscriber C that has no right at all but speaks raw gossipsub (it
 * skips the session's refusal and subscribes directly).
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, type GossipSub, type Message } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { guardGossipsub, hubGossipsubOptions, memberGossipsubOptions, EveryTopic, TopicValidatorResult } from '../../../src/messaging/gossip.js'

type Node = Libp2p<{ pubsub: GossipSub }>

async function node (hub: boolean): Promise<Node> {
  return await createLibp2p({
    addresses: { listen: hub ? ['/ip4/127.0.0.1/tcp/0'] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub(hub ? hubGossipsubOptions(65536) : memberGossipsubOptions(65536)) }
  }) as unknown as Node
}

async function until (what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('fake: the hub\'s gossipsub guard keeps a topic from a peer without the subscribe right', function () {
  this.timeout(30_000)
  const TOPIC = 'webhook.github.push'
  let hub: Node, p: Node, b: Node, c: Node, d: Node
  const received = { b: [] as Message[], c: [] as Message[], d: [] as Message[] }
  const hubMsgIds: string[] = []
  const refused: Array<[string, string, string]> = []
  let judged: string[] = []

  before(async () => {
    [hub, p, b, c, d] = await Promise.all([node(true), node(false), node(false), node(false), node(false)])
    const subscribers = new Set([b.peerId.toString(), d.peerId.toString()])
    const publishers = new Set([p.peerId.toString()])
    guardGossipsub(hub.services.pubsub, {
      mayReceive: (peer) => subscribers.has(peer),
      mayPublish: (peer) => publishers.has(peer),
      onRefused: (peer, topic, what) => { refused.push([peer, topic, what]) }
    })
    hub.services.pubsub.topicValidators = new EveryTopic((_src, msg) => {
      const from = msg.type === 'signed' ? msg.from.toString() : '?'
      judged.push(`${msg.topic}:${from}`)
      return publishers.has(from) ? TopicValidatorResult.Accept : TopicValidatorResult.Reject
    })
    hub.services.pubsub.subscribe(TOPIC)
    b.services.pubsub.addEventListener('message', (e) => { received.b.push(e.detail) })
    c.services.pubsub.addEventListener('message', (e) => { received.c.push(e.detail) })
    d.services.pubsub.addEventListener('message', (e) => { received.d.push(e.detail) })
    hub.services.pubsub.addEventListener('gossipsub:message', (e) => { hubMsgIds.push(e.detail.msgId) })
    for (const m of [p, b, c, d]) {
      m.services.pubsub.subscribe(TOPIC)
      await m.dial(hub.getMultiaddrs()[0])
    }
    await until('B and D in the hub\'s mesh', () => ['b', 'd'].every((_, i) => (hub.services.pubsub as any).getMeshPeers(TOPIC).map(String).includes([b, d][i].peerId.toString())))
    await until('the hub\'s subscription at P', () => p.services.pubsub.getSubscribers(TOPIC).length > 0)
  })

  after(async () => {
    await Promise.all([hub, p, b, c, d].map(async n => { await n?.stop() }))
  })

  it('drops C\'s SUBSCRIBE and GRAFT: C is never in the topic\'s peer set or mesh, and the refusal is reported', async () => {
    const pubsub = hub.services.pubsub
    const cId = c.peerId.toString()
    await until('the refusal of C', () => refused.some(([peer, , what]) => peer === cId && what === 'subscribe'))
    assert.ok(!pubsub.getSubscribers(TOPIC).map(String).includes(cId))
    assert.ok(!(pubsub as any).getMeshPeers(TOPIC).map(String).includes(cId))
    assert.ok(pubsub.getSubscribers(TOPIC).map(String).includes(b.peerId.toString()), 'B, with the right, is a subscriber')
  })

  it('forwards P\'s messages to B and never to C', async () => {
    for (let i = 0; i < 5; i++) await p.services.pubsub.publish(TOPIC, new TextEncoder().encode(`m${i}`))
    await until('5 messages at B', () => received.b.length === 5)
    assert.deepEqual(received.b.map(m => new TextDecoder().decode(m.data)), ['m0', 'm1', 'm2', 'm3', 'm4'])
    // give C every chance: a heartbeat (IHAVE gossip) runs each second
    await new Promise(resolve => setTimeout(resolve, 2500))
    assert.equal(received.c.length, 0)
  })

  it('answers an IWANT for a message of the topic to D but not to C (the answer goes through sendRpc, the last door)', async () => {
    const gs = hub.services.pubsub as any
    const msgIdStr = hubMsgIds[0]
    assert.ok(gs.mcache.msgs.get(msgIdStr) != null, 'the hub still caches P\'s first message')
    // C and D each ask for it by id, exactly as a peer's IWANT arrives
    const iwant = { ihave: [], iwant: [{ messageIDs: [new Uint8Array(Buffer.from(msgIdStr, 'base64'))] }], graft: [], prune: [], idontwant: [] }
    // D has seen it already and would drop a duplicate: forget it at D so that D is a fair control
    ;(d.services.pubsub as any).seenCache.clear()
    ;(d.services.pubsub as any).fastMsgIdCache?.clear?.()
    const dBefore = received.d.length
    await gs.handleControlMessage(c.peerId.toString(), iwant)
    await gs.handleControlMessage(d.peerId.toString(), iwant)
    await until('the control copy at D', () => received.d.length === dBefore + 1)
    assert.equal(new TextDecoder().decode(received.d[received.d.length - 1].data), 'm0')
    await new Promise(resolve => setTimeout(resolve, 500))
    assert.equal(received.c.length, 0)
  })

  it('judges every message by its originator: B, a subscriber without the publish right, is refused and D never sees it', async () => {
    judged = []
    await b.services.pubsub.publish(TOPIC, new TextEncoder().encode('from B'))
    await until('the verdict on B\'s message', () => judged.some(j => j.endsWith(b.peerId.toString())))
    await new Promise(resolve => setTimeout(resolve, 1000))
    assert.ok(!received.d.some(m => new TextDecoder().decode(m.data) === 'from B'), 'a refused publish is never forwarded')
    assert.equal(received.c.length, 0)
  })
})
