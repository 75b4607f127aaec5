/**
 * Known-answer vectors for our envelope (test/fixtures/seal/envelope-vectors.json):
 * fixed identities, fixed sealing keys and injected randomness give exactly
 * the checked-in bytes, with either KEM implementation. The vectors are also
 * taken apart here with @hpke and @noble directly, rebuilding the header from
 * the layout docs/sealed-envelope.md describes, so the format is pinned by
 * more than our own encoder.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { open, seal } from '../../../src/seal/envelope.js'
import { cardFingerprint, exportCard, importCard } from '../../../src/seal/card.js'
import { ReplayGuard } from '../../../src/seal/replay.js'
import { SealedEnvelope } from '../../../src/seal/seal-pb.js'
import { makeSuite } from '../../../src/seal/suite.js'
import { countingRandom, filled, hex, member, T0, unhex } from '../../fixtures/seal/members.js'
import type { Member } from '../../fixtures/seal/members.js'
import type { SealContext } from '../../../src/seal/envelope.js'

const FILE = fileURLToPath(new URL('../../../../test/fixtures/seal/envelope-vectors.json', import.meta.url))

interface Vector { name: string, context: SealContext, sender: number, recipients: number[], payload: string, id: string, time: number, seq: number, pad: boolean, sealed: string }
interface MemberVector { n: number, peerId: string, sealPublicKey: string, keyId: string, card: string, cardText: string, fingerprint: string }
const fixture = JSON.parse(readFileSync(FILE, 'utf8')) as { members: MemberVector[], vectors: Vector[] }

/** The header (AAD) layout from docs/sealed-envelope.md, written out again here. */
function header (v: SealedEnvelope, kindCode: number): Uint8Array {
  const parts: number[] = [...Buffer.from('p2p-tor sealed header v1\n'), 1, kindCode]
  const name = Buffer.from(v.context)
  parts.push(...[name.length >>> 24, (name.length >>> 16) & 255, (name.length >>> 8) & 255, name.length & 255], ...name)
  parts.push(v.sender.length, ...v.sender, ...v.senderKeyId, ...v.id, v.wraps.length >> 8, v.wraps.length & 255)
  for (const w of v.wraps) parts.push(w.recipient.length, ...w.recipient, ...w.keyId)
  return new Uint8Array(parts)
}

describe('sealed envelope known-answer vectors', function () {
  this.timeout(30000)
  const members: Member[] = []

  before(async () => {
    for (let n = 1; n <= 3; n++) members.push(await member(n))
  })

  it('the fixed members have the checked-in PeerIds, keys, cards, card text and fingerprints', async () => {
    assert.equal(fixture.members.length, 3)
    for (const m of fixture.members) {
      const got = members[m.n - 1]
      assert.equal(got.peerId.toString(), m.peerId)
      assert.equal(hex(got.keys.current.publicKey), m.sealPublicKey)
      assert.equal(hex(got.keys.current.keyId), m.keyId)
      assert.equal(hex(got.card.bytes), m.card)
      assert.equal(exportCard(got.card), m.cardText)
      assert.equal(cardFingerprint(got.card), m.fingerprint)
      const imported = await importCard(m.cardText, m.peerId, { now: T0 })
      assert.equal(hex(imported.publicKey), m.sealPublicKey)
    }
  })

  for (const v of fixture.vectors) {
    for (const impl of ['webcrypto', 'noble'] as const) {
      it(`${v.name}: seal() gives the checked-in bytes (${impl})`, async () => {
        const sender = members[v.sender - 1]
        const sealed = await seal({
          payload: unhex(v.payload),
          context: v.context,
          sender: { peerId: sender.peerId, keys: sender.keys },
          recipients: v.recipients.map(n => members[n - 1].card),
          id: unhex(v.id),
          time: v.time,
          seq: v.seq,
          pad: v.pad,
          suite: makeSuite(impl),
          unsafeRandomForTests: countingRandom()
        })
        assert.equal(hex(sealed), v.sealed)
      })
    }

    it(`${v.name}: every recipient opens the checked-in bytes`, async () => {
      for (const n of v.recipients) {
        const me = members[n - 1]
        const got = await open(unhex(v.sealed), {
          context: v.context,
          me: { peerId: me.peerId, keys: me.keys },
          senderCard: (p) => members.find(m => m.peerId.equals(p))?.card,
          replay: new ReplayGuard(),
          now: v.time
        })
        assert.equal(hex(got.payload), v.payload)
        assert.equal(got.sender.toString(), members[v.sender - 1].peerId.toString())
        assert.equal(hex(got.id), v.id)
        assert.equal(got.time, v.time)
        assert.equal(got.seq, v.seq)
        assert.deepEqual(got.context, v.context)
        assert.deepEqual(got.recipients.map(p => p.toString()).sort(), v.recipients.map(r => members[r - 1].peerId.toString()).sort())
      }
    })

    it(`${v.name}: taken apart with @hpke and @noble directly, as documented`, async () => {
      const env = SealedEnvelope.decode(unhex(v.sealed))
      const kindCode = { topic: 1, call: 2, result: 3, chat: 4 }[v.context.kind]
      assert.equal(env.version, 1)
      assert.equal(env.context, v.context.name)
      assert.equal(hex(env.id), v.id)
      const aad = header(env, kindCode)
      const wrapAad = new Uint8Array([...aad, ...sha256(env.ciphertext)])
      const suite = makeSuite('noble')
      const sender = members[v.sender - 1]
      // wraps are sorted by recipient PeerId bytes; each holds the content key 01*32
      const order = [...env.wraps].sort((a, b) => Buffer.compare(a.recipient, b.recipient))
      assert.deepEqual(env.wraps.map(w => hex(w.recipient)), order.map(w => hex(w.recipient)))
      for (const w of env.wraps) {
        const me = members.find(m => hex(m.peerId.toMultihash().bytes) === hex(w.recipient))
        assert.ok(me != null)
        assert.equal(hex(w.keyId), hex(me.keys.current.keyId))
        const key = await suite.open({
          recipientKey: await suite.kem.deserializePrivateKey(me.keys.current.privateKey),
          enc: w.enc,
          senderPublicKey: await suite.kem.deserializePublicKey(sender.keys.current.publicKey),
          info: new TextEncoder().encode('p2p-tor seal v1')
        }, w.wrappedKey, wrapAad)
        assert.equal(hex(new Uint8Array(key)), hex(filled(1)))
      }
      const content = chacha20poly1305(filled(1), new Uint8Array(12), aad).decrypt(env.ciphertext)
      const view = new DataView(content.buffer, content.byteOffset, content.byteLength)
      assert.equal(Number(view.getBigUint64(0)), v.time)
      assert.equal(Number(view.getBigUint64(8)), v.seq)
      const length = view.getUint32(16)
      assert.equal(hex(content.subarray(20, 20 + length)), v.payload)
      assert.equal(content.length, v.pad ? 256 : 20 + length)
      assert.ok(content.subarray(20 + length).every(b => b === 0), 'padding is zeros')
    })
  }
})
