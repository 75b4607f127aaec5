/**
 * Sealed payloads (issue 14) on the private Tor network: a hub on client tor
 * 0 that records every byte it sends to members (Hub.start's `record` hook:
 * session frames and gossipsub RPCs), and three dial-only members (alice on
 * tor 1, bob on tor 2, carol on tor 3), each with its own Sealing (X25519
 * keys in its own data directory). The same checks as
 * test/fake/messaging/sealed.spec.ts, over real onion circuits:
 *
 * - sealed publishes and sealed calls are routed, and the recording holds
 *   no 16-byte window of any plaintext (a plain publish is found in it: the
 *   hook does see payloads);
 * - a member that is not a recipient gets the message and cannot open it;
 * - a forged card is refused by the hub's putCard and by a member's cardOf;
 * - after a rotation with a 3 s grace, the old and the new key open during
 *   the grace, only the new one after it;
 * - a hub that silently drops one sealed message of ten: the subscriber
 *   reports the gap and fetches the message from the realm's history.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { generateOnionKey } from '../../src/onion/index.js'
import { createHubNode, createMemberNode } from '../../src/messaging/node.js'
import { Hub } from '../../src/messaging/hub.js'
import { Member, type Delivery } from '../../src/messaging/member.js'
import { parseRealm } from '../../src/messaging/realm.js'
import { RpcError } from '../../src/messaging/errors.js'
import { Sealing } from '../../src/messaging/sealing.js'
import { InvalidCardError, KEY_CARD_SIGNING_PREFIX, generateSealKeyPair, makeCard, rotateSealKeys, type KeyCard } from '../../src/seal/index.js'
import { KeyCard as KeyCardPb, SignedKeyCard } from '../../src/seal/seal-pb.js'
import { getTestnet } from './fixture.js'
import { torOptions } from './helpers.js'
import type { TestnetClient, TestnetInfo } from '../../src/testnet/index.js'
import type { PrivateKey } from '@libp2p/interface'

interface Who { privateKey: PrivateKey, peerId: string, dir: string }

async function until (what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Whether `haystack` holds any `window`-byte run of `needle`. */
function holdsAnyWindow (haystack: Buffer, needle: Uint8Array, window = 16): boolean {
  for (let i = 0; i + window <= needle.byteLength; i++) {
    if (haystack.includes(Buffer.from(needle.subarray(i, i + window)))) return true
  }
  return false
}

/** A card that names `victim` as its owner but is signed by `signer`: what a lying hub would hand out. */
async function forgeCardFor (victim: string, signer: PrivateKey): Promise<Uint8Array> {
  const pair = generateSealKeyPair()
  const card = KeyCardPb.encode({
    version: 1,
    peerId: peerIdFromString(victim).toMultihash().bytes,
    x25519PublicKey: new Uint8Array(pair.publicKey),
    created: Date.now(),
    sequence: Date.now()
  })
  const prefix = enc(KEY_CARD_SIGNING_PREFIX)
  const signed = new Uint8Array(prefix.length + card.length)
  signed.set(prefix)
  signed.set(card, prefix.length)
  return SignedKeyCard.encode({ card, signature: new Uint8Array(await signer.sign(signed)) })
}

