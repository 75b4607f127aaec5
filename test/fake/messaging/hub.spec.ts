/**
 * The hub and members (src/messaging/hub.ts, member.ts) on real libp2p
 * nodes over TCP on 127.0.0.1, without tor: the fast check of the logic that
 * test/e2e/messaging.spec.ts runs again over the private Tor network.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { NotAuthorizedError, RpcError } from '../../../src/messaging/errors.js'
import { Hub } from '../../../src/messaging/hub.js'
import { Member, type Delivery } from '../../../src/messaging/member.js'
import { parseRealm, type Realm } from '../../../src/messaging/realm.js'
import type { PrivateKey } from '@libp2p/interface'
import { tcpMessagingNode, until } from '../../fixtures/messaging-tcp.js'

interface Who { key: PrivateKey, id: string }

async function who (): Promise<Who> {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}



const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('fake: hub and members over loopback TCP', function () {
  this.timeout(60_000)
  let dir: string
  const ids: Record<string, Who> = {}
  let realm: Realm
  let hub: Hub
  let hubAddr: string
  let hubPort: number
  const members: Member[] = []

  function realmFor (without: string[] = []): Realm {
    const keep = (xs: string[]): string[] => xs.filter(x => !without.includes(x))
    return parseRealm({
      roles: [
        { name: 'pub', peers: keep([ids.pub.id]), permissions: [{ uri: 'news.', match: 'prefix', allow: { publish: true } }, { uri: 'svc.', match: 'prefix', allow: { call: true } }] },
        { name: 'sub', peers: keep([ids.sub1.id, ids.sub2.id]), permissions: [{ uri: 'news.', match: 'prefix', allow: { subscribe: true } }, { uri: 'svc.', match: 'prefix', allow: { register: true } }] },
        { name: 'rogue', peers: keep([ids.rogue.id]), permissions: [{ uri: 'other', allow: { subscribe: true } }] }
      ],
      history: [{ uri: 'news.retained', limit: 50 }]
    })
  }

  async function startHub (): Promise<void> {
    const node = await tcpMessagingNode(ids.hub.key, true, () => realm, hubPort)
    hub = await Hub.start(node, realm, { historyDir: join(dir, 'history') })
    const addr = node.getMultiaddrs()[0].toString()
    hubPort = Number(addr.split('/tcp/')[1].split('/')[0])
    hubAddr = addr
  }

  async function member (w: Who): Promise<Member> {
    const node = await tcpMessagingNode(w.key, false)
    const m = await Member.connect(node, { hubs: [hubAddr], minBackoffMs: 50, maxBackoffMs: 500, connectTimeoutMs: 5000 }, { timeoutMs: 10_000 })
    members.push(m)
    return m
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2p-tor-hub-fake-'))
    for (const k of ['hub', 'pub', 'sub1', 'sub2', 'rogue', 'stranger']) ids[k] = await who()
    realm = realmFor()
    await startHub()
  })

  after(async () => {
    for (const m of members) {
      await m.close()
      await m.node.stop()
    }
    await hub?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  let pub: Member, sub1: Member, sub2: Member, rogue: Member
  const got: Record<string, Delivery[]> = { sub1: [], sub2: [] }

  it('delivers a publish to two subscribers with the sender\'s PeerId, acknowledged', async () => {
    [pub, sub1, sub2, rogue] = await Promise.all([member(ids.pub), member(ids.sub1), member(ids.sub2), member(ids.rogue)])
    await sub1.subscribe('news.a', (m) => { got.sub1.push(m) })
    await sub2.subscribe('news.a', (m) => { got.sub2.push(m) })
    const { id } = await pub.publish('news.a', enc('one'), { acknowledge: true })
    await until('both', () => got.sub1.length === 1 && got.sub2.length === 1)
    assert.equal(got.sub1[0].from, ids.pub.id)
    assert.equal(got.sub1[0].id, id)
    assert.equal(dec(got.sub2[0].data), 'one')
  })

  it('a subscriber that leaves a topic and comes straight back gets the next message live (no PRUNE backoff at the hub)', async () => {
    const first: Delivery[] = []
    await sub1.subscribe('news.back', (m) => { first.push(m) })
    await pub.publish('news.back', enc('b0'), { acknowledge: true })
    await until('b0', () => first.length === 1)
    await sub1.unsubscribe('news.back')
    const again: Delivery[] = []
    await sub1.subscribe('news.back', (m) => { again.push(m) })
    await pub.publish('news.back', enc('b1'), { acknowledge: true })
    // well inside gossipsub's 10 s unsubscribe backoff, and live (not from history: news.back is not retained)
    await until('b1 live', () => again.length === 1, 3000)
    assert.equal(dec(again[0].data), 'b1')
    assert.equal(again[0].replayed, false)
    await sub1.unsubscribe('news.back')
  })

  it('keeps order per publisher over 100 messages', async () => {
    const before = got.sub1.length
    for (let i = 0; i < 100; i++) await pub.publish('news.a', enc(`n${i}`))
    await until('100 more', () => got.sub1.length === before + 100)
    assert.deepEqual(got.sub1.slice(before).map(d => dec(d.data)), Array.from({ length: 100 }, (_, i) => `n${i}`))
  })

  it('a subscriber\'s own from-list drops publishers it does not accept (defense in depth), and says so', async () => {
    const accepted: Delivery[] = []
    const refused: Delivery[] = []
    const dropped: Array<{ topic: string, from: string, reason: string }> = []
    const onDrop = (e: CustomEvent<{ topic: string, from: string, reason: string }>): void => { dropped.push(e.detail) }
    sub2.addEventListener('dropped', onDrop)
    await sub1.subscribe('news.from', (m) => { accepted.push(m) }, { from: [ids.pub.id] })
    await sub2.subscribe('news.from', (m) => { refused.push(m) }, { from: [ids.rogue.id] })
    await pub.publish('news.from', enc('x'), { acknowledge: true })
    await until('sub1 to accept it and sub2 to drop it', () => accepted.length === 1 && dropped.length === 1)
    sub2.removeEventListener('dropped', onDrop)
    assert.equal(dropped[0].topic, 'news.from')
    assert.equal(dropped[0].from, ids.pub.id)
    assert.match(dropped[0].reason, /from list/)
    assert.equal(refused.length, 0)
    await sub1.unsubscribe('news.from')
    await sub2.unsubscribe('news.from')
  })

  it('refuses an unauthorized publish (acknowledge) and subscribe with NotAuthorizedError naming uri and action', async () => {
    await assert.rejects(rogue.publish('news.a', enc('x'), { acknowledge: true }), (e: any) => e instanceof NotAuthorizedError && e.action === 'publish' && e.uri === 'news.a')
    await assert.rejects(rogue.subscribe('news.a', () => {}), (e: any) => e instanceof NotAuthorizedError && e.action === 'subscribe' && e.uri === 'news.a')
  })

  it('a raw gossipsub publish by a peer without the right is never delivered; acknowledge of a raw-signed id reports the refusal', async () => {
    const before = got.sub1.length
    // the hub is subscribed to news.a and rogue may not see that; send anyway to whoever it knows
    const ps = rogue.node.services.pubsub as any
    ps.subscribe('other')
    await ps.publish('news.a', enc('forged'), { allowPublishToZeroTopicPeers: true }).catch(() => {})
    await pub.publish('news.a', enc('real'), { acknowledge: true })
    await until('the real one', () => got.sub1.length === before + 1)
    assert.equal(dec(got.sub1[before].data), 'real')
  })

  it('routes calls: result, handler error without a stack, timeout and cancel reach the callee, 50 at once', async () => {
    const seen: string[] = []
    await sub2.register('svc.upper', async (d) => enc(dec(d).toUpperCase()))
    await sub2.register('svc.fail', async () => { throw new Error('disk full\n   at x (/y.js:1:1)') })
    await sub2.register('svc.slow', async (_d, { signal }) => {
      await new Promise<void>(resolve => { signal.addEventListener('abort', () => { seen.push('aborted'); resolve() }, { once: true }) })
      return enc('late')
    })
    assert.equal(dec(await pub.call('svc.upper', enc('a'))), 'A')
    await assert.rejects(pub.call('svc.fail', enc('')), (e: any) => e instanceof RpcError && e.uri === 'svc.fail' && /disk full/.test(e.message) && !/y\.js/.test(e.message))
    await assert.rejects(pub.call('svc.slow', enc(''), { timeoutMs: 300 }), (e: any) => e.name === 'TimeoutError')
    await until('timeout seen', () => seen.length === 1)
    const ac = new AbortController()
    const p = pub.call('svc.slow', enc(''), { signal: ac.signal })
    setTimeout(() => { ac.abort() }, 200)
    await assert.rejects(p, (e: any) => e.name === 'AbortError')
    await until('cancel seen', () => seen.length === 2)
    const all = await Promise.all(Array.from({ length: 50 }, async (_, i) => dec(await pub.call('svc.upper', enc(`c${i}`)))))
    assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => `C${i}`))
  })

  it('history: since an id replays exactly the missed messages, verified, once each; and after a hub restart', async () => {
    const first: Delivery[] = []
    await sub1.subscribe('news.retained', (m) => { first.push(m) })
    await pub.publish('news.retained', enc('r0'), { acknowledge: true })
    await until('r0', () => first.length === 1)
    await sub1.unsubscribe('news.retained')
    for (let i = 1; i <= 5; i++) await pub.publish('news.retained', enc(`r${i}`), { acknowledge: true })
    const replay: Delivery[] = []
    const r = await sub1.subscribe('news.retained', (m) => { replay.push(m) }, { sinceId: first[0].id })
    assert.equal(r.replayed, 5)
    assert.deepEqual(replay.map(d => dec(d.data)), ['r1', 'r2', 'r3', 'r4', 'r5'])
    assert.ok(replay.every(d => d.replayed && d.from === ids.pub.id))
    await sub1.unsubscribe('news.retained')

    const back = [pub, sub1, sub2].map(async m => await new Promise<void>(resolve => { m.addEventListener('reconnected', () => { resolve() }, { once: true }) }))
    await hub.stop()
    await startHub()
    await Promise.all(back)
    const again: Delivery[] = []
    const r2 = await sub1.subscribe('news.retained', (m) => { again.push(m) }, { sinceId: first[0].id })
    assert.equal(r2.replayed, 5)
    assert.deepEqual(again.map(d => dec(d.data)), ['r1', 'r2', 'r3', 'r4', 'r5'])
    await sub1.unsubscribe('news.retained')
    // live subscriptions made before the restart work again, and registrations are back
    const n = got.sub2.length
    await pub.publish('news.a', enc('after restart'), { acknowledge: true })
    await until('after restart', () => got.sub2.length === n + 1)
    assert.equal(dec(await pub.call('svc.upper', enc('b'))), 'B')
  })

  it('revocation: the removed member is disconnected at once and refused on reconnect; the others are served', async () => {
    const lost = new Promise<void>(resolve => { sub2.addEventListener('disconnected', () => { resolve() }, { once: true }) })
    const t0 = Date.now()
    realm = realmFor([ids.sub2.id])
    assert.deepEqual(await hub.reload(realm), [ids.sub2.id])
    await lost
    assert.ok(Date.now() - t0 < 1000)
    const failures: Error[] = []
    sub2.addEventListener('reconnect:failed', (e) => { failures.push(e.detail.error) })
    await until('a refused reconnect', () => failures.length >= 2)
    assert.equal(sub2.connected, false)
    const n = got.sub1.length
    await pub.publish('news.a', enc('still'), { acknowledge: true })
    await until('sub1 served', () => got.sub1.length === n + 1)
  })

  it('a reload that takes away a register right drops that registration (calls then get NO_SUCH_PROCEDURE)', async () => {
    // sub2 was removed above; put it back, let it register again, then take only its register right
    realm = realmFor()
    await hub.reload(realm)
    await until('sub2 back', () => sub2.connected, 15_000)
    // the member re-registers by itself after its reconnect; wait for the call to be served
    for (let attempt = 1; ; attempt++) {
      try {
        assert.equal(dec(await pub.call('svc.upper', enc('p'))), 'P')
        break
      } catch (err) {
        if (attempt >= 100) throw err
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    const noRegister = parseRealm({
      roles: [
        { name: 'pub', peers: [ids.pub.id], permissions: [{ uri: 'news.', match: 'prefix', allow: { publish: true } }, { uri: 'svc.', match: 'prefix', allow: { call: true } }] },
        { name: 'sub', peers: [ids.sub1.id, ids.sub2.id], permissions: [{ uri: 'news.', match: 'prefix', allow: { subscribe: true } }] },
        { name: 'rogue', peers: [ids.rogue.id], permissions: [{ uri: 'other', allow: { subscribe: true } }] }
      ]
    })
    realm = noRegister
    await hub.reload(noRegister)
    await assert.rejects(pub.call('svc.upper', enc('q')), (e: any) => e.name === 'NoSuchProcedureError')
  })

  it('a peer the realm does not name is refused at connect', async () => {
    const node = await tcpMessagingNode(ids.stranger.key, false)
    await node.start()
    try {
      await assert.rejects(Member.connect(node, { hubs: [hubAddr] }, { timeoutMs: 5000 }))
    } finally {
      await node.stop()
    }
  })
})
