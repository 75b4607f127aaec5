/**
 * Messaging on the private Tor network: a hub on client tor 0 and members on
 * client tors 1, 2 and 3, each dial-only (no onion service). Covers the
 * issue's list: delivery with the sender's PeerId, an unauthorized publish
 * and subscribe, an unknown PeerId at connect, revocation while running,
 * routed calls (result, handler error, timeout, cancel, 50 at once), a hub
 * restart, two hubs in one mesh, and history with `since` across a hub
 * restart.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { generateOnionKey } from '../../src/onion/index.js'
import { createHubNode, createMemberNode } from '../../src/messaging/node.js'
import { Hub } from '../../src/messaging/hub.js'
import { Member, type Delivery } from '../../src/messaging/member.js'
import { parseRealm, type Realm } from '../../src/messaging/realm.js'
import { NotAuthorizedError, RpcError } from '../../src/messaging/errors.js'
import { HUB_PROTOCOL } from '../../src/messaging/session.js'
import { getTestnet } from './fixture.js'
import { torOptions } from './helpers.js'
import type { TestnetInfo, TestnetClient } from '../../src/testnet/index.js'
import type { PrivateKey } from '@libp2p/interface'
import type { OnionKey } from '../../src/onion/index.js'

interface Identity { privateKey: PrivateKey, peerId: string }

async function identity (): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519')
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() }
}

async function until (what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('e2e: messaging through a hub on an onion service', function () {
  this.timeout(240_000)

  let net: TestnetInfo
  let dir: string
  const ids: Record<'hub' | 'hub2' | 'pub' | 'pub2' | 'sub1' | 'sub2' | 'rogue' | 'stranger', Identity> = {} as any
  let hubOnion: OnionKey
  let hub: Hub | undefined
  let hubAddr: string
  const members: Member[] = []

  function realmJson (opts: { without?: string[], hubs?: boolean } = {}): unknown {
    const keep = (xs: string[]): string[] => xs.filter(x => !(opts.without ?? []).includes(x))
    return {
      roles: [
        { name: 'publisher', peers: keep([ids.pub.peerId, ids.pub2.peerId]), permissions: [{ uri: 'news.', match: 'prefix', allow: { publish: true } }, { uri: 'svc.', match: 'prefix', allow: { call: true } }] },
        { name: 'subscriber', peers: keep([ids.sub1.peerId, ids.sub2.peerId]), permissions: [{ uri: 'news.', match: 'prefix', allow: { subscribe: true } }, { uri: 'svc.', match: 'prefix', allow: { register: true } }] },
        // known to the hub, with a right on another topic only
        { name: 'rogue', peers: keep([ids.rogue.peerId]), permissions: [{ uri: 'other.topic', allow: { subscribe: true } }] }
      ],
      hubs: opts.hubs === true ? hubsOfRealm : [],
      history: [{ uri: 'news.retained', match: 'exact', limit: 100 }],
      limits: { maxInflightCallsPerPeer: 64, callTimeoutMs: 60_000 }
    }
  }
  let hubsOfRealm: Array<{ peer: string, multiaddr: string }> = []
  let realm: Realm

  async function startHub (client: TestnetClient, who: Identity, onion: OnionKey, r: () => Realm, historyDir: string): Promise<Hub> {
    const node = await createHubNode({ ...torOptions(client), privateKey: who.privateKey, key: onion, port: 7777, realm: r, start: false })
    return await Hub.start(node, r(), { historyDir })
  }

  async function member (client: TestnetClient, who: Identity, hubs: string[]): Promise<Member> {
    const node = await createMemberNode({ ...torOptions(client), privateKey: who.privateKey, hubs })
    const m = await Member.connect(node, { hubs, minBackoffMs: 200, maxBackoffMs: 2000 }, { timeoutMs: 150_000 })
    members.push(m)
    return m
  }

  before(async () => {
    net = await getTestnet()
    assert.ok(net.clients.length >= 4, 'the e2e network has 4 client tors')
    dir = mkdtempSync(join(tmpdir(), 'p2p-tor-messaging-'))
    for (const k of ['hub', 'hub2', 'pub', 'pub2', 'sub1', 'sub2', 'rogue', 'stranger'] as const) ids[k] = await identity()
    hubOnion = generateOnionKey()
    realm = parseRealm(realmJson(), 'test realm')
    hub = await startHub(net.clients[0], ids.hub, hubOnion, () => realm, join(dir, 'history'))
    hubAddr = hub.multiaddrs[0]
    assert.match(hubAddr, /^\/onion3\/[a-z2-7]{56}:7777\/p2p\//)
  })

  after(async () => {
    for (const m of members) {
      await m.close().catch(() => {})
      await m.node.stop()
    }
    await hub?.stop().catch(() => {})
    if (dir != null) rmSync(dir, { recursive: true, force: true })
  })

  let pub: Member, sub1: Member, sub2: Member, rogue: Member
  const got: Record<string, Delivery[]> = { sub1: [], sub2: [], rogue: [] }

  it('three members on three other client tors join without onion services of their own', async () => {
    ;[pub, sub1, sub2] = await Promise.all([
      member(net.clients[1], ids.pub, [hubAddr]),
      member(net.clients[2], ids.sub1, [hubAddr]),
      member(net.clients[3], ids.sub2, [hubAddr])
    ])
    for (const m of [pub, sub1, sub2]) {
      assert.equal(m.connected, true)
      assert.deepEqual(m.node.getMultiaddrs().map(String), [], 'a dial-only member announces no address')
    }
  })

  it('a publish is delivered to 2 subscribers, with the sender\'s PeerId, and acknowledged by the hub', async () => {
    await sub1.subscribe('news.today', (m) => { got.sub1.push(m) })
    await sub2.subscribe('news.today', (m) => { got.sub2.push(m) })
    const { id } = await pub.publish('news.today', enc('hello'), { acknowledge: true })
    await until('both deliveries', () => got.sub1.length === 1 && got.sub2.length === 1, 60_000)
    for (const d of [got.sub1[0], got.sub2[0]]) {
      assert.equal(d.from, ids.pub.peerId)
      assert.equal(d.id, id)
      assert.equal(dec(d.data), 'hello')
      assert.equal(d.topic, 'news.today')
    }
  })

  it('an unauthorized publish is dropped (subscribers never see it) and acknowledge rejects with NotAuthorizedError', async () => {
    rogue = await member(net.clients[1], ids.rogue, [hubAddr])
    await assert.rejects(rogue.publish('news.today', enc('forged'), { acknowledge: true }), (err: any) => {
      assert.ok(err instanceof NotAuthorizedError, String(err))
      assert.equal(err.uri, 'news.today')
      assert.equal(err.action, 'publish')
      return true
    })
    // past the session's refusal: straight into gossipsub, as a hostile member would
    rogue.node.services.pubsub.subscribe('other.topic')
    await (rogue.node.services.pubsub as any).publish('news.today', enc('raw'), { allowPublishToZeroTopicPeers: true }).catch(() => {})
    // a later authorized message arrives, the forged ones never do
    await pub.publish('news.today', enc('after'), { acknowledge: true })
    await until('the next real message', () => got.sub1.length === 2 && got.sub2.length === 2, 60_000)
    assert.deepEqual(got.sub1.map(d => dec(d.data)), ['hello', 'after'])
    assert.deepEqual(got.sub2.map(d => dec(d.data)), ['hello', 'after'])
  })

  it('an unauthorized subscribe is refused, and a raw gossipsub subscribe receives nothing', async () => {
    await assert.rejects(rogue.subscribe('news.today', (m) => { got.rogue.push(m) }), (err: any) => err instanceof NotAuthorizedError && err.action === 'subscribe' && err.uri === 'news.today')
    const raw: unknown[] = []
    rogue.node.services.pubsub.addEventListener('message', (e) => { if (e.detail.topic === 'news.today') raw.push(e.detail) })
    rogue.node.services.pubsub.subscribe('news.today')
    await new Promise(resolve => setTimeout(resolve, 2000))
    await pub.publish('news.today', enc('secret'), { acknowledge: true })
    await until('the subscribers\' copies', () => got.sub1.length === 3 && got.sub2.length === 3, 60_000)
    await new Promise(resolve => setTimeout(resolve, 3000))
    assert.deepEqual(raw, [])
    assert.deepEqual(got.rogue, [])
  })

  it('an unknown PeerId is refused at connect, before any protocol stream', async () => {
    const node = await createMemberNode({ ...torOptions(net.clients[3]), privateKey: ids.stranger.privateKey, hubs: [hubAddr] })
    await node.start()
    try {
      await assert.rejects(node.dialProtocol(multiaddr(hubAddr), HUB_PROTOCOL, { signal: AbortSignal.timeout(120_000) }))
      assert.equal(node.getConnections().length, 0)
    } finally {
      await node.stop()
    }
  })

  it('a call through the hub returns its result; the handler\'s error, a timeout and a cancel reach the other side', async () => {
    const seen: string[] = []
    await sub2.register('svc.upper', async (data) => enc(dec(data).toUpperCase()))
    await sub2.register('svc.fail', async () => { throw new Error('disk full\n    at secret (/home/x/stack.js:1:1)') })
    await sub2.register('svc.slow', async (_data, { signal }) => {
      await new Promise<void>(resolve => { signal.addEventListener('abort', () => { seen.push(`aborted:${String((signal.reason as Error)?.name)}`); resolve() }, { once: true }) })
      return enc('late')
    })
    assert.equal(dec(await pub.call('svc.upper', enc('shout'))), 'SHOUT')

    await assert.rejects(pub.call('svc.fail', enc('')), (err: any) => {
      assert.ok(err instanceof RpcError, String(err))
      assert.equal(err.uri, 'svc.fail')
      assert.match(err.message, /disk full/)
      assert.doesNotMatch(err.message, /stack\.js|\n/)
      return true
    })

    await assert.rejects(pub.call('svc.slow', enc(''), { timeoutMs: 3000 }), (err: any) => err.name === 'TimeoutError')
    await until('the callee to see the timeout', () => seen.length === 1, 30_000)

    const ac = new AbortController()
    const call = pub.call('svc.slow', enc(''), { signal: ac.signal, timeoutMs: 60_000 })
    setTimeout(() => { ac.abort() }, 2000)
    await assert.rejects(call, (err: any) => err.name === 'AbortError')
    await until('the callee to see the cancel', () => seen.length === 2, 30_000)
  })

  it('50 concurrent calls all complete correctly', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => dec(await pub.call('svc.upper', enc(`call-${i}`)))))
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => `CALL-${i}`))
  })

  it('history: a subscriber stopped for 5 publishes gets exactly those 5 with since, and again after a hub restart', async () => {
    const before: Delivery[] = []
    await sub1.subscribe('news.retained', (m) => { before.push(m) })
    await pub.publish('news.retained', enc('r0'), { acknowledge: true })
    await until('r0', () => before.length === 1, 60_000)
    const lastId = before[0].id
    await sub1.unsubscribe('news.retained')
    for (let i = 1; i <= 5; i++) await pub.publish('news.retained', enc(`r${i}`), { acknowledge: true })

    const replay: Delivery[] = []
    const { replayed } = await sub1.subscribe('news.retained', (m) => { replay.push(m) }, { sinceId: lastId })
    assert.equal(replayed, 5)
    assert.deepEqual(replay.map(d => dec(d.data)), ['r1', 'r2', 'r3', 'r4', 'r5'])
    assert.ok(replay.every(d => d.replayed && d.from === ids.pub.peerId))
    await sub1.unsubscribe('news.retained')

    // a hub restart (same keys, same history directory): the members come back by themselves
    const reconnected = [pub, sub1, sub2].map(m => new Promise<void>(resolve => { m.addEventListener('reconnected', () => { resolve() }, { once: true }) }))
    await hub?.stop()
    hub = await startHub(net.clients[0], ids.hub, hubOnion, () => realm, join(dir, 'history'))
    await Promise.race([Promise.all(reconnected), new Promise((_resolve, reject) => setTimeout(() => { reject(new Error('members did not reconnect within 180 s')) }, 180_000))])

    const again: Delivery[] = []
    const second = await sub1.subscribe('news.retained', (m) => { again.push(m) }, { sinceId: lastId })
    assert.equal(second.replayed, 5)
    assert.deepEqual(again.map(d => dec(d.data)), ['r1', 'r2', 'r3', 'r4', 'r5'])
    await sub1.unsubscribe('news.retained')

    // and live messages flow again, to the subscriptions made before the restart
    const n1 = got.sub1.length
    const n2 = got.sub2.length
    await pub.publish('news.today', enc('after restart'), { acknowledge: true })
    await until('delivery after the restart', () => got.sub1.length === n1 + 1 && got.sub2.length === n2 + 1, 60_000)
    assert.equal(dec(got.sub1[n1].data), 'after restart')
  })

  it('revocation: a member removed from the realm is disconnected within 1 s and cannot come back; the hub keeps running', async () => {
    assert.ok(hub != null)
    const disconnected = new Promise<number>(resolve => { sub2.addEventListener('disconnected', () => { resolve(Date.now()) }, { once: true }) })
    const t0 = Date.now()
    realm = parseRealm(realmJson({ without: [ids.sub2.peerId] }), 'test realm')
    const dropped = await hub.reload(realm)
    assert.deepEqual(dropped, [ids.sub2.peerId])
    const at = await disconnected
    assert.ok(at - t0 <= 1000, `disconnected after ${at - t0} ms`)
    // it keeps trying, and is refused each time
    const failures: Error[] = []
    sub2.addEventListener('reconnect:failed', (e) => { failures.push(e.detail.error) })
    await until('a refused reconnect', () => failures.length >= 1, 120_000)
    assert.equal(sub2.connected, false)
    // the others are served as before
    const n1 = got.sub1.length
    const n2 = got.sub2.length
    await pub.publish('news.today', enc('after revocation'), { acknowledge: true })
    await until('delivery to sub1', () => got.sub1.length === n1 + 1, 60_000)
    assert.equal(got.sub2.length, n2)
  })

  it('two hubs with the same realm form one mesh: a message published on hub B reaches a member of hub A', async () => {
    assert.ok(hub != null)
    const hub2Onion = generateOnionKey()
    const hub2Port = 7777
    // hub B's address is known before it starts: the onion id comes from its key
    const hub2Addr = `/onion3/${hub2Onion.serviceId}:${hub2Port}/p2p/${ids.hub2.peerId}`
    hubsOfRealm = [{ peer: ids.hub.peerId, multiaddr: hubAddr }, { peer: ids.hub2.peerId, multiaddr: hub2Addr }]
    realm = parseRealm(realmJson({ without: [ids.sub2.peerId], hubs: true }), 'test realm')
    // hub A peers too: restart it with the new realm (gossipsub reads its direct peers at start)
    await hub.stop()
    hub = await startHub(net.clients[0], ids.hub, hubOnion, () => realm, join(dir, 'history'))
    const hub2 = await startHub(net.clients[2], ids.hub2, hub2Onion, () => realm, join(dir, 'history2'))
    try {
      await until('sub1 back on hub A', () => sub1.connected, 180_000)
      const onB = await member(net.clients[3], ids.pub2, [hub2Addr])
      const seen: Delivery[] = []
      await sub1.subscribe('news.cross', (m) => { seen.push(m) })
      // the hubs peer as gossipsub direct peers; give the subscription time to cross
      await until('the hubs to peer', () => hub2.node.getConnections().some(c => c.remotePeer.toString() === ids.hub.peerId), 180_000)
      const deadline = Date.now() + 120_000
      let n = 0
      while (seen.length === 0 && Date.now() < deadline) {
        await onB.publish('news.cross', enc(`cross-${n++}`), { acknowledge: true })
        await new Promise(resolve => setTimeout(resolve, 2000))
      }
      assert.ok(seen.length > 0, 'no message crossed from hub B to hub A')
      assert.equal(seen[0].from, ids.pub2.peerId)
      assert.match(dec(seen[0].data), /^cross-/)
    } finally {
      await hub2.stop()
    }
  })
})
