/**
 * Envelopes (what a publish carries) and the member's check of replayed
 * history: a hub cannot forge a retained message or its originator.
 */
import assert from 'node:assert/strict'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { decodeEnvelope, encodeEnvelope, ENVELOPE_ID_BYTES, ENVELOPE_OVERHEAD, idHex, newEnvelope, SeenIds } from '../../../src/messaging/envelope.js'
import { verifyHistory } from '../../../src/messaging/member.js'
import type { History } from '../../../src/messaging/wire-pb.js'

async function signed (topic: string, data: Uint8Array): Promise<{ h: History, from: string }> {
  const key = await generateKeyPair('Ed25519')
  const peer = peerIdFromPrivateKey(key)
  const from = peer.toMultihash().bytes
  const seqno = new Uint8Array(8).fill(7)
  // gossipsub's StrictSign: "libp2p-pubsub:" + the protobuf Message without signature and key
  const body = RPC.Message.encode({ from, data, seqno, topic })
  const prefix = new TextEncoder().encode('libp2p-pubsub:')
  const toSign = new Uint8Array(prefix.byteLength + body.byteLength)
  toSign.set(prefix)
  toSign.set(body, prefix.byteLength)
  const signature = await key.sign(toSign)
  return { h: { requestId: 1n, topic, from, data, seqno, signature, key: publicKeyToProtobuf(key.publicKey) } as History, from: peer.toString() }
}

describe('messaging envelopes and replayed history', () => {
  it('an envelope round-trips and its id is 16 random bytes', () => {
    const e = newEnvelope(new TextEncoder().encode('hi'), 'text/plain', 1234)
    const d = decodeEnvelope(encodeEnvelope(e), 1024)
    assert.equal(d.id.byteLength, ENVELOPE_ID_BYTES)
    assert.equal(idHex(d.id), idHex(e.id))
    assert.equal(d.time, 1234n)
    assert.equal(d.contentType, 'text/plain')
    assert.equal(new TextDecoder().decode(d.body), 'hi')
    assert.notEqual(idHex(newEnvelope(new Uint8Array()).id), idHex(newEnvelope(new Uint8Array()).id))
  })

  it('refuses data that is not an envelope, a short id, and a body over the cap', () => {
    assert.throws(() => decodeEnvelope(new Uint8Array([0xff, 0xff, 0xff]), 1024), { name: 'ProtocolError' })
    const short = encodeEnvelope({ id: new Uint8Array(8), time: 0n, contentType: '', body: new Uint8Array() })
    assert.throws(() => decodeEnvelope(short, 1024), /16 bytes/)
    const big = encodeEnvelope(newEnvelope(new Uint8Array(1024 + ENVELOPE_OVERHEAD)))
    assert.throws(() => decodeEnvelope(big, 1024), /exceeds the cap/)
    assert.doesNotThrow(() => decodeEnvelope(big, 2048))
  })

  it('decodeEnvelope parses or throws ProtocolError for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        decodeEnvelope(bytes, 256)
      } catch (err) {
        assert.equal((err as Error).name, 'ProtocolError')
      }
    }), { numRuns: 2000 })
  })

  it('SeenIds drops duplicates and forgets the oldest beyond its bound', () => {
    const s = new SeenIds(2)
    assert.equal(s.add('a'), true)
    assert.equal(s.add('a'), false)
    s.add('b')
    s.add('c')
    assert.equal(s.has('a'), false)
    assert.equal(s.add('c'), false)
  })

  it('verifyHistory accepts a message its originator signed, and names the originator', async () => {
    const { h, from } = await signed('news.a', new Uint8Array([1, 2, 3]))
    assert.equal(await verifyHistory(h), from)
  })

  it('verifyHistory refuses a replay whose data, topic, seqno or signature the hub changed', async () => {
    const { h } = await signed('news.a', new Uint8Array([1, 2, 3]))
    await assert.rejects(verifyHistory({ ...h, data: new Uint8Array([1, 2, 4]) }), /bad signature/)
    await assert.rejects(verifyHistory({ ...h, topic: 'news.b' }), /bad signature/)
    await assert.rejects(verifyHistory({ ...h, seqno: new Uint8Array(8) }), /bad signature/)
    const sig = new Uint8Array(h.signature)
    sig[0] ^= 1
    await assert.rejects(verifyHistory({ ...h, signature: sig }), /bad signature/)
  })

  it('verifyHistory refuses a message attributed to another peer', async () => {
    const a = await signed('news.a', new Uint8Array([1]))
    const b = await signed('news.a', new Uint8Array([1]))
    await assert.rejects(verifyHistory({ ...a.h, from: b.h.from }), /bad signature/)
  })
})
