import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HistoryStoreError, InvalidUriError } from '../../../src/messaging/errors.js'
import { DEFAULT_SINCE_MAX, HistoryStore, historyIdHex } from '../../../src/messaging/history.js'
import type { HistoryRecord } from '../../../src/messaging/history.js'
import type { HistoryPolicy } from '../../../src/messaging/realm.js'

const TOPIC = 'webhook.github.push'
const KEEP_ALL: HistoryPolicy = { limit: 100_000, maxBytes: 1024 * 1024 * 1024 }

/** A record whose every byte field is distinct and derived from `n`. */
function rec (n: number, time = 1_700_000_000_000 + n * 1000, dataBytes = 8): Omit<HistoryRecord, 'topic'> {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(12, n)
  id[0] = 0xab
  return {
    id,
    time,
    from: Uint8Array.of(0x00, 0x24, n & 0xff),
    data: new Uint8Array(dataBytes).fill(n & 0xff),
    seqno: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, n & 0xff),
    signature: new Uint8Array(64).fill(0x5a),
    key: new Uint8Array(0)
  }
}

/** The encoded size the store counts against maxBytes: 25-byte header, 5 length prefixes, the fields. */
function size (r: Omit<HistoryRecord, 'topic'>): number {
  return 25 + 5 * 4 + r.from.byteLength + r.data.byteLength + r.seqno.byteLength + r.signature.byteLength + r.key.byteLength
}

const ids = (records: HistoryRecord[]): number[] => records.map(r => new DataView(r.id.buffer, r.id.byteOffset).getUint32(12))
const hex = (n: number): string => historyIdHex(rec(n).id)

async function rejectsNamed (promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: any) => {
    assert.equal(err?.name, name)
    if (message != null) {
      assert.match(err.message, message)
    }
    return true
  })
}

