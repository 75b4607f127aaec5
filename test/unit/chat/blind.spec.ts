/**
 * The mailbox's blind seal: round trip, a rotated-out key still opens within
 * its grace (and not after), the wrong recipient, tampering anywhere, the
 * AAD bound, caps, and no plaintext marker in the blob.
 */
import assert from 'node:assert/strict'
import { InvalidParametersError } from '@libp2p/interface'
import { BLIND_OVERHEAD_BYTES, blindOpen, blindSeal } from '../../../src/chat/blind.js'
import { BlindOpenError } from '../../../src/chat/core-errors.js'
import { SealKeyRing, generateSealKeyPair, sealKeyPairFromPrivateKey } from '../../../src/seal/keys.js'
import { member, T0 } from '../../fixtures/seal/members.js'
import type { Member } from '../../fixtures/seal/members.js'
import type { BlindOpenReason } from '../../../src/chat/core-errors.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const MARKER = text('MARKER-c0ffee-plaintext-that-must-not-show')
const INBOX = new Uint8Array(16).fill(0x42)

function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle))
}

async function refused (p: Promise<unknown>, reason: BlindOpenReason): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BlindOpenError, `expected BlindOpenError, got ${String(err)}`)
    assert.equal(err.name, 'BlindOpenError')
    assert.equal(err.reason, reason, err.message)
    return true
  })
}

describe('chat blind seal', function () {
  this.timeout(20000)
  let bob: Member, carol: Member

  before(async () => {
    [bob, carol] = await Promise.all([member(2), member(3)])
  })

  it('round trips, and the blob is the plaintext plus 57 bytes without the plaintext in it', async () => {
    const blob = await blindSeal(bob.card, MARKER, INBOX)
    assert.equal(blob.length, MARKER.length + BLIND_OVERHEAD_BYTES)
    assert.equal(blob[0], 1)
    assert.deepEqual(blob.subarray(1, 9), bob.card.keyId)
    assert.ok(!contains(blob, MARKER))
    assert.ok(!contains(blob, MARKER.subarray(0, 8)))
    assert.deepEqual(await blindOpen(bob.keys, blob, INBOX, { now: T0 }), MARKER)
    // single shot with a fresh ephemeral key each time
    const again = await blindSeal(bob.card, MARKER, INBOX)
    assert.notDeepEqual(again, blob)
  })

  it('opens an empty plaintext', async () => {
    const blob = await blindSeal(bob.card, new Uint8Array(), INBOX)
    assert.equal((await blindOpen(bob.keys, blob, INBOX, { now: T0 })).length, 0)
  })

  it('a previous (rotated) key still opens within its grace, and not after', async () => {
    const old = bob.keys.current
    const blob = await blindSeal({ publicKey: old.publicKey }, MARKER, INBOX)
    const graceEnd = T0 + 10 * 60_000
    const rotated = new SealKeyRing(generateSealKeyPair(T0 + 1), [sealKeyPairFromPrivateKey(old.privateKey, old.created, graceEnd)])
    assert.deepEqual(await blindOpen(rotated, blob, INBOX, { now: graceEnd - 1 }), MARKER)
    await assert.rejects(blindOpen(rotated, blob, INBOX, { now: graceEnd }), (err: unknown) => {
      assert.ok(err instanceof BlindOpenError)
      assert.equal(err.reason, 'unknown-key')
      assert.match(err.message, /past its grace period/)
      return true
    })
    // and the new current key opens what is sealed to it
    assert.deepEqual(await blindOpen(rotated, await blindSeal({ publicKey: rotated.current.publicKey }, MARKER, INBOX), INBOX, { now: graceEnd }), MARKER)
  })

  it('the wrong recipient cannot open it', async () => {
    const blob = await blindSeal(bob.card, MARKER, INBOX)
    await refused(blindOpen(carol.keys, blob, INBOX, { now: T0 }), 'unknown-key')
    // even when the blob is relabelled with carol's key id
    const relabelled = new Uint8Array(blob)
    relabelled.set(carol.card.keyId, 1)
    await refused(blindOpen(carol.keys, relabelled, INBOX, { now: T0 }), 'tampered')
  })

  it('any changed byte after the header is refused as tampered', async () => {
    const blob = await blindSeal(bob.card, MARKER, INBOX)
    for (let i = 9; i < blob.length; i++) {
      const bad = new Uint8Array(blob)
      bad[i] ^= 0x01
      await refused(blindOpen(bob.keys, bad, INBOX, { now: T0 }), 'tampered')
    }
    await refused(blindOpen(bob.keys, blob.subarray(0, blob.length - 1), INBOX, { now: T0 }), 'tampered')
  })

  it('is bound to the AAD (the inbox id)', async () => {
    const blob = await blindSeal(bob.card, MARKER, INBOX)
    const other = new Uint8Array(INBOX)
    other[15] ^= 1
    await refused(blindOpen(bob.keys, blob, other, { now: T0 }), 'tampered')
    await refused(blindOpen(bob.keys, blob, new Uint8Array(), { now: T0 }), 'tampered')
  })

  it('refuses malformed, other-version and oversized blobs, and oversized input', async () => {
    const blob = await blindSeal(bob.card, MARKER, INBOX)
    await refused(blindOpen(bob.keys, blob.subarray(0, BLIND_OVERHEAD_BYTES - 1), INBOX), 'malformed')
    await refused(blindOpen(bob.keys, new Uint8Array(), INBOX), 'malformed')
    const v2 = new Uint8Array(blob)
    v2[0] = 2
    await refused(blindOpen(bob.keys, v2, INBOX), 'version')
    await refused(blindOpen(bob.keys, blob, INBOX, { maxBytes: MARKER.length - 1 }), 'too-large')
    assert.deepEqual(await blindOpen(bob.keys, blob, INBOX, { maxBytes: MARKER.length, now: T0 }), MARKER)
    await assert.rejects(blindSeal(bob.card, new Uint8Array(11), INBOX, { maxBytes: 10 }), InvalidParametersError)
    await assert.rejects(blindSeal(bob.card, MARKER, new Uint8Array(1025)), InvalidParametersError)
    await assert.rejects(blindSeal({ publicKey: new Uint8Array(31) }, MARKER, INBOX), InvalidParametersError)
  })
})
