/**
 * seal()/open(): the accept path, and each way a relay (or a member) can
 * change a sealed message, refused with its own error and reason.
 */
import assert from 'node:assert/strict'
import { MAX_SEAL_RECIPIENTS, maxSealedBytes, open, paddedLength, seal } from '../../../src/seal/envelope.js'
import { ClockSkewError, MalformedSealError, NotARecipientError, ReplayError, SealInputError, SealOpenError, SealTamperedError, UnknownSenderError, WrongContextError } from '../../../src/seal/errors.js'
import { ReplayGuard } from '../../../src/seal/replay.js'
import { SealContextKind, SealedEnvelope } from '../../../src/seal/seal-pb.js'
import { SealKeyRing, generateSealKeyPair } from '../../../src/seal/keys.js'
import { makeCard } from '../../../src/seal/card.js'
import { member, T0 } from '../../fixtures/seal/members.js'
import type { Member } from '../../fixtures/seal/members.js'
import type { OpenOptions, SealContext, SealOptions } from '../../../src/seal/envelope.js'
import type { KeyCard } from '../../../src/seal/card.js'

const TOPIC: SealContext = { kind: 'topic', name: 'chat/general' }
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const NOW = T0 + 60_000

describe('seal() and open()', function () {
  this.timeout(30000)
  let alice: Member, bob: Member, carol: Member, dave: Member
  let cards: KeyCard[]

  before(async () => {
    [alice, bob, carol, dave] = await Promise.all([member(1), member(2), member(3), member(4)])
    cards = [alice.card, bob.card, carol.card, dave.card]
  })

  const lookup = (p: { equals: (x: unknown) => boolean }): KeyCard | undefined => cards.find(c => c.peerId.equals(p))

  async function sealFromAlice (over: Partial<SealOptions> = {}): Promise<Uint8Array> {
    return await seal({ payload: text('hello bob'), context: TOPIC, sender: { peerId: alice.peerId, keys: alice.keys }, recipients: [bob.card, carol.card], time: NOW, seq: 3, ...over })
  }

  function openAs (who: Member, bytes: Uint8Array, over: Partial<OpenOptions> = {}): ReturnType<typeof open> {
    return open(bytes, { context: TOPIC, me: { peerId: who.peerId, keys: who.keys }, senderCard: lookup, replay: new ReplayGuard(), now: NOW, ...over })
  }

  /** Decodes, changes, re-encodes: what a hub that rewrites a message does. */
  function rewrite (bytes: Uint8Array, change: (e: SealedEnvelope) => void): Uint8Array {
    // decode() returns views into its input: work on a copy, never on `bytes`
    const e = SealedEnvelope.decode(new Uint8Array(bytes))
    change(e)
    return SealedEnvelope.encode(e)
  }

  async function refuses (p: Promise<unknown>, cls: new (...a: any[]) => SealOpenError, reason: string): Promise<void> {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`)
      assert.equal((err as SealOpenError).reason, reason)
      return true
    })
  }

  it('opens for each recipient: payload, authenticated sender, id, time, seq, recipients', async () => {
    const id = new Uint8Array(16).fill(9)
    const bytes = await sealFromAlice({ id })
    for (const who of [bob, carol]) {
      const got = await openAs(who, bytes)
      assert.equal(new TextDecoder().decode(got.payload), 'hello bob')
      assert.equal(got.sender.toString(), alice.peerId.toString())
      assert.equal(got.senderCard, alice.card)
      assert.deepEqual(got.id, id)
      assert.equal(got.time, NOW)
      assert.equal(got.seq, 3)
      assert.deepEqual(got.context, TOPIC)
      assert.deepEqual(got.recipients.map(String).sort(), [bob.peerId.toString(), carol.peerId.toString()].sort())
    }
  })

  it('carries an empty payload and seals to the sender itself when its card is listed', async () => {
    const bytes = await sealFromAlice({ payload: new Uint8Array(0), recipients: [alice.card] })
    const got = await openAs(alice, bytes)
    assert.equal(got.payload.length, 0)
  })

  it('does not contain the plaintext, nor any 16-byte window of it', async () => {
    const secret = text('the eagle lands at midnight on the western pier, bring the documents')
    const bytes = Buffer.from(await sealFromAlice({ payload: secret }))
    for (let i = 0; i + 16 <= secret.length; i++) assert.equal(bytes.indexOf(secret.subarray(i, i + 16)), -1)
  })

  it('a non-recipient gets NotARecipientError (not listed: staleKey false)', async () => {
    const err = await openAs(dave, await sealFromAlice()).catch(e => e)
    assert.ok(err instanceof NotARecipientError)
    assert.equal(err.reason, 'not-a-recipient')
    assert.equal(err.staleKey, false)
  })

  it('a recipient listed only under a key it no longer holds gets NotARecipientError with staleKey', async () => {
    const fresh = new SealKeyRing(generateSealKeyPair(T0))
    const err = await openAs(bob, await sealFromAlice(), { me: { peerId: bob.peerId, keys: fresh } }).catch(e => e)
    assert.ok(err instanceof NotARecipientError)
    assert.equal(err.staleKey, true)
  })

  it('flipped ciphertext bit: SealTamperedError', async () => {
    const bytes = rewrite(await sealFromAlice(), e => { e.ciphertext[5] ^= 0x01 })
    await refuses(openAs(bob, bytes), SealTamperedError, 'tampered')
  })

  it('flipped bit in the last byte of the whole message (the payload tag): SealTamperedError', async () => {
    const bytes = await sealFromAlice()
    bytes[bytes.length - 1] ^= 0x80
    await refuses(openAs(bob, bytes), SealTamperedError, 'tampered')
  })

  it('flipped bit in a wrap: SealTamperedError', async () => {
    const bytes = rewrite(await sealFromAlice(), e => { for (const w of e.wraps) w.wrappedKey[0] ^= 1 })
    await refuses(openAs(bob, bytes), SealTamperedError, 'tampered')
  })

  it('moved to another topic: WrongContextError where it arrives', async () => {
    const bytes = await sealFromAlice()
    const err = await openAs(bob, bytes, { context: { kind: 'topic', name: 'chat/other' } }).catch(e => e)
    assert.ok(err instanceof WrongContextError)
    assert.equal(err.reason, 'wrong-context')
    assert.equal(err.found, 'topic "chat/general"')
    assert.equal(err.expected, 'topic "chat/other"')
  })

  it('topic rewritten in the header to match where it was moved: SealTamperedError', async () => {
    const bytes = rewrite(await sealFromAlice(), e => { e.context = 'chat/other' })
    await refuses(openAs(bob, bytes, { context: { kind: 'topic', name: 'chat/other' } }), SealTamperedError, 'tampered')
  })

  it('wrong context kind (a topic message offered as a call): WrongContextError; kind rewritten too: SealTamperedError', async () => {
    const bytes = await sealFromAlice()
    await refuses(openAs(bob, bytes, { context: { kind: 'call', name: TOPIC.name } }), WrongContextError, 'wrong-context')
    const rewritten = rewrite(bytes, e => { e.kind = SealContextKind.CALL })
    await refuses(openAs(bob, rewritten, { context: { kind: 'call', name: TOPIC.name } }), SealTamperedError, 'tampered')
  })

  it('sender changed to another member: refused (key mismatch), and with that member\'s key id too: SealTamperedError', async () => {
    const bytes = await sealFromAlice()
    const renamed = rewrite(bytes, e => { e.sender = dave.peerId.toMultihash().bytes })
    await refuses(openAs(bob, renamed), UnknownSenderError, 'sender-key-mismatch')
    const impersonated = rewrite(bytes, e => { e.sender = dave.peerId.toMultihash().bytes; e.senderKeyId = dave.card.keyId })
    await refuses(openAs(bob, impersonated), SealTamperedError, 'tampered')
  })

  it('recipient list changed (a wrap removed, or one added): SealTamperedError for the remaining recipient', async () => {
    const bytes = await sealFromAlice()
    const removed = rewrite(bytes, e => { e.wraps = e.wraps.filter(w => w.recipient.length > 0 && Buffer.compare(w.recipient, bob.peerId.toMultihash().bytes) === 0) })
    assert.equal(SealedEnvelope.decode(removed).wraps.length, 1)
    await refuses(openAs(bob, removed), SealTamperedError, 'tampered')
    const other = SealedEnvelope.decode(await sealFromAlice({ recipients: [dave.card] })).wraps[0]
    const added = rewrite(bytes, e => { e.wraps = [...e.wraps, other].sort((a, b) => Buffer.compare(a.recipient, b.recipient)) })
    await refuses(openAs(bob, added), SealTamperedError, 'tampered')
  })

  it('message id changed: SealTamperedError', async () => {
    const bytes = rewrite(await sealFromAlice(), e => { e.id[0] ^= 1 })
    await refuses(openAs(bob, bytes), SealTamperedError, 'tampered')
  })

  it('a recipient cannot re-encrypt its own payload under the content key for another recipient', async () => {
    // Bob knows the content key; he swaps the ciphertext for one of his own
    // sealed message's (same length) and keeps Carol's genuine wrap. The
    // wraps bind SHA-256 of the ciphertext, so Carol refuses it.
    const original = await sealFromAlice({ payload: text('pay carol 1 coin') })
    const forged = await seal({ payload: text('pay bob 100 coin'), context: TOPIC, sender: { peerId: alice.peerId, keys: alice.keys }, recipients: [bob.card, carol.card], time: NOW, seq: 3 })
    const swapped = rewrite(original, e => { e.ciphertext = SealedEnvelope.decode(forged).ciphertext })
    await refuses(openAs(carol, swapped), SealTamperedError, 'tampered')
  })

  it('replayed id from the same sender: ReplayError; the first copy opened', async () => {
    const bytes = await sealFromAlice()
    const replay = new ReplayGuard()
    await openAs(bob, bytes, { replay })
    await refuses(openAs(bob, bytes, { replay, now: NOW + 1000 }), ReplayError, 'replay')
  })

  it('old timestamp (outside the ±5 min window): ClockSkewError, and nothing is recorded', async () => {
    const replay = new ReplayGuard()
    const bytes = await sealFromAlice({ time: NOW - 5 * 60_000 - 1 })
    const err = await openAs(bob, bytes, { replay }).catch(e => e)
    assert.ok(err instanceof ClockSkewError)
    assert.equal(err.skewMs, -(5 * 60_000 + 1))
    assert.equal(replay.size, 0)
    // exactly at the edge is still fresh
    await openAs(bob, await sealFromAlice({ time: NOW - 5 * 60_000 }), { replay })
    assert.equal(replay.size, 1)
  })

  it('a forged message does not poison the replay memory: the genuine one still opens', async () => {
    const id = new Uint8Array(16).fill(7)
    const genuine = await sealFromAlice({ id })
    const forged = rewrite(genuine, e => { e.ciphertext[0] ^= 1 })
    const replay = new ReplayGuard()
    await refuses(openAs(bob, forged, { replay }), SealTamperedError, 'tampered')
    assert.equal(replay.size, 0)
    await openAs(bob, genuine, { replay })
  })

  it('unknown sender card: UnknownSenderError', async () => {
    await refuses(openAs(bob, await sealFromAlice(), { senderCard: () => undefined }), UnknownSenderError, 'unknown-sender')
  })

  it('a card for another PeerId returned by the lookup is not trusted', async () => {
    await refuses(openAs(bob, await sealFromAlice(), { senderCard: () => dave.card }), UnknownSenderError, 'unknown-sender')
  })

  it('passes the sender key id to the card lookup (so a stale card can be refetched)', async () => {
    let asked: Uint8Array | undefined
    await openAs(bob, await sealFromAlice(), { senderCard: (p, keyId) => { asked = keyId; return lookup(p) } })
    assert.deepEqual(asked, alice.card.keyId)
  })

  it('malformed bytes, a wrong version, wraps out of order, and an over-cap message are MalformedSealError', async () => {
    await refuses(openAs(bob, new Uint8Array([0xff, 0xff, 0xff])), MalformedSealError, 'malformed')
    const bytes = await sealFromAlice()
    await refuses(openAs(bob, rewrite(bytes, e => { e.version = 2 })), MalformedSealError, 'version')
    await refuses(openAs(bob, rewrite(bytes, e => { e.wraps.reverse() })), MalformedSealError, 'malformed')
    await refuses(openAs(bob, rewrite(bytes, e => { e.wraps = [e.wraps[0], e.wraps[0]] })), MalformedSealError, 'malformed')
    await refuses(openAs(bob, rewrite(bytes, e => { e.id = e.id.subarray(0, 15) })), MalformedSealError, 'malformed')
    await refuses(openAs(bob, rewrite(bytes, e => { e.kind = SealContextKind.UNSPECIFIED })), MalformedSealError, 'malformed')
    await refuses(openAs(bob, new Uint8Array(maxSealedBytes(0, MAX_SEAL_RECIPIENTS, { pad: true }) + 1), { maxPayloadBytes: 0 }), MalformedSealError, 'too-large')
    // within the byte cap, but the sealed payload is over this receiver's payload cap
    await refuses(openAs(bob, bytes, { maxPayloadBytes: 4 }), MalformedSealError, 'malformed')
  })

  it('refuses to seal without recipients, with too many, with a bad id, seq or context, or over the payload cap', async () => {
    await assert.rejects(sealFromAlice({ recipients: [] }), SealInputError)
    const many = await Promise.all(Array.from({ length: MAX_SEAL_RECIPIENTS + 1 }, async () => await makeCard(alice.identity, generateSealKeyPair(T0))))
    await assert.rejects(sealFromAlice({ recipients: many }), SealInputError)
    await assert.rejects(sealFromAlice({ id: new Uint8Array(15) }), SealInputError)
    await assert.rejects(sealFromAlice({ seq: 0 }), SealInputError)
    await assert.rejects(sealFromAlice({ seq: 1.5 }), SealInputError)
    await assert.rejects(sealFromAlice({ context: { kind: 'topic', name: '' } }), SealInputError)
    await assert.rejects(sealFromAlice({ context: { kind: 'nope' as 'topic', name: 'x' } }), SealInputError)
    await assert.rejects(sealFromAlice({ payload: new Uint8Array(11), maxPayloadBytes: 10 }), SealInputError)
  })

  it('refuses to seal to a recipient card that has expired by the message time', async () => {
    const expiring = await makeCard(bob.identity, bob.keys.current, { expires: NOW })
    await assert.rejects(sealFromAlice({ recipients: [expiring] }), SealInputError)
    await sealFromAlice({ recipients: [expiring], time: NOW - 1 })
  })

  it('the same recipient card twice makes one wrap', async () => {
    const bytes = await sealFromAlice({ recipients: [bob.card, bob.card] })
    assert.equal(SealedEnvelope.decode(bytes).wraps.length, 1)
  })

  it('padding hides the length in power-of-two buckets from 256 bytes, inside the ciphertext', async () => {
    assert.deepEqual([0, 1, 256, 257, 1000, 70000].map(paddedLength), [256, 256, 256, 512, 1024, 131072])
    const short = SealedEnvelope.decode(await sealFromAlice({ payload: text('a'), pad: true }))
    const longer = SealedEnvelope.decode(await sealFromAlice({ payload: new Uint8Array(200), pad: true }))
    assert.equal(short.ciphertext.length, 256 + 16)
    assert.equal(longer.ciphertext.length, 256 + 16)
    const unpadded = SealedEnvelope.decode(await sealFromAlice({ payload: text('a') }))
    assert.equal(unpadded.ciphertext.length, 20 + 1 + 16)
    const got = await openAs(bob, await sealFromAlice({ payload: new Uint8Array(300).fill(5), pad: true }))
    assert.deepEqual(got.payload, new Uint8Array(300).fill(5))
  })

  it('overhead: 250 bytes + the context name with one recipient, +137 per extra recipient (38-byte PeerIds), within maxSealedBytes', async () => {
    const one = await sealFromAlice({ payload: new Uint8Array(1000), recipients: [bob.card] })
    const two = await sealFromAlice({ payload: new Uint8Array(1000), recipients: [bob.card, carol.card] })
    const ten = await sealFromAlice({ payload: new Uint8Array(1000), recipients: [bob.card, carol.card, dave.card, alice.card] })
    assert.equal(one.length - 1000, 250 + TOPIC.name.length)
    assert.equal(two.length - one.length, 137)
    assert.equal(ten.length - one.length, 3 * 137)
    assert.ok(one.length <= maxSealedBytes(1000, 1, { contextBytes: TOPIC.name.length }))
    assert.ok(ten.length <= maxSealedBytes(1000, 4, { contextBytes: TOPIC.name.length }))
  })
})