describe('messaging history store', () => {
  let dir: string
  let store: HistoryStore

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-history-'))
    store = await HistoryStore.open(join(dir, 'history'))
  })

  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function appendAll (topic: string, ns: number[], policy: HistoryPolicy = KEEP_ALL): Promise<void> {
    for (const n of ns) {
      await store.append(topic, rec(n), policy)
    }
  }

  describe('order and content', () => {
    it('returns the records in arrival order, byte for byte, with their topic', async () => {
      await appendAll(TOPIC, [3, 1, 2])
      const got = await store.since(TOPIC, {})
      assert.deepEqual(ids(got), [3, 1, 2])
      const want = rec(1)
      assert.deepEqual(got[1], { ...want, topic: TOPIC })
    })

    it('keeps the call order of concurrent appends', async () => {
      await Promise.all([5, 4, 3, 2, 1, 0].map(async n => { await store.append(TOPIC, rec(n), KEEP_ALL) }))
      assert.deepEqual(ids(await store.since(TOPIC, {})), [5, 4, 3, 2, 1, 0])
    })

    it('arrival order, not time order: a record with an earlier time that arrives later comes later', async () => {
      await store.append(TOPIC, rec(1, 5000), KEEP_ALL)
      await store.append(TOPIC, rec(2, 4000), KEEP_ALL)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1, 2])
    })

    it('an unknown topic has no records', async () => {
      await appendAll(TOPIC, [1])
      assert.deepEqual(await store.since('webhook.github.pull', {}), [])
    })
  })

  describe('duplicates', () => {
    it('stores a duplicate id on the same topic once', async () => {
      await appendAll(TOPIC, [1, 2])
      await store.append(TOPIC, { ...rec(1), data: Uint8Array.of(9, 9) }, KEEP_ALL)
      const got = await store.since(TOPIC, {})
      assert.deepEqual(ids(got), [1, 2])
      assert.deepEqual(got[0].data, rec(1).data)
    })

    it('the same id on two topics is stored on each', async () => {
      await appendAll('a.b', [1])
      await appendAll('a.c', [1])
      assert.deepEqual(ids(await store.since('a.b', {})), [1])
      assert.deepEqual(ids(await store.since('a.c', {})), [1])
    })

    it('a duplicate does not count against the limit', async () => {
      const policy = { limit: 2, maxBytes: 1 << 20 }
      await appendAll(TOPIC, [1, 2, 2, 2], policy)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1, 2])
    })

    it('an id that was trimmed away may be stored again', async () => {
      const policy = { limit: 1, maxBytes: 1 << 20 }
      await appendAll(TOPIC, [1, 2, 1], policy)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1])
    })
  })

  describe('trimming on append', () => {
    it('by count: keeps the newest `limit`', async () => {
      await appendAll(TOPIC, [1, 2, 3, 4, 5], { limit: 3, maxBytes: 1 << 20 })
      assert.deepEqual(ids(await store.since(TOPIC, {})), [3, 4, 5])
    })

    it('by bytes: keeps the newest that fit in maxBytes', async () => {
      const one = size(rec(1, 0, 100))
      assert.equal(one, 25 + 20 + 3 + 100 + 8 + 64)
      const policy = { maxBytes: 2 * one + 1, limit: 1000 }
      for (const n of [1, 2, 3]) {
        await store.append(TOPIC, rec(n, n, 100), policy)
      }
      assert.deepEqual(ids(await store.since(TOPIC, {})), [2, 3])
      // Exactly 3 records' worth fits 3.
      for (const n of [4, 5, 6]) {
        await store.append('t.exact', rec(n, n, 100), { maxBytes: 3 * one, limit: 1000 })
      }
      assert.deepEqual(ids(await store.since('t.exact', {})), [4, 5, 6])
    })

    it('by bytes: a record larger than maxBytes on its own is not stored, and evicts nothing', async () => {
      const policy = { maxBytes: size(rec(1, 0, 10)) * 2, limit: 1000 }
      await store.append(TOPIC, rec(1, 1, 10), policy)
      await store.append(TOPIC, rec(2, 2, 10_000), policy)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1])
    })

    it('by age: drops records older than maxAgeSeconds before the new record\'s time, keeps one exactly at the edge', async () => {
      const policy = { maxAgeSeconds: 10, maxBytes: 1 << 20 }
      await store.append(TOPIC, rec(1, 0), policy)
      await store.append(TOPIC, rec(2, 5_999), policy)
      await store.append(TOPIC, rec(3, 6_000), policy)
      await store.append(TOPIC, rec(4, 10_000), policy)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1, 2, 3, 4])
      await store.append(TOPIC, rec(5, 16_000), policy)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [3, 4, 5])
    })

    it('trim() applies the policy to a quiet topic as of a given time', async () => {
      const policy = { maxAgeSeconds: 10, maxBytes: 1 << 20 }
      await appendAll(TOPIC, [1, 2, 3]) // times base+1000, +2000, +3000
      await store.trim(TOPIC, policy, 1_700_000_000_000 + 12_500)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [3])
      await store.trim(TOPIC, { limit: 1, maxBytes: 1 }, 0)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [])
    })

    it('trimming one topic leaves the others alone, even topics whose names share a prefix', async () => {
      const one = { limit: 1, maxBytes: 1 << 20 }
      await appendAll('a', [1, 2])
      await appendAll('a.b', [3, 4])
      await appendAll('ab', [5, 6])
      await appendAll('a', [7], one)
      assert.deepEqual(ids(await store.since('a', {})), [7])
      assert.deepEqual(ids(await store.since('a.b', {})), [3, 4])
      assert.deepEqual(ids(await store.since('ab', {})), [5, 6])
    })
  })

  describe('since', () => {
    beforeEach(async () => {
      await appendAll(TOPIC, [1, 2, 3, 4, 5])
    })

    it('after a known id: the records retained after it', async () => {
      assert.deepEqual(ids(await store.since(TOPIC, { afterId: hex(2) })), [3, 4, 5])
      assert.deepEqual(ids(await store.since(TOPIC, { afterId: hex(5) })), [])
      assert.deepEqual(ids(await store.since(TOPIC, { afterId: hex(2).toUpperCase() })), [3, 4, 5])
    })

    it('after an unknown id: everything retained (the subscriber drops what it has)', async () => {
      assert.deepEqual(ids(await store.since(TOPIC, { afterId: hex(99) })), [1, 2, 3, 4, 5])
    })

    it('an id known on another topic is unknown here', async () => {
      await appendAll('other', [42])
      assert.deepEqual(ids(await store.since(TOPIC, { afterId: hex(42) })), [1, 2, 3, 4, 5])
    })

    it('since a time: the records received at or after it', async () => {
      const t3 = rec(3).time
      assert.deepEqual(ids(await store.since(TOPIC, { sinceTime: t3 })), [3, 4, 5])
      assert.deepEqual(ids(await store.since(TOPIC, { sinceTime: t3 + 1 })), [4, 5])
      assert.deepEqual(ids(await store.since(TOPIC, { sinceTime: 0 })), [1, 2, 3, 4, 5])
    })

    it('a known id wins over a time; an unknown id falls back to the time', async () => {
      assert.deepEqual(ids(await store.since(TOPIC, { afterId: hex(1), sinceTime: rec(4).time })), [2, 3, 4, 5])
      assert.deepEqual(ids(await store.since(TOPIC, { afterId: hex(99), sinceTime: rec(4).time })), [4, 5])
    })

    it('max caps the count, oldest first, and paging by the last id continues', async () => {
      const first = await store.since(TOPIC, {}, { max: 2 })
      assert.deepEqual(ids(first), [1, 2])
      const next = await store.since(TOPIC, { afterId: historyIdHex(first[1].id) }, { max: 2 })
      assert.deepEqual(ids(next), [3, 4])
      assert.equal(DEFAULT_SINCE_MAX, 10_000)
    })

    it('maxBytes caps the bytes, but one record is always returned', async () => {
      const one = size(rec(1))
      assert.deepEqual(ids(await store.since(TOPIC, {}, { maxBytes: 2 * one })), [1, 2])
      assert.deepEqual(ids(await store.since(TOPIC, {}, { maxBytes: 2 * one - 1 })), [1])
      assert.deepEqual(ids(await store.since(TOPIC, {}, { maxBytes: 1 })), [1])
    })

    it('refuses a malformed afterId and a max out of range', async () => {
      await rejectsNamed(store.since(TOPIC, { afterId: 'abc' }), 'InvalidParametersError', /32 hex digits/)
      await rejectsNamed(store.since(TOPIC, { afterId: 'zz'.repeat(16) }), 'InvalidParametersError', /32 hex digits/)
      await rejectsNamed(store.since(TOPIC, {}, { max: 0 }), 'InvalidParametersError', /max is an integer from 1 to 10000/)
      await rejectsNamed(store.since(TOPIC, {}, { max: 10_001 }), 'InvalidParametersError', /max is an integer from 1 to 10000/)
      await rejectsNamed(store.since(TOPIC, {}, { maxBytes: 0 }), 'InvalidParametersError', /maxBytes/)
    })
  })

  describe('persistence', () => {
    it('survives close and open: records, order, the sequence and the per-topic totals', async () => {
      await appendAll(TOPIC, [1, 2, 3])
      await appendAll('other', [9])
      await store.close()
      store = await HistoryStore.open(join(dir, 'history'))
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1, 2, 3])
      assert.deepEqual(await store.since(TOPIC, {}), [1, 2, 3].map(n => ({ ...rec(n), topic: TOPIC })))
      // New records go after the old ones: the sequence continued.
      await appendAll(TOPIC, [0])
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1, 2, 3, 0])
      // The stored count still holds: a limit of 2 trims the records from before the restart.
      await store.append(TOPIC, rec(7), { limit: 2, maxBytes: 1 << 20 })
      assert.deepEqual(ids(await store.since(TOPIC, {})), [0, 7])
      // Duplicate detection survives too.
      await store.close()
      store = await HistoryStore.open(join(dir, 'history'))
      await store.append(TOPIC, rec(7), KEEP_ALL)
      assert.deepEqual(ids(await store.since(TOPIC, {})), [0, 7])
      assert.deepEqual(ids(await store.since('other', {})), [9])
    })

    it('a second open of the same directory is refused while the first holds it', async () => {
      await assert.rejects(HistoryStore.open(join(dir, 'history')), (err: unknown) => {
        assert.ok(err instanceof HistoryStoreError)
        assert.equal(err.dir, join(dir, 'history'))
        assert.equal(err.message, `the history store ${join(dir, 'history')} is in use by another process (another hub with the same data directory?); stop it, or give this hub its own data directory`)
        return true
      })
    })
  })

  describe('refusals', () => {
    it('refuses a topic that is not a URI, an id that is not 16 bytes, a time that is not finite, and a bad policy', async () => {
      await assert.rejects(store.append('a..b', rec(1), KEEP_ALL), InvalidUriError)
      await assert.rejects(store.since('a b', {}), InvalidUriError)
      await rejectsNamed(store.append(TOPIC, { ...rec(1), id: new Uint8Array(15) }, KEEP_ALL), 'InvalidParametersError', /16 bytes/)
      await rejectsNamed(store.append(TOPIC, { ...rec(1), time: Number.NaN }, KEEP_ALL), 'InvalidParametersError', /finite/)
      await rejectsNamed(store.append(TOPIC, rec(1), { maxBytes: 0 }), 'InvalidParametersError', /policy/)
      await rejectsNamed(store.append(TOPIC, rec(1), { maxBytes: 10, limit: 1.5 }), 'InvalidParametersError', /policy/)
      assert.deepEqual(await store.since(TOPIC, {}), [])
    })

    it('refuses use after close, and a second close is harmless', async () => {
      await store.close()
      await store.close()
      await assert.rejects(store.append(TOPIC, rec(1), KEEP_ALL), (err: unknown) => err instanceof HistoryStoreError && /is closed/.test(err.message))
      await assert.rejects(store.since(TOPIC, {}), HistoryStoreError)
    })

    it('close waits for the appends already asked for', async () => {
      const pending = [1, 2, 3].map(async n => { await store.append(TOPIC, rec(n), KEEP_ALL) })
      await store.close()
      await Promise.all(pending)
      store = await HistoryStore.open(join(dir, 'history'))
      assert.deepEqual(ids(await store.since(TOPIC, {})), [1, 2, 3])
    })
  })
})