describe('e2e: sealed payloads through a recording hub on an onion service', function () {
  this.timeout(300_000)

  let net: TestnetInfo
  let root: string
  const ids: Record<'hub' | 'alice' | 'bob' | 'carol' | 'mallory', Who> = {} as any
  let hub: Hub | undefined
  let hubAddr: string
  const recorded: Buffer[] = []
  const members: Member[] = []
  const sealings: Record<string, Sealing> = {}
  const extraSealings: Sealing[] = []

  async function member (client: TestnetClient, w: Who): Promise<Member> {
    // bob's key file is checked often, so a rotation is picked up quickly
    const sealing = await Sealing.open({ privateKey: w.privateKey, dataDir: w.dir, watchIntervalMs: 100 })
    sealings[w.peerId] = sealing
    const node = await createMemberNode({ ...torOptions(client), privateKey: w.privateKey, hubs: [hubAddr] })
    const m = await Member.connect(node, { hubs: [hubAddr], sealing, minBackoffMs: 200, maxBackoffMs: 2000 }, { timeoutMs: 150_000 })
    members.push(m)
    return m
  }

  before(async () => {
    net = await getTestnet()
    assert.ok(net.clients.length >= 4, 'the e2e network has 4 client tors')
    root = mkdtempSync(join(tmpdir(), 'p2p-tor-sealed-e2e-'))
    for (const k of ['hub', 'alice', 'bob', 'carol', 'mallory'] as const) {
      const privateKey = await generateKeyPair('Ed25519')
      ids[k] = { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString(), dir: join(root, k) }
      await mkdir(ids[k].dir, { recursive: true })
    }
    const realm = parseRealm({
      roles: [
        { name: 'all', peers: [ids.alice.peerId, ids.bob.peerId, ids.carol.peerId], permissions: [{ uri: 'secret.', match: 'prefix', allow: { publish: true, subscribe: true, call: true, register: true } }] }
      ],
      // only the gap topic keeps history: elsewhere a gap would bring a replay the assertions would have to count
      history: [{ uri: 'secret.gap', match: 'exact', limit: 100 }]
    }, 'sealed e2e realm')
    const node = await createHubNode({ ...torOptions(net.clients[0]), privateKey: ids.hub.privateKey, key: generateOnionKey(), port: 7777, realm: () => realm, start: false })
    hub = await Hub.start(node, realm, { historyDir: join(root, 'history'), record: (_peer, bytes) => { recorded.push(Buffer.from(bytes)) } })
    hubAddr = hub.multiaddrs[0]
    assert.match(hubAddr, /^\/onion3\/[a-z2-7]{56}:7777\/p2p\//)
  })

  after(async () => {
    for (const m of members) {
      await m.close().catch(() => {})
      await m.node.stop()
    }
    for (const s of [...Object.values(sealings), ...extraSealings]) s.close()
    await hub?.stop().catch(() => {})
    if (root != null) rmSync(root, { recursive: true, force: true })
  })

  let alice: Member, bob: Member, carol: Member

  it('a publish sealed to bob opens at bob with the verified sender; carol gets it and cannot open it; the hub sent no 16-byte window of the plaintext, while a plain publish is in its recording', async () => {
    ;[alice, bob, carol] = await Promise.all([
      member(net.clients[1], ids.alice),
      member(net.clients[2], ids.bob),
      member(net.clients[3], ids.carol)
    ])
    const atBob: Delivery[] = []
    const atCarol: Delivery[] = []
    const carolDrops: string[] = []
    carol.addEventListener('dropped', (e) => { if (e.detail.topic === 'secret.a') carolDrops.push(e.detail.reason) })
    await bob.subscribe('secret.a', (m) => { atBob.push(m) }, { sealedFrom: [ids.alice.peerId] })
    await carol.subscribe('secret.a', (m) => { atCarol.push(m) }, { sealedFrom: [ids.alice.peerId] })
    // the control: the same hook sees a plain payload in what the hub sends
    const plainAtBob: Delivery[] = []
    await bob.subscribe('secret.plain', (m) => { plainAtBob.push(m) })
    const visible = enc('this one is not sealed: the hub forwards it as it is, 0123456789')
    recorded.length = 0
    await alice.publish('secret.plain', visible, { acknowledge: true })
    await until('the plain message at bob', () => plainAtBob.length === 1, 60_000)
    assert.equal(holdsAnyWindow(Buffer.concat(recorded), visible), true, 'the recording holds a plain payload: the hook sees what the hub sends')

    const text = enc('the launch code is 0000-1111-2222-3333, tell nobody')
    const random = new Uint8Array(randomBytes(4096))
    recorded.length = 0
    await alice.publish('secret.a', text, { sealTo: [ids.bob.peerId], acknowledge: true })
    await alice.publish('secret.a', random, { sealTo: [ids.bob.peerId], acknowledge: true })
    await until('bob opens both and carol drops both', () => atBob.length === 2 && carolDrops.length === 2, 60_000)
    assert.equal(dec(atBob[0].data), dec(text))
    assert.deepEqual(Buffer.from(atBob[1].data), Buffer.from(random))
    for (const d of atBob) {
      assert.equal(d.from, ids.alice.peerId)
      assert.equal(d.sealed, true)
      assert.equal(d.replayed, false)
    }
    assert.deepEqual(carolDrops, ['not-a-recipient', 'not-a-recipient'])
    assert.equal(atCarol.length, 0)
    const all = Buffer.concat(recorded)
    // both sealed messages went out to bob and carol: each at least its payload's size
    assert.ok(all.byteLength > 2 * random.byteLength, `the hook recorded ${all.byteLength} bytes`)
    assert.equal(all.includes(Buffer.from(text)), false)
    assert.equal(holdsAnyWindow(all, text), false)
    assert.equal(holdsAnyWindow(all, random), false)
  })

  it('a sealed call: the arguments sealed to the callee, the result and the error sealed back; the hub sent neither', async () => {
    await bob.register('secret.upper', async (data, ctx) => {
      if (dec(data) === 'fail') throw new Error('sealed failure reason\n  at stack')
      return enc(`${dec(data).toUpperCase()} for ${ctx.caller.slice(-6)}`)
    }, { sealed: true, sealedFrom: [ids.alice.peerId] })
    const argument = 'whisper-argument-0123456789-abcdefghij'
    recorded.length = 0
    const result = await alice.call('secret.upper', enc(argument), { seal: true, timeoutMs: 60_000 })
    assert.equal(dec(result), `${argument.toUpperCase()} for ${ids.alice.peerId.slice(-6)}`)
    await assert.rejects(alice.call('secret.upper', enc('fail'), { seal: true, timeoutMs: 60_000 }), (err: any) => {
      assert.ok(err instanceof RpcError, String(err))
      assert.equal(err.message, 'sealed failure reason')
      return true
    })
    const all = Buffer.concat(recorded)
    assert.ok(all.byteLength > 0, 'the hook recorded the call frames')
    assert.equal(holdsAnyWindow(all, enc(argument)), false)
    assert.equal(holdsAnyWindow(all, enc(argument.toUpperCase())), false)
    assert.equal(holdsAnyWindow(all, enc('sealed failure reason')), false)
    // a caller the callee does not accept is refused, and so is an unsealed call
    await assert.rejects(carol.call('secret.upper', enc('x'), { seal: true, timeoutMs: 60_000 }), (err: any) => err instanceof RpcError && /accepts only calls sealed/.test(err.message))
    await assert.rejects(alice.call('secret.upper', enc('x'), { timeoutMs: 60_000 }), (err: any) => err instanceof RpcError && /accepts only calls sealed/.test(err.message))
  })

  it('a forged card is refused: by the hub\'s putCard (BAD_CARD), and by a member\'s cardOf when a lying hub hands it out', async () => {
    const session = (alice as any).session
    // accept path first: alice's own card goes in
    const own = await session.request({ putCard: { card: sealings[ids.alice.peerId].card.bytes } }, { timeoutMs: 60_000 })
    assert.equal(own.error, undefined)
    // mallory's genuine card, offered on alice's session
    const mallorys = await makeCard(ids.mallory.privateKey, generateSealKeyPair())
    const r1 = await session.request({ putCard: { card: mallorys.bytes } }, { timeoutMs: 60_000 })
    assert.equal(r1.error?.code, 'BAD_CARD')
    // a card that names alice, signed by mallory
    const forged = await forgeCardFor(ids.alice.peerId, ids.mallory.privateKey)
    const r2 = await session.request({ putCard: { card: forged } }, { timeoutMs: 60_000 })
    assert.equal(r2.error?.code, 'BAD_CARD')
    assert.match(r2.error?.message ?? '', /not signed by that PeerId/)
    // the hub still hands out alice's real card
    const fetched = await (carol as any).fetchCard(ids.alice.peerId) as Uint8Array
    assert.deepEqual(Buffer.from(fetched), Buffer.from(sealings[ids.alice.peerId].card.bytes))

    // a member with no cached card, whose fetcher lies
    const fresh = await Sealing.open({ privateKey: ids.carol.privateKey, dataDir: join(root, 'carol-2') })
    extraSealings.push(fresh)
    await assert.rejects(fresh.cardOf(ids.alice.peerId, async () => forged), (err: any) => err instanceof InvalidCardError && err.problem === 'signature')
    await assert.rejects(fresh.cardOf(ids.alice.peerId, async () => mallorys.bytes), (err: any) => err instanceof InvalidCardError && err.problem === 'wrong-peer')
    // and the honest answer is taken
    const honest = await fresh.cardOf(ids.alice.peerId, async () => fetched)
    assert.deepEqual(Buffer.from(honest?.keyId ?? []), Buffer.from(sealings[ids.alice.peerId].card.keyId))
  })

  it('rotation with a 3 s grace: the old and the new key open during the grace, only the new one after it', async () => {
    const bobSealing = sealings[ids.bob.peerId]
    const aliceSealing = sealings[ids.alice.peerId]
    const oldCard: KeyCard = bobSealing.card
    const got: Delivery[] = []
    const drops: string[] = []
    bob.addEventListener('dropped', (e) => { if (e.detail.topic === 'secret.rot') drops.push(e.detail.reason) })
    await bob.subscribe('secret.rot', (m) => { got.push(m) }, { sealedFrom: [ids.alice.peerId] })
    // alice seals to the card she holds for bob: set it, as a sender whose cached card is that one
    const sealToCard = (card: KeyCard): void => { (aliceSealing as any).cards.set(ids.bob.peerId, { card, at: Date.now() }) }

    const graceMs = 3000
    const rotatedAt = Date.now()
    await rotateSealKeys(ids.bob.dir, { graceMs, now: rotatedAt })
    await until('bob reloads his key', () => !Buffer.from(bobSealing.card.keyId).equals(Buffer.from(oldCard.keyId)), 5000)
    const newCard = bobSealing.card
    // during the grace (both sealed now; bob opens them when they arrive, which must be before the grace ends)
    sealToCard(oldCard)
    await alice.publish('secret.rot', enc('during-old'), { sealTo: [ids.bob.peerId] })
    sealToCard(newCard)
    await alice.publish('secret.rot', enc('during-new'), { sealTo: [ids.bob.peerId] })
    await until('both opened (or one dropped)', () => got.length === 2 || drops.length > 0, 60_000)
    assert.deepEqual(drops, [], `dropped during the grace (${Date.now() - rotatedAt} ms after the rotation; the grace is ${graceMs} ms)`)
    assert.deepEqual(got.map(d => dec(d.data)), ['during-old', 'during-new'])

    // the new card reaches the hub without a restart: alice, asking afresh, gets it
    // (bob puts it over his session as soon as he reloads: ask until it is there, bounded)
    let fetched: KeyCard | undefined
    for (const end = Date.now() + 30_000; Date.now() < end; await sleep(200)) {
      fetched = await aliceSealing.cardOf(ids.bob.peerId, (alice as any).fetchCard, { fresh: true })
      if (fetched != null && Buffer.from(fetched.keyId).equals(Buffer.from(newCard.keyId))) break
    }
    assert.deepEqual(Buffer.from(fetched?.keyId ?? []), Buffer.from(newCard.keyId), 'the hub hands out bob\'s new card')

    // after the grace
    await sleep(Math.max(0, rotatedAt + graceMs + 200 - Date.now()))
    sealToCard(newCard)
    await alice.publish('secret.rot', enc('after-new'), { sealTo: [ids.bob.peerId], acknowledge: true })
    await until('the new key opens after the grace', () => got.length === 3, 60_000)
    sealToCard(oldCard)
    await alice.publish('secret.rot', enc('after-old'), { sealTo: [ids.bob.peerId], acknowledge: true })
    await until('the old key refuses after the grace', () => drops.length === 1, 60_000)
    assert.deepEqual(drops, ['not-a-recipient'])
    assert.deepEqual(got.map(d => dec(d.data)), ['during-old', 'during-new', 'after-new'])
  })

  it('a gap: a hub that silently drops one sealed message of ten makes the subscriber report it and fetch it from history', async () => {
    const got: Delivery[] = []
    const gaps: Array<[number, number]> = []
    carol.addEventListener('gap', (e) => { if (e.detail.topic === 'secret.gap') gaps.push(e.detail.missing) })
    await carol.subscribe('secret.gap', (m) => { got.push(m) }, { sealedFrom: [ids.alice.peerId] })
    assert.ok(hub != null)
    // the hub's gossipsub loses the 5th message on its way to carol; its history keeps it
    const gs = hub.node.services.pubsub as any
    const send = gs.sendRpc
    let seen = 0
    let lost = 0
    gs.sendRpc = (id: string, rpc: any) => {
      if (id === ids.carol.peerId && rpc.messages?.some((m: any) => m.topic === 'secret.gap')) {
        seen++
        if (seen === 5) { lost += rpc.messages.length; return true }
      }
      return send.call(gs, id, rpc)
    }
    try {
      for (let i = 1; i <= 10; i++) await alice.publish('secret.gap', enc(`m${i}`), { sealTo: [ids.carol.peerId], acknowledge: true })
      await until('all ten, the lost one from history', () => got.length === 10, 120_000)
    } finally {
      gs.sendRpc = send
    }
    assert.equal(lost, 1, 'one gossipsub message was dropped')
    // alice's sequence on this topic starts at 1 (a fresh data directory): the 5th is missing
    assert.deepEqual(gaps, [[5, 5]])
    assert.deepEqual(got.filter(d => !d.replayed).map(d => dec(d.data)), ['m1', 'm2', 'm3', 'm4', 'm6', 'm7', 'm8', 'm9', 'm10'])
    const replayed = got.filter(d => d.replayed)
    assert.equal(replayed.length, 1)
    assert.equal(dec(replayed[0].data), 'm5')
    assert.equal(replayed[0].from, ids.alice.peerId)
    assert.equal(replayed[0].sealed, true)
  })
})
