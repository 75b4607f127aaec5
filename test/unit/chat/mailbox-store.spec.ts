/**
 * The mailbox store alone (classic-level in a temp dir, an injected clock):
 * each quota, expiry, arrival order across a reopen, owner checks, limits.
 * The wire (who may fetch or delete, as the server sees it) is in
 * test/fake/chat/mailbox.spec.ts.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidParametersError } from '@libp2p/interface'
import { MailboxNotOwnerError, MailboxQuotaError, MailboxRefusedError, MailboxTooLargeError, MailboxUnknownInboxError } from '../../../src/chat/errors.js'
import { DEFAULT_MAILBOX_LIMITS, mailboxLimits, MailboxStore, MAILBOX_MAX_BLOB_BYTES } from '../../../src/chat/mailbox-store.js'
import type { MailboxLimits } from '../../../src/chat/mailbox-store.js'

const OWNER = '12D3KooWOwnerOwnerOwnerOwnerOwnerOwnerOwnerOwner'
const OTHER = '12D3KooWOtherOtherOtherOtherOtherOtherOtherOther'

const inbox = (n: number): Uint8Array => new Uint8Array(16).fill(n)
const blob = (n: number, size = 10): Uint8Array => new Uint8Array(size).fill(n)

describe('chat mailbox store', () => {
  let dir: string
  let store: MailboxStore | undefined
  let clock: number

  async function open (limits: Partial<MailboxLimits> = {}): Promise<MailboxStore> {
    store = await MailboxStore.open(dir, { limits, now: () => clock })
    return store
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-mailbox-store-'))
    clock = 1_000_000
  })
  afterEach(async () => {
    await store?.close()
    store = undefined
    await rm(dir, { recursive: true, force: true })
  })

  it('register is idempotent for its owner; another PeerId is refused with NotOwner', async () => {
    const s = await open()
    assert.equal(await s.register(inbox(1), OWNER), true)
    assert.equal(await s.register(inbox(1), OWNER), false)
    await assert.rejects(s.register(inbox(1), OTHER), MailboxNotOwnerError)
    assert.equal(s.ownerOf(inbox(1)), OWNER)
    assert.deepEqual(s.stats(), { inboxes: 1, blobs: 0, bytes: 0 })
  })

  it('deposit to an unregistered inbox: MailboxUnknownInboxError; a bad inbox id: InvalidParametersError', async () => {
    const s = await open()
    await assert.rejects(s.deposit(inbox(9), blob(1)), MailboxUnknownInboxError)
    await assert.rejects(s.deposit(new Uint8Array(15), blob(1)), InvalidParametersError)
  })

  it('fetch returns blobs in arrival order with growing ids, limit and more; delete removes by id', async () => {
    const s = await open()
    await s.register(inbox(1), OWNER)
    await s.register(inbox(2), OWNER)
    const ids: bigint[] = []
    for (let i = 1; i <= 5; i++) {
      ids.push(await s.deposit(inbox(1), blob(i)))
      await s.deposit(inbox(2), blob(100 + i))
    }
    const first = await s.fetch(inbox(1), OWNER, 3)
    assert.deepEqual(first.blobs.map(b => b.blob[0]), [1, 2, 3])
    assert.deepEqual(first.blobs.map(b => b.id), ids.slice(0, 3))
    assert.equal(first.more, true)
    assert.equal(await s.delete(inbox(1), OWNER, first.blobs.map(b => b.id)), 3)
    const rest = await s.fetch(inbox(1), OWNER)
    assert.deepEqual(rest.blobs.map(b => b.blob[0]), [4, 5])
    assert.equal(rest.more, false)
    // deleting again, or ids of another inbox, deletes nothing
    assert.equal(await s.delete(inbox(1), OWNER, first.blobs.map(b => b.id)), 0)
    assert.deepEqual(s.stats(), { inboxes: 2, blobs: 7, bytes: 70 })
  })

  it('fetch and delete by a PeerId that does not own the inbox are refused, and delete nothing', async () => {
    const s = await open()
    await s.register(inbox(1), OWNER)
    const id = await s.deposit(inbox(1), blob(1))
    await assert.rejects(s.fetch(inbox(1), OTHER), MailboxNotOwnerError)
    await assert.rejects(s.delete(inbox(1), OTHER, [id]), MailboxNotOwnerError)
    await assert.rejects(s.fetch(inbox(3), OWNER), MailboxUnknownInboxError)
    assert.equal((await s.fetch(inbox(1), OWNER)).blobs.length, 1)
  })

  it('fetch stops before maxBytes, but always returns one blob', async () => {
    const s = await open()
    await s.register(inbox(1), OWNER)
    for (let i = 1; i <= 3; i++) await s.deposit(inbox(1), blob(i, 100))
    const page = await s.fetch(inbox(1), OWNER, 256, 250)
    assert.deepEqual(page.blobs.map(b => b.blob[0]), [1, 2])
    assert.equal(page.more, true)
    const one = await s.fetch(inbox(1), OWNER, 256, 10)
    assert.deepEqual(one.blobs.map(b => b.blob[0]), [1])
  })

  describe('quotas', () => {
    it('maxBlobBytes: a larger blob is MailboxTooLargeError, one of exactly that size is stored', async () => {
      const s = await open({ maxBlobBytes: 100 })
      await s.register(inbox(1), OWNER)
      await assert.rejects(s.deposit(inbox(1), blob(1, 101)), MailboxTooLargeError)
      await s.deposit(inbox(1), blob(1, 100))
    })

    it('maxBlobsPerInbox: the next blob is MailboxQuotaError; other inboxes still take blobs', async () => {
      const s = await open({ maxBlobsPerInbox: 2 })
      await s.register(inbox(1), OWNER)
      await s.register(inbox(2), OWNER)
      await s.deposit(inbox(1), blob(1))
      await s.deposit(inbox(1), blob(2))
      await assert.rejects(s.deposit(inbox(1), blob(3)), MailboxQuotaError)
      await s.deposit(inbox(2), blob(3))
      // after the owner deletes one, there is room again
      const { blobs } = await s.fetch(inbox(1), OWNER, 1)
      await s.delete(inbox(1), OWNER, [blobs[0].id])
      await s.deposit(inbox(1), blob(4))
    })

    it('maxBytesPerInbox: a blob that would pass it is MailboxQuotaError', async () => {
      const s = await open({ maxBytesPerInbox: 25 })
      await s.register(inbox(1), OWNER)
      await s.deposit(inbox(1), blob(1, 20))
      await assert.rejects(s.deposit(inbox(1), blob(2, 6)), MailboxQuotaError)
      await s.deposit(inbox(1), blob(3, 5))
    })

    it('maxTotalBytes: counted across inboxes', async () => {
      const s = await open({ maxTotalBytes: 30 })
      await s.register(inbox(1), OWNER)
      await s.register(inbox(2), OTHER)
      await s.deposit(inbox(1), blob(1, 20))
      await assert.rejects(s.deposit(inbox(2), blob(2, 11)), MailboxQuotaError)
      await s.deposit(inbox(2), blob(2, 10))
      assert.deepEqual(s.stats(), { inboxes: 2, blobs: 2, bytes: 30 })
    })

    it('maxInboxes: the next register is MailboxRefusedError; re-registering an existing one still works', async () => {
      const s = await open({ maxInboxes: 2 })
      await s.register(inbox(1), OWNER)
      await s.register(inbox(2), OWNER)
      await assert.rejects(s.register(inbox(3), OWNER), MailboxRefusedError)
      assert.equal(await s.register(inbox(1), OWNER), false)
    })

    it('limits are checked: not positive integers, unknown names, and maxBlobBytes over the protocol cap are refused', async () => {
      assert.throws(() => mailboxLimits({ maxInboxes: 0 }), InvalidParametersError)
      assert.throws(() => mailboxLimits({ expiryMs: 1.5 }), InvalidParametersError)
      assert.throws(() => mailboxLimits({ bogus: 1 } as any), InvalidParametersError)
      assert.throws(() => mailboxLimits({ maxBlobBytes: MAILBOX_MAX_BLOB_BYTES + 1 }), InvalidParametersError)
      assert.deepEqual(mailboxLimits(), DEFAULT_MAILBOX_LIMITS)
      await assert.rejects(MailboxStore.open(dir, { limits: { maxTotalBytes: -1 } }), InvalidParametersError)
    })
  })

  describe('expiry', () => {
    it('a fetch after expiryMs does not return the blob, and the sweep before it deletes it', async () => {
      const s = await open({ expiryMs: 1000 })
      await s.register(inbox(1), OWNER)
      await s.deposit(inbox(1), blob(1))
      clock += 500
      await s.deposit(inbox(1), blob(2))
      clock += 600 // the first is 1100 ms old, the second 600
      const { blobs } = await s.fetch(inbox(1), OWNER)
      assert.deepEqual(blobs.map(b => b.blob[0]), [2])
      assert.deepEqual(s.stats(), { inboxes: 1, blobs: 1, bytes: 10 })
    })

    it('sweep() deletes expired blobs across inboxes, oldest first, at most max per call', async () => {
      const s = await open({ expiryMs: 1000 })
      await s.register(inbox(1), OWNER)
      await s.register(inbox(2), OTHER)
      for (let i = 0; i < 3; i++) {
        await s.deposit(inbox(1), blob(i))
        await s.deposit(inbox(2), blob(i))
      }
      clock += 2000
      await s.deposit(inbox(1), blob(9))
      assert.equal(await s.sweep(4), 4)
      assert.equal(await s.sweep(), 2)
      assert.equal(await s.sweep(), 0)
      assert.deepEqual(s.stats(), { inboxes: 2, blobs: 1, bytes: 10 })
    })

    it('a full inbox takes a blob once its old ones have expired (deposit sweeps when over quota)', async () => {
      const s = await open({ expiryMs: 1000, maxBlobsPerInbox: 1 })
      await s.register(inbox(1), OWNER)
      await s.deposit(inbox(1), blob(1))
      await assert.rejects(s.deposit(inbox(1), blob(2)), MailboxQuotaError)
      clock += 1001
      await s.deposit(inbox(1), blob(3))
      assert.deepEqual((await s.fetch(inbox(1), OWNER)).blobs.map(b => b.blob[0]), [3])
    })
  })

  it('across a reopen: inboxes, owners, counts and arrival order are kept, and new ids come after the old ones', async () => {
    let s = await open()
    await s.register(inbox(1), OWNER)
    const before = [await s.deposit(inbox(1), blob(1)), await s.deposit(inbox(1), blob(2))]
    const { blobs } = await s.fetch(inbox(1), OWNER, 1)
    await s.delete(inbox(1), OWNER, [blobs[0].id])
    const last = await s.deposit(inbox(1), blob(3))
    await s.close()

    s = await open()
    assert.equal(s.ownerOf(inbox(1)), OWNER)
    assert.deepEqual(s.stats(), { inboxes: 1, blobs: 2, bytes: 20 })
    const next = await s.deposit(inbox(1), blob(4))
    assert.ok(next > last && last > before[1], `${next} > ${last} > ${before[1]}`)
    const page = await s.fetch(inbox(1), OWNER)
    assert.deepEqual(page.blobs.map(b => b.blob[0]), [2, 3, 4])
    assert.deepEqual(page.blobs.map(b => b.id), [before[1], last, next])
    await assert.rejects(s.register(inbox(1), OTHER), MailboxNotOwnerError)
  })

  it('a second open of the same directory is refused while the first holds it', async () => {
    await open()
    await assert.rejects(MailboxStore.open(dir), /in use by another process/)
  })
})
