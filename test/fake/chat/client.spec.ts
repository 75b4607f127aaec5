/**
 * ChatClient (src/chat/client.ts) on real libp2p nodes over loopback TCP,
 * without tor: contacts, ordered exactly-once delivery, the mailbox path
 * while the contact is offline, groups with removal, a file, read receipts
 * and the store across a restart. test/e2e/chat.spec.ts runs the issue's
 * list again over the private Tor network.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { befriend, bytesUnder, startMailbox, startUser, until, type TestMailbox, type TestUser } from '../../fixtures/chat-tcp.js'
import type { MessageView } from '../../../src/chat/client.js'
import type { GroupMessage } from '../../../src/chat/chat-pb.js'

function collect (u: TestUser): MessageView[] {
  const got: MessageView[] = []
  u.client.addEventListener('message', (e) => { got.push(e.detail) })
  return got
}

describe('fake: chat over loopback TCP', function () {
  this.timeout(120_000)
  let dir: string
  let mailbox: TestMailbox
  const users: TestUser[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2p-tor-chat-'))
    mailbox = await startMailbox(dir)
  })

  afterEach(async () => {
    for (const u of users.splice(0)) await u.stop().catch(() => {})
  })

  after(async () => {
    await mailbox?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  async function user (name: string, opts: Parameters<typeof startUser>[2] = {}): Promise<TestUser> {
    const u = await startUser(name, join(dir, `${name}-${randomBytes(4).toString('hex')}`), { mailbox, ...opts })
    users.push(u)
    return u
  }

  it('add and accept, then 100 messages each way arrive in order, exactly once, and are delivered', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    await befriend(alice, bob)
    assert.equal(alice.client.contact('bob').safetyNumber, bob.client.contact('alice').safetyNumber, 'the safety number is the same on both sides')
    const atBob = collect(bob)
    const atAlice = collect(alice)
    const sentByAlice: MessageView[] = []
    for (let i = 0; i < 100; i++) {
      sentByAlice.push(await alice.client.send('bob', `a${i}`))
      await bob.client.send('alice', `b${i}`)
    }
    await until('100 messages at each side', () => atBob.length >= 100 && atAlice.length >= 100)
    await new Promise(resolve => setTimeout(resolve, 300))
    assert.deepEqual(atBob.map(m => m.text), Array.from({ length: 100 }, (_, i) => `a${i}`))
    assert.deepEqual(atAlice.map(m => m.text), Array.from({ length: 100 }, (_, i) => `b${i}`))
    await until('every message delivered', async () => (await alice.client.history('bob', 300)).filter(m => m.dir === 'out').every(m => m.state === 'delivered'))
    assert.equal((await bob.client.inbox()).length, 100)
  })

  it('bob offline: alice\'s 10 go to his mailbox, and reach him once, in order, when he comes back; the mailbox holds no plaintext and no sender PeerId', async () => {
    // alice has no inbox at this mailbox: an owner's own PeerId is stored there (it registers), a depositor's never
    const alice = await user('alice', { mailbox: undefined })
    let bob = await user('bob')
    await befriend(alice, bob)
    const bobKey = bob.key
    const bobDir = bob.dir
    const bobOnion = bob.onion
    const inbox = bob.invite.mailbox?.inbox
    await bob.stop()
    users.splice(users.indexOf(bob), 1)
    for (let i = 0; i < 10; i++) await alice.client.send('bob', `offline ${i} secret-marker`)
    await until('10 left at the mailbox', async () => (await alice.client.history('bob', 50)).filter(m => m.dir === 'out' && m.state === 'sent').length === 10)
    assert.equal(mailbox.server.stats().blobs >= 10, true)
    const stored = bytesUnder(join(dir, 'mailbox.db'))
    assert.equal(stored.includes(Buffer.from('secret-marker')), false, 'no plaintext at the mailbox')
    assert.equal(stored.includes(Buffer.from(alice.node.peerId.toMultihash().bytes)), false, 'no sender PeerId (bytes) at the mailbox')
    assert.equal(stored.includes(Buffer.from(alice.node.peerId.toString())), false, 'no sender PeerId (text) at the mailbox')

    bob = await startUser('bob', bobDir, { key: bobKey, onion: bobOnion, mailbox, inbox })
    users.push(bob)
    const got = collect(bob)
    const n = await bob.client.checkMailbox()
    assert.equal(n, 10)
    assert.deepEqual(got.map(m => m.text), Array.from({ length: 10 }, (_, i) => `offline ${i} secret-marker`))
    assert.equal(await bob.client.checkMailbox(), 0, 'fetched blobs were deleted')
    await until('alice sees them delivered (receipts)', async () => (await alice.client.history('bob', 50)).filter(m => m.dir === 'out').every(m => m.state === 'delivered'))
    // a second send after the restart goes directly, and nothing repeats
    await alice.client.send('bob', 'back online')
    await until('the direct one', () => got.length === 11)
    assert.equal(got[10].text, 'back online')
  })

  it('a group of three; carol is removed and cannot open the next message', async () => {
    const captured: GroupMessage[] = []
    const alice = await user('alice')
    const bob = await user('bob', { extra: { onGroupMessage: (gm: GroupMessage) => { captured.push(gm) } } as any })
    const carol = await user('carol')
    await befriend(alice, bob)
    await befriend(alice, carol)
    const atBob = collect(bob)
    const atCarol = collect(carol)
    await alice.client.createGroup('friends', ['bob', 'carol'])
    await until('bob and carol in the group', () => bob.client.listGroups().length === 1 && carol.client.listGroups().length === 1)
    assert.equal(carol.client.listGroups()[0].members.length, 3, 'members see who is in the group')
    await alice.client.sendGroup('friends', 'hello all')
    await until('both got it', () => atBob.length === 1 && atCarol.length === 1)
    // bob and carol are not contacts, but members: bob's message reaches carol too
    await bob.client.sendGroup('friends', 'hi from bob')
    await until('carol got bob\'s', () => atCarol.length === 2)
    assert.equal(atCarol[1].from, 'bob', 'shown under the name the group gave it')

    await alice.client.removeFromGroup('friends', 'carol')
    await until('carol told she is out', () => carol.client.listGroups()[0].removed)
    await until('bob at epoch 2', () => bob.client.listGroups()[0].epoch === 2)
    await alice.client.sendGroup('friends', 'after carol')
    await until('bob got it', () => atBob.some(m => m.text === 'after carol'))
    const next = captured.find(gm => gm.epoch === 2)
    assert.ok(next != null)
    await assert.rejects(carol.client.openGroupMessage(next, alice.node.peerId.toString()), { name: 'GroupCryptoError' })
    assert.equal(atCarol.some(m => m.text === 'after carol'), false)
  })

  it('a file arrives with the right SHA-256 and a safe name', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    await befriend(alice, bob)
    const file = join(alice.dir, 'report.bin')
    const data = randomBytes(3 * 1024 * 1024 + 17)
    writeFileSync(file, data)
    const done = new Promise<{ path: string }>((resolve, reject) => {
      bob.client.addEventListener('file-done', (e) => { resolve(e.detail) })
      bob.client.addEventListener('file-failed', (e) => { reject(new Error(e.detail.error)) })
    })
    await alice.client.sendFile('bob', file)
    const got = await done
    assert.equal(createHash('sha256').update(readFileSync(got.path)).digest('hex'), createHash('sha256').update(data).digest('hex'))
    assert.ok(got.path.startsWith(join(bob.dir, 'downloads')))
  })

  it('read receipts move alice\'s message to read when bob enables them', async () => {
    const alice = await user('alice')
    const bob = await user('bob', { extra: { readReceipts: true } })
    await befriend(alice, bob)
    const m = await alice.client.send('bob', 'read me')
    await until('delivered', async () => (await bob.client.inbox()).length === 1)
    await bob.client.markRead([(await bob.client.inbox())[0].id])
    await until('read at alice', async () => (await alice.client.history('bob')).find(x => x.id === m.id)?.state === 'read')
  })

  it('contacts, history and groups survive a restart; the store holds no plaintext', async () => {
    let alice = await user('alice')
    const bob = await user('bob')
    await befriend(alice, bob)
    await alice.client.send('bob', 'persisted-marker')
    await until('delivered', async () => (await alice.client.history('bob')).every(m => m.state === 'delivered'))
    const { key, dir: aliceDir, onion } = alice
    await alice.stop()
    users.splice(users.indexOf(alice), 1)
    assert.equal(bytesUnder(join(aliceDir, 'chat.db')).includes(Buffer.from('persisted-marker')), false)
    alice = await startUser('alice', aliceDir, { key, onion, mailbox })
    users.push(alice)
    assert.equal(alice.client.contact('bob').state, 'accepted')
    assert.deepEqual((await alice.client.history('bob')).map(m => m.text), ['persisted-marker'])
    const atBob = collect(bob)
    await alice.client.send('bob', 'after restart')
    await until('bob got it once', () => atBob.length === 1)
    assert.equal(atBob[0].text, 'after restart')
  })

  it('a stranger\'s message is refused; only a request is taken', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const requests: string[] = []
    bob.client.addEventListener('request', (e) => { requests.push(e.detail.peerId) })
    await alice.client.add(bob.client.inviteCode(), 'bob')
    await alice.client.send('bob', 'before accept')
    await until('the request', () => requests.length === 1)
    await new Promise(resolve => setTimeout(resolve, 500))
    assert.deepEqual(await bob.client.inbox(), [], 'nothing but the request before bob accepts')
    const name = bob.client.listContacts()[0].name
    await bob.client.accept(name)
    await until('the held message after the accept', async () => (await bob.client.inbox()).length === 1)
    assert.equal((await bob.client.inbox())[0].text, 'before accept')
  })
  it('a contact whose identity key changes (same onion address, new PeerId) is shown loudly and is no longer verified', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    await befriend(alice, bob)
    await alice.client.verify('bob')
    const before = alice.client.contact('bob').safetyNumber
    const changes: Array<{ name: string, previous: string, now: string }> = []
    alice.client.addEventListener('key-changed', (e) => { changes.push(e.detail) })
    // bob re-creates his identity but keeps his onion address, and asks again
    const onion = bob.onion
    await bob.stop()
    users.splice(users.indexOf(bob), 1)
    const bob2 = await user('bob', { onion })
    await bob2.client.add(alice.client.inviteCode(), 'alice')
    await until('the key change', () => changes.length === 1)
    assert.equal(changes[0].name, 'bob')
    assert.equal(changes[0].previous, before)
    assert.notEqual(changes[0].now, before)
    const v = alice.client.contact('bob')
    assert.equal(v.verified, false)
    assert.equal(v.keyChanged, true)
    assert.equal(v.peerId, bob2.node.peerId.toString())
    assert.equal(v.safetyNumber, changes[0].now)
    assert.equal(v.state, 'pending', 'the new key must be accepted again')
  })
})
