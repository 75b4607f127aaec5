/**
 * Property: what a recipient opens is exactly what was sealed, for random
 * payloads from 0 B to 1 MiB (many small runs, a few big ones) and 1 to 20
 * recipients, with and without padding; a member outside the recipient set
 * cannot open it. Fixed seeds, so a failure reproduces.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { open, seal } from '../../../src/seal/envelope.js'
import { NotARecipientError } from '../../../src/seal/errors.js'
import { ReplayGuard } from '../../../src/seal/replay.js'
import { member, T0 } from '../../fixtures/seal/members.js'
import type { Member } from '../../fixtures/seal/members.js'

const MIB = 1024 * 1024

describe('seal/open property', function () {
  this.timeout(300_000)
  const members: Member[] = []
  let outsider: Member

  before(async () => {
    for (let n = 1; n <= 21; n++) members.push(await member(n))
    outsider = await member(99)
  })

  async function roundTrip (payload: Uint8Array, senderIndex: number, recipientIndexes: number[], pad: boolean, seq: number): Promise<void> {
    const sender = members[senderIndex]
    const recipients = recipientIndexes.map(i => members[i])
    const context = { kind: 'topic' as const, name: `t/${seq}` }
    const bytes = await seal({ payload, context, sender: { peerId: sender.peerId, keys: sender.keys }, recipients: recipients.map(r => r.card), time: T0, seq, pad })
    // open as the first and the last recipient (sorted order differs from input order)
    for (const who of new Set([recipients[0], recipients[recipients.length - 1]])) {
      const got = await open(bytes, { context, me: { peerId: who.peerId, keys: who.keys }, senderCard: (p) => members.find(m => m.peerId.equals(p))?.card, replay: new ReplayGuard(), now: T0 })
      assert.equal(got.payload.length, payload.length)
      assert.ok(Buffer.from(got.payload).equals(Buffer.from(payload)), 'payload differs')
      assert.equal(got.seq, seq)
      assert.equal(got.sender.toString(), sender.peerId.toString())
    }
    const nonRecipient = [...members, outsider].find(m => !recipientIndexes.some(i => members[i] === m))
    if (nonRecipient != null) {
      await assert.rejects(open(bytes, { context, me: { peerId: nonRecipient.peerId, keys: nonRecipient.keys }, senderCard: () => sender.card, replay: new ReplayGuard(), now: T0 }), NotARecipientError)
    }
  }

  const recipientsArb = fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 20 })

  it('small payloads (0 B to 4 KiB), 1 to 20 recipients: 100 runs', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.integer({ min: 0, max: 20 }), recipientsArb, fc.boolean(), fc.integer({ min: 1, max: 2 ** 40 }),
      async (payload, sender, recipients, pad, seq) => { await roundTrip(payload, sender, recipients, pad, seq) }
    ), { numRuns: 100, seed: 1401 })
  })

  it('big payloads (up to 1 MiB, including exactly 1 MiB), 1 to 20 recipients: 4 runs', async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.constant(MIB), fc.integer({ min: 64 * 1024, max: MIB })), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 20 }), recipientsArb, fc.boolean(),
      async (size, fill, sender, recipients, pad) => {
        const payload = new Uint8Array(size)
        for (let i = 0; i < size; i++) payload[i] = (i * 31 + fill) & 0xff
        await roundTrip(payload, sender, recipients, pad, 1)
      }
    ), { numRuns: 4, seed: 1402 })
  })

  it('the empty payload and exactly 20 recipients', async () => {
    await roundTrip(new Uint8Array(0), 0, Array.from({ length: 20 }, (_, i) => i + 1), false, 1)
  })
})
