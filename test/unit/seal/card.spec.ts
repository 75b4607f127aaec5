/**
 * Key cards: made and verified, refused when signed by another identity,
 * tampered, for another PeerId, expired or malformed; fingerprint and text form.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { cardFingerprint, exportCard, importCard, KEY_CARD_SIGNING_PREFIX, makeCard, MAX_KEY_CARD_BYTES, newerCard, verifyCard } from '../../../src/seal/card.js'
import { InvalidCardError } from '../../../src/seal/errors.js'
import { KeyCard as KeyCardPb, SignedKeyCard } from '../../../src/seal/seal-pb.js'
import { generateSealKeyPair, sealKeyPairFromPrivateKey } from '../../../src/seal/keys.js'
import { sealKeyId } from '../../../src/seal/suite.js'
import { filled, member, T0 } from '../../fixtures/seal/members.js'
import type { Member } from '../../fixtures/seal/members.js'

async function refused (p: Promise<unknown>, problem: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InvalidCardError, `expected InvalidCardError, got ${String(err)}`)
    assert.equal(err.problem, problem)
    return true
  })
}

describe('key cards', function () {
  this.timeout(20000)
  let alice: Member, bob: Member

  before(async () => {
    [alice, bob] = await Promise.all([member(1), member(2)])
  })

  it('a good card verifies, with and without the expected PeerId, and carries its fields', async () => {
    const card = await verifyCard(alice.card.bytes, alice.peerId, { now: T0 })
    assert.equal(card.peerId.toString(), alice.peerId.toString())
    assert.deepEqual(card.publicKey, alice.keys.current.publicKey)
    assert.deepEqual(card.keyId, sealKeyId(alice.keys.current.publicKey))
    assert.equal(card.version, 1)
    assert.equal(card.created, T0)
    assert.equal(card.sequence, T0)
    assert.equal(card.expires, undefined)
    assert.equal((await verifyCard(alice.card.bytes, undefined, { now: T0 })).peerId.toString(), alice.peerId.toString())
    assert.equal((await verifyCard(alice.card.bytes, alice.peerId.toString(), { now: T0 })).sequence, T0)
  })

  it('the signature covers the domain-separation prefix and the card bytes', async () => {
    const signed = SignedKeyCard.decode(alice.card.bytes)
    const message = new Uint8Array([...new TextEncoder().encode(KEY_CARD_SIGNING_PREFIX), ...signed.card])
    assert.equal(await alice.identity.publicKey.verify(message, signed.signature), true)
    assert.equal(await alice.identity.publicKey.verify(signed.card, signed.signature), false)
  })

  it('a card naming Alice but signed by another identity is refused (signature)', async () => {
    const signed = SignedKeyCard.decode(new Uint8Array(alice.card.bytes))
    const forgedSig = await bob.identity.sign(new Uint8Array([...new TextEncoder().encode(KEY_CARD_SIGNING_PREFIX), ...signed.card]))
    const forged = SignedKeyCard.encode({ card: signed.card, signature: new Uint8Array(forgedSig) })
    await refused(verifyCard(forged, alice.peerId, { now: T0 }), 'signature')
    await refused(verifyCard(forged, undefined, { now: T0 }), 'signature')
  })

  it('a hub that swaps in its own key is caught: the card no longer verifies (tampered)', async () => {
    const signed = SignedKeyCard.decode(new Uint8Array(alice.card.bytes))
    const body = KeyCardPb.decode(signed.card)
    body.x25519PublicKey = generateSealKeyPair(T0).publicKey
    await refused(verifyCard(SignedKeyCard.encode({ card: KeyCardPb.encode(body), signature: signed.signature }), alice.peerId, { now: T0 }), 'signature')
  })

  it('any flipped bit in the signed card is refused', async () => {
    for (let i = 0; i < alice.card.bytes.length; i++) {
      const bytes = new Uint8Array(alice.card.bytes)
      bytes[i] ^= 0x04
      await assert.rejects(verifyCard(bytes, alice.peerId, { now: T0 }), InvalidCardError, `bit flip at byte ${i}`)
    }
  })

  it('a valid card for another PeerId than expected is refused (wrong-peer)', async () => {
    await refused(verifyCard(bob.card.bytes, alice.peerId, { now: T0 }), 'wrong-peer')
  })

  it('an expired card is refused from its expiry on', async () => {
    const card = await makeCard(alice.identity, alice.keys.current, { expires: T0 + 1000 })
    assert.equal(card.expires, T0 + 1000)
    assert.equal((await verifyCard(card.bytes, alice.peerId, { now: T0 + 999 })).expires, T0 + 1000)
    await refused(verifyCard(card.bytes, alice.peerId, { now: T0 + 1000 }), 'expired')
  })

  it('malformed bytes, a wrong version, a wrong key size and an oversized card are refused', async () => {
    await refused(verifyCard(new Uint8Array([1, 2, 3]), undefined, { now: T0 }), 'malformed')
    await refused(verifyCard(new Uint8Array(MAX_KEY_CARD_BYTES + 1), undefined, { now: T0 }), 'malformed')
    const signed = SignedKeyCard.decode(new Uint8Array(alice.card.bytes))
    const body = KeyCardPb.decode(signed.card)
    const resign = async (b: KeyCardPb): Promise<Uint8Array> => {
      const card = KeyCardPb.encode(b)
      return SignedKeyCard.encode({ card, signature: new Uint8Array(await alice.identity.sign(new Uint8Array([...new TextEncoder().encode(KEY_CARD_SIGNING_PREFIX), ...card]))) })
    }
    await refused(verifyCard(await resign({ ...body, version: 2 }), undefined, { now: T0 }), 'version')
    await refused(verifyCard(await resign({ ...body, x25519PublicKey: new Uint8Array(31) }), undefined, { now: T0 }), 'malformed')
    await refused(verifyCard(await resign({ ...body, peerId: new Uint8Array([1, 2, 3]) }), undefined, { now: T0 }), 'malformed')
  })

  it('a PeerId that does not embed its key (RSA) cannot be checked (no-public-key)', async function () {
    this.timeout(60000)
    const rsa = await generateKeyPair('RSA', 1024)
    const card = KeyCardPb.encode({ version: 1, peerId: peerIdFromPrivateKey(rsa).toMultihash().bytes, x25519PublicKey: alice.keys.current.publicKey, created: T0, sequence: T0 })
    const bytes = SignedKeyCard.encode({ card, signature: new Uint8Array(await rsa.sign(new Uint8Array([...new TextEncoder().encode(KEY_CARD_SIGNING_PREFIX), ...card]))) })
    await refused(verifyCard(bytes, undefined, { now: T0 }), 'no-public-key')
  })

  it('fingerprint: 6 groups of 5 digits, stable for the same key, different for another key or PeerId', async () => {
    const fp = cardFingerprint(alice.card)
    assert.match(fp, /^\d{5}( \d{5}){5}$/)
    // re-signed later with the same key: same fingerprint
    const again = await makeCard(alice.identity, alice.keys.current.publicKey, { created: T0 + 5000, sequence: T0 + 5000 })
    assert.equal(cardFingerprint(again), fp)
    assert.equal(cardFingerprint(await importCard(exportCard(alice.card), undefined, { now: T0 })), fp)
    const rotated = await makeCard(alice.identity, sealKeyPairFromPrivateKey(filled(0x42), T0))
    assert.notEqual(cardFingerprint(rotated), fp)
    const sameKeyOtherPeer = await makeCard(bob.identity, alice.keys.current)
    assert.notEqual(cardFingerprint(sameKeyOtherPeer), fp)
  })

  it('export/import round trip; import refuses a wrong prefix, bad characters and another PeerId', async () => {
    const textForm = exportCard(bob.card)
    assert.ok(textForm.startsWith('p2p-tor-card:'))
    assert.match(textForm.slice('p2p-tor-card:'.length), /^[A-Za-z0-9_-]+$/)
    const back = await importCard(`  ${textForm}\n`, bob.peerId, { now: T0 })
    assert.deepEqual(back.bytes, bob.card.bytes)
    assert.deepEqual(back.publicKey, bob.card.publicKey)
    await refused(importCard(textForm.replace('p2p-tor-card:', 'card:'), undefined, { now: T0 }), 'prefix')
    await refused(importCard(`${textForm}!`, undefined, { now: T0 }), 'malformed')
    await refused(importCard(textForm, alice.peerId, { now: T0 }), 'wrong-peer')
  })

  it('newerCard prefers the higher sequence, and refuses to compare two PeerIds', async () => {
    const later = await makeCard(alice.identity, sealKeyPairFromPrivateKey(filled(0x43), T0 + 10))
    assert.equal(newerCard(alice.card, later), later)
    assert.equal(newerCard(later, alice.card), later)
    assert.throws(() => newerCard(alice.card, bob.card), RangeError)
  })

  it('makeCard refuses a public key of the wrong size and a bad time', async () => {
    await assert.rejects(makeCard(alice.identity, new Uint8Array(31)), RangeError)
    await assert.rejects(makeCard(alice.identity, alice.keys.current, { created: -1 }), RangeError)
  })
})
