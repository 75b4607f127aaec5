/**
 * The relay's record: round trip, the cap checked before decoding, and each
 * field a relay of this version could not have written.
 */
import assert from 'node:assert/strict'
import { RECORD_OVERHEAD, decodeRecord, encodeRecord } from '../../../src/webhook/record.js'
import { WebhookRecord } from '../../../src/webhook/record-pb.js'

const SIG = 'sha256=' + 'ab'.repeat(32)
const body = new TextEncoder().encode('{"ref":"refs/heads/main"}')
const good: WebhookRecord = { version: 1, event: 'push', delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958', body, signature: SIG, receivedAt: 1_700_000_000_123n }

describe('webhook record', () => {
  it('round-trips every field', () => {
    const back = decodeRecord(encodeRecord(good), 1024)
    assert.deepEqual({ ...back, body: [...back.body] }, { ...good, body: [...body] })
  })

  it('has a stable encoding (field numbers are the format)', () => {
    const bytes = encodeRecord({ version: 1, event: 'e', delivery: 'd', body: new Uint8Array([0x7b]), signature: 's', receivedAt: 2n })
    assert.equal(Buffer.from(bytes).toString('hex'), '0801' + '120165' + '1a0164' + '22017b' + '2a0173' + '3002')
  })

  it('refuses data over the cap before decoding it', () => {
    const data = encodeRecord(good)
    assert.doesNotThrow(() => decodeRecord(data, data.byteLength - RECORD_OVERHEAD))
    assert.throws(() => decodeRecord(data, data.byteLength - RECORD_OVERHEAD - 1), { name: 'ProtocolError', message: /exceeds the cap/ })
  })

  it('refuses bytes that are not a record', () => {
    assert.throws(() => decodeRecord(new Uint8Array([0x0a, 0xff]), 1024), { name: 'ProtocolError', message: 'message data is not a webhook record' })
  })

  it('refuses an unknown version, naming what to do', () => {
    assert.throws(() => decodeRecord(encodeRecord({ ...good, version: 2 }), 1024), { name: 'ProtocolError', message: /version 2 is not supported .*same p2p-tor version/ })
    assert.throws(() => decodeRecord(encodeRecord({ ...good, version: 0 }), 1024), { name: 'ProtocolError', message: /version 0/ })
  })

  for (const [field, value, why] of [
    ['event', 'push.evil', /event name/],
    ['event', '', /event name/],
    ['delivery', 'a b', /delivery id/],
    ['delivery', 'x'.repeat(129), /delivery id/],
    ['signature', 'sha1=' + 'ab'.repeat(20), /X-Hub-Signature-256/],
    ['signature', 'sha256=' + 'AB'.repeat(32), /X-Hub-Signature-256/],
    ['body', new Uint8Array(0), /empty body/]
  ] as const) {
    it(`refuses a record with ${field} ${JSON.stringify(typeof value === 'string' ? value.slice(0, 20) : 'empty')}`, () => {
      assert.throws(() => decodeRecord(encodeRecord({ ...good, [field]: value }), 1024), { name: 'ProtocolError', message: why })
    })
  }
})
