/**
 * Safety numbers: libsignal's own displayable-fingerprint vector (an
 * independent check of the hash chain and the digit encoding), then the
 * PeerId form: symmetric, a fixed vector from two fixed keys, changes with
 * either key, 60 digits, non-Ed25519 refused, and the 3-line format.
 */
import assert from 'node:assert/strict'
import { InvalidParametersError } from '@libp2p/interface'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { fingerprintDigits, formatSafetyNumber, safetyNumber } from '../../../src/chat/safety.js'
import { NotEd25519PeerIdError } from '../../../src/chat/core-errors.js'
import type { PeerId } from '@libp2p/interface'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'))
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

// libsignal-protocol-c tests/test_fingerprint.c (and libsignal-protocol-java's
// NumericFingerprintGeneratorTest): 5200 iterations, serialized Curve25519
// keys (0x05 ‖ 32 bytes), phone numbers as the stable identifiers.
const SIGNAL_ALICE_IDENTITY = hex('05 06863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868')
const SIGNAL_BOB_IDENTITY = hex('05 f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b')
const SIGNAL_DISPLAYABLE = '300354477692869396892869876765458257569162576843440918079131'

async function fixedPeer (fill: number): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(fill)))
}

describe('chat safety numbers', function () {
  this.timeout(20000)
  let alice: PeerId, bob: PeerId, carol: PeerId

  before(async () => {
    [alice, bob, carol] = await Promise.all([fixedPeer(1), fixedPeer(2), fixedPeer(3)])
  })

  it('matches libsignal\'s displayable fingerprint vector', () => {
    const halves = [
      fingerprintDigits(SIGNAL_ALICE_IDENTITY, utf8('+14152222222')),
      fingerprintDigits(SIGNAL_BOB_IDENTITY, utf8('+14153333333'))
    ].sort()
    assert.equal(halves.join(''), SIGNAL_DISPLAYABLE)
  })

  it('is 60 digits, the same from both sides', () => {
    const n = safetyNumber(alice, bob)
    assert.match(n, /^[0-9]{60}$/)
    assert.equal(safetyNumber(bob, alice), n)
  })

  it('is fixed for two fixed keys (Ed25519 seeds 0x01… and 0x02…)', () => {
    // computed once by this implementation and checked in, so any change to the scheme shows
    assert.equal(alice.toString(), '12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5')
    assert.equal(safetyNumber(alice, bob), '517585453582899484146321634538977879141533976317082040585591')
  })

  it('changes when either key changes', () => {
    const ab = safetyNumber(alice, bob)
    const cb = safetyNumber(carol, bob)
    const ac = safetyNumber(alice, carol)
    assert.notEqual(cb, ab)
    assert.notEqual(ac, ab)
    // each party's half is its own: bob's half is in both ab and cb
    const bobHalf = fingerprintDigits(bob.publicKey?.raw ?? new Uint8Array(), bob.toMultihash().bytes)
    assert.ok(ab.includes(bobHalf) && cb.includes(bobHalf))
    assert.ok(!ac.includes(bobHalf))
  })

  it('refuses non-Ed25519 PeerIds with NotEd25519PeerIdError', async () => {
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'))
    const rsaNoKey = peerIdFromString('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')
    for (const [p, type] of [[secp, 'secp256k1'], [rsaNoKey, 'RSA']] as const) {
      for (const call of [() => safetyNumber(alice, p), () => safetyNumber(p, alice)]) {
        assert.throws(call, (err: unknown) => {
          assert.ok(err instanceof NotEd25519PeerIdError)
          assert.equal(err.keyType, type)
          assert.equal(err.peerId, p.toString())
          return true
        })
      }
    }
  })

  it('formats as 12 groups of 5 on 3 lines of 4', () => {
    const n = '123456789012345678901234567890123456789012345678901234567890'
    assert.equal(formatSafetyNumber(n), '12345 67890 12345 67890\n12345 67890 12345 67890\n12345 67890 12345 67890')
    assert.equal(formatSafetyNumber(safetyNumber(alice, bob)).replace(/\s/g, ''), safetyNumber(alice, bob))
    for (const bad of ['', n.slice(1), `${n}1`, `${n.slice(1)}a`]) {
      assert.throws(() => formatSafetyNumber(bad), InvalidParametersError)
    }
  })
})
