/**
 * Sealed payloads through a hub (src/messaging/sealing.ts + member.ts + the
 * hub's card store), on libp2p nodes over loopback TCP: the fast version of
 * what test/e2e/sealed.spec.ts checks on the private Tor network.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { RpcError } from '../../../src/messaging/errors.js'
import { Hub } from '../../../src/messaging/hub.js'
import { Member, type Delivery } from '../../../src/messaging/member.js'
import { parseRealm, type Realm } from '../../../src/messaging/realm.js'
import { Sealing } from '../../../src/messaging/sealing.js'
import { makeCard, generateSealKeyPair, rotateSealKeys } from '../../../src/seal/index.js'
import type { PrivateKey } from '@libp2p/interface'
import { holdsAnyWindow, tcpMessagingNode, until } from '../../fixtures/messaging-tcp.js'

interface Who { key: PrivateKey, id: string, dir: string }



const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)


describe('fake: sealed payloads through a hub over loopback TCP', function () {
  this.timeout(60_000)
  let root: string
  const ids: Record<string, Who> = {}
  let realm: Realm
  let hub: Hub
  let hubAddr: string
  const recorded: Buffer[] = []
  const members: Member[] = []
  const sealings: Sealing[] = []

  async function member (w: Who): Promise<Member> {
    const node = await tcpMessagingNode(w.key, false)
    const sealing = await Sealing.open({ privateKey: w.key, dataDir: w.dir, watchIntervalMs: 50, cardTtlMs: 200 })
    sealings.push(sealing)
    const m = await Member.connect(node, { hubs: [hubAddr], sealing, minBackoffMs: 50, maxBackoffMs: 500 }, { timeoutMs: 10_000 })
    members.push(m)
    return m
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'p2p-tor-sealed-fake-'))
    for (const k of ['hub', 'alice', 'bob', 'carol', 'mallory']) {
      const key = await generateKeyPair('Ed25519')
      ids[k] = { key, id: peerIdFromPrivateKey(key).toString(), dir: join(root, k) }
      await mkdir(ids[k].dir, { recursive: true })
    }
    realm = parseRealm({
      roles: [
        { name: 'all', peers: [ids.alice.id, ids.bob.id, ids.carol.id, ids.mallory.id], permissions: [{ uri: 'secret.', match: 'prefix', allow: { publish: true, subscribe: true, call: true, register: true } }] }
      ],
      history: [{ uri: 'secret.', match: 'prefix', limit: 100 }]
    })
    const node = await tcpMessagingNode(ids.hub.key, true, () => realm)
    hub = await Hub.start(node, realm, { historyDir: join(root, 'history'), record: (_peer, bytes) => { recorded.push(Buffer.from(bytes)) } })
    hubAddr = node.getMultiaddrs()[0].toString()
  })

  after(async () => {
    for (const m of members) {
      await m.close()
      await m.node.stop()
    }
    for (const s of sealings) s.close()
    await hub?.stop()
    rmSync(root, { recursive: true, force: true })
  })

  let alice: Member, bob: Member, carol: Member

  it('a publish sealed to bob opens at bob with the verified sender; carol (not a recipient) gets it but cannot open it; the hub forwarded no 16-byte window of the plaintext', async () => {
    ;[alice, bob, carol] = await Promise.all([member(ids.alice), member(ids.bob), member(ids.carol)])
    const atBob: Delivery[] = []
    const atCarol: Delivery[] = []
    const carolDrops: string[] = []
    carol.addEventListener('dropped', (e) => { carolDrops.push(e.detail.reason) })
    await bob.subscribe('secret.a', (m) => { atBob.push(m) }, { sealedFrom: [ids.alice.id] })
    await carol.subscribe('secret.a', (m) => { atCarol.push(m) }, { sealedFrom: [ids.alice.id] })
    const plaintext = enc('the launch code is 0000-1111-2222-3333, tell nobody')
    recorded.length = 0
    await alice.publish('secret.a', plaintext, { sealTo: [ids.bob.id], acknowledge: true })
    await until('bob opens it and carol drops it', () => atBob.length === 1 && carolDrops.length === 1)
    assert.equal(dec(atBob[0].data), dec(plaintext))
    assert.equal(atBob[0].from, ids.alice.id)
    assert.equal(atBob[0].sealed, true)
    assert.deepEqual(carolDrops, ['not-a-recipient'])
    assert.equal(atCarol.length, 0)
    const all = Buffer.concat(recorded)
    assert.ok(all.byteLength > 0, 'the hook recorded what the hub sent')
    assert.equal(holdsAnyWindow(all, plaintext), false)
  })

  it('an unsealed message, or one sealed by a sender not accepted, is dropped and counted', async () => {
    const atBob: Delivery[] = []
    const reasons: string[] = []
    bob.addEventListener('dropped', (e) => { reasons.push(e.detail.reason) })
    await bob.subscribe('secret.b', (m) => { atBob.push(m) }, { sealedFrom: [ids.alice.id] })
    await carol.publish('secret.b', enc('plain'), { acknowledge: true })
    await carol.publish('secret.b', enc('sealed by carol'), { sealTo: [ids.bob.id], acknowledge: true })
    await alice.publish('secret.b', enc('good'), { sealTo: [ids.bob.id], acknowledge: true })
    await until('the good one', () => atBob.length === 1)
    assert.equal(dec(atBob[0].data), 'good')
    assert.deepEqual(reasons.slice(0, 2), ['not-sealed', 'wrong-sender'])
  })

  it('a sealed call: arguments sealed to the callee, result and error sealed back; the hub sees neither', async () => {
    await bob.register('secret.upper', async (data, ctx) => {
      if (dec(data) === 'fail') throw new Error('sealed failure reason\n  at stack')
      return enc(`${dec(data).toUpperCase()} for ${ctx.caller.slice(-6)}`)
    }, { sealed: true, sealedFrom: [ids.alice.id] })
    recorded.length = 0
    const result = await alice.call('secret.upper', enc('whisper-argument-0123456789'), { seal: true })
    assert.equal(dec(result), `WHISPER-ARGUMENT-0123456789 for ${ids.alice.id.slice(-6)}`)
    await assert.rejects(alice.call('secret.upper', enc('fail'), { seal: true }), (err: any) => err instanceof RpcError && err.message === 'sealed failure reason')
    const all = Buffer.concat(recorded)
    assert.equal(holdsAnyWindow(all, enc('whisper-argument-0123456789')), false)
    assert.equal(holdsAnyWindow(all, enc('WHISPER-ARGUMENT-0123456789')), false)
    assert.equal(all.includes(Buffer.from('sealed failure reason')), false)
    // a caller the callee does not accept is refused, and an unsealed call too
    await assert.rejects(carol.call('secret.upper', enc('x'), { seal: true }), (err: any) => err instanceof RpcError && /accepts only calls sealed/.test(err.message))
    await assert.rejects(alice.call('secret.upper', enc('x')), (err: any) => err instanceof RpcError)
  })

  it('a forged card (another identity signed it) offered to the hub is refused', async () => {
    const mallory = ids.mallory
    const forged = await makeCard(mallory.key, generateSealKeyPair())
    // the hub only takes a card signed by the session's own PeerId: alice cannot publish mallory's, nor one for herself signed by mallory
    const session = (alice as any).session
    const res = await session.request({ putCard: { card: forged.bytes } }, { timeoutMs: 5000 })
    assert.equal(res.error?.code, 'BAD_CARD')
    // and a hub that lies (hands out mallory's card as alice's) is caught by the member's own check
    const fresh = await Sealing.open({ privateKey: ids.carol.key, dataDir: join(root, 'carol-2') })
    sealings.push(fresh)
    await assert.rejects(fresh.cardOf(ids.alice.id, async () => forged.bytes), (err: any) => err.name === 'InvalidCardError')
  })

  it('a gap: a hub that drops one sealed message of ten makes the subscriber report it and fetch it from history', async () => {
    const got: Delivery[] = []
    const gaps: Array<[number, number]> = []
    carol.addEventListener('gap', (e) => { gaps.push(e.detail.missing) })
    await carol.subscribe('secret.gap', (m) => { got.push(m) }, { sealedFrom: [ids.alice.id] })
    // the hub's gossipsub silently loses the 5th message on its way to carol (it keeps it in history)
    const gs = hub.node.services.pubsub as any
    const send = gs.sendRpc
    let seen = 0
    gs.sendRpc = (id: string, rpc: any) => {
      if (id === ids.carol.id && rpc.messages?.some((m: any) => m.topic === 'secret.gap')) {
        seen++
        if (seen === 5) return true
      }
      return send(id, rpc)
    }
    try {
      for (let i = 1; i <= 10; i++) await alice.publish('secret.gap', enc(`m${i}`), { sealTo: [ids.carol.id], acknowledge: true })
      await until('all ten, the lost one from history', () => got.length === 10)
    } finally {
      gs.sendRpc = send
    }
    assert.deepEqual(gaps.length, 1)
    assert.deepEqual(got.map(d => dec(d.data)).sort(), Array.from({ length: 10 }, (_, i) => `m${i + 1}`).sort())
    assert.equal(got.filter(d => d.replayed).length, 1)
    assert.equal(dec(got.find(d => d.replayed)?.data ?? new Uint8Array()), 'm5')
  })

  it('rotation: the new card reaches the others without a restart; the old key still opens during its grace', async () => {
    const before = (bob as any).sealing.card.keyId
    await rotateSealKeys(ids.bob.dir)
    await until('bob reloads his key', () => Buffer.compare(Buffer.from((bob as any).sealing.card.keyId), Buffer.from(before)) !== 0, 5000)
    const got: Delivery[] = []
    await bob.subscribe('secret.rot', (m) => { got.push(m) }, { sealedFrom: [ids.alice.id] })
    // alice's cached card of bob may still be the old one for up to its TTL: both must open
    await alice.publish('secret.rot', enc('r1'), { sealTo: [ids.bob.id], acknowledge: true })
    await new Promise(resolve => setTimeout(resolve, 300))
    await alice.publish('secret.rot', enc('r2'), { sealTo: [ids.bob.id], acknowledge: true })
    await until('both', () => got.length === 2)
    const aliceCardOfBob = await (alice as any).sealing.cardOf(ids.bob.id, (alice as any).fetchCard)
    assert.deepEqual(Buffer.from(aliceCardOfBob.keyId), Buffer.from((bob as any).sealing.card.keyId), 'alice picked up the new card')
  })
})
