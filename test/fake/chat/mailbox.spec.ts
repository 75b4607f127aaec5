/**
 * The mailbox protocol between real libp2p nodes over loopback TCP (no tor):
 * an owner registers, two throwaway depositors deposit, the owner fetches in
 * arrival order and deletes; each refusal comes back as its typed error; an
 * oversized frame is refused from its length prefix; client deadlines and
 * aborts; and the store on disk holds the blob but no depositor PeerId.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { AbortError, TimeoutError } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { pbStream } from '@libp2p/utils'
import { createLibp2p } from 'libp2p'
import { MailboxError, MailboxNotOwnerError, MailboxQuotaError, MailboxRefusedError, MailboxTooLargeError, MailboxUnknownInboxError } from '../../../src/chat/errors.js'
import { MailboxResponse, MailboxStatus } from '../../../src/chat/mailbox-pb.js'
import { deleteBlobs, depositBlob, fetchBlobs, MAILBOX_PROTOCOL, MailboxServer, registerInbox } from '../../../src/chat/mailbox.js'
import type { MailboxEvent, MailboxServerOptions } from '../../../src/chat/mailbox.js'
import type { Libp2p } from '@libp2p/interface'
import { tcpNode as chatTcpNode } from '../../fixtures/chat-tcp.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A plain libp2p node over TCP (test/fixtures/chat-tcp.ts): listening on 127.0.0.1 when `listen`, else dial-only. */
async function tcpNode (listen: boolean): Promise<Libp2p> {
  return await chatTcpNode(undefined, listen)
}

/** An unsigned LEB128 varint: the length prefix lpStream writes (hand-written: the codec is not a direct dependency). */
function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** Every file under `dir`, concatenated. */
async function allBytes (dir: string): Promise<Buffer> {
  const parts: Buffer[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath ?? (entry as any).path, entry.name)))
  }
  return Buffer.concat(parts)
}

describe('fake: the chat mailbox over loopback TCP', function () {
  this.timeout(30_000)
  let dir: string
  let mailboxNode: Libp2p
  let addr: Multiaddr
  let server: MailboxServer | undefined
  let owner: Libp2p
  let depositors: Libp2p[]
  let other: Libp2p
  let events: MailboxEvent[]
  const nodes: Libp2p[] = []

  async function startServer (opts: Partial<MailboxServerOptions> = {}): Promise<MailboxServer> {
    events = []
    server = await MailboxServer.start(mailboxNode, { dir: join(dir, 'store'), onEvent: (e) => { events.push(e) }, ...opts })
    return server
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-fake-mailbox-'))
    mailboxNode = await tcpNode(true)
    addr = mailboxNode.getMultiaddrs()[0]
    owner = await tcpNode(false)
    other = await tcpNode(false)
    depositors = [await tcpNode(false), await tcpNode(false)]
    nodes.push(mailboxNode, owner, other, ...depositors)
  })

  afterEach(async () => {
    await server?.stop()
    server = undefined
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
    await rm(dir, { recursive: true, force: true })
  })

  it('owner registers; two depositors deposit; the owner fetches in arrival order, deletes, and then fetches nothing', async () => {
    await startServer()
    const inbox = randomBytes(16)
    await registerInbox(owner, addr, inbox)
    await registerInbox(owner, addr.toString(), inbox) // idempotent, and a string address works
    const sent = [randomBytes(40), randomBytes(50), randomBytes(60)]
    await depositBlob(depositors[0], addr, inbox, sent[0])
    await depositBlob(depositors[1], addr, inbox, sent[1])
    await depositBlob(depositors[0], addr, inbox, sent[2])
    assert.deepEqual(server?.stats(), { inboxes: 1, blobs: 3, bytes: 150 })

    const got = await fetchBlobs(owner, addr, inbox)
    assert.deepEqual(got.map(b => Buffer.from(b.blob)), sent)
    assert.ok(got[0].id < got[1].id && got[1].id < got[2].id)
    const page = await fetchBlobs(owner, addr, inbox, { limit: 2 })
    assert.deepEqual(page.map(b => b.id), got.slice(0, 2).map(b => b.id))

    await deleteBlobs(owner, addr, inbox, got.map(b => b.id))
    assert.deepEqual(await fetchBlobs(owner, addr, inbox), [])
    assert.deepEqual(server?.stats(), { inboxes: 1, blobs: 0, bytes: 0 })
    assert.deepEqual(events, [
      { type: 'registered', created: true },
      { type: 'registered', created: false },
      { type: 'stored', bytes: 40 },
      { type: 'stored', bytes: 50 },
      { type: 'stored', bytes: 60 },
      { type: 'fetched', count: 3, more: false },
      { type: 'fetched', count: 2, more: true },
      { type: 'deleted', count: 3 },
      { type: 'fetched', count: 0, more: false }
    ])
  })

  it('a non-owner\'s fetch, delete and register of the inbox are refused (MailboxNotOwnerError) and change nothing', async () => {
    await startServer()
    const inbox = randomBytes(16)
    await registerInbox(owner, addr, inbox)
    await depositBlob(depositors[0], addr, inbox, randomBytes(10))
    await assert.rejects(fetchBlobs(other, addr, inbox), MailboxNotOwnerError)
    await assert.rejects(deleteBlobs(other, addr, inbox, [1n]), MailboxNotOwnerError)
    await assert.rejects(registerInbox(other, addr, inbox), MailboxNotOwnerError)
    assert.equal((await fetchBlobs(owner, addr, inbox)).length, 1)
    assert.deepEqual(events.filter(e => e.type === 'refused'), [
      { type: 'refused', request: 'fetch', code: MailboxStatus.NOT_OWNER },
      { type: 'refused', request: 'delete', code: MailboxStatus.NOT_OWNER },
      { type: 'refused', request: 'register', code: MailboxStatus.NOT_OWNER }
    ])
  })

  it('owners(): a PeerId it does not allow cannot register (MailboxRefusedError); one it allows can', async () => {
    const allowed = owner.peerId.toString()
    await startServer({ owners: (peer) => peer === allowed })
    await assert.rejects(registerInbox(other, addr, randomBytes(16)), MailboxRefusedError)
    await registerInbox(owner, addr, randomBytes(16))
  })

  it('UNKNOWN_INBOX: a deposit to an inbox nobody registered', async () => {
    await startServer()
    await assert.rejects(depositBlob(depositors[0], addr, randomBytes(16), randomBytes(10)), MailboxUnknownInboxError)
    await assert.rejects(fetchBlobs(owner, addr, randomBytes(16)), MailboxUnknownInboxError)
  })

  it('TOO_LARGE: a blob over maxBlobBytes, within the frame cap and over it', async () => {
    await startServer({ limits: { maxBlobBytes: 1024 } })
    const inbox = randomBytes(16)
    await registerInbox(owner, addr, inbox)
    // within the frame cap (maxBlobBytes + 16 KiB): the store refuses it
    await assert.rejects(depositBlob(depositors[0], addr, inbox, randomBytes(1025)), MailboxTooLargeError)
    // over the frame cap: refused from the length prefix, the stream reset
    await assert.rejects(depositBlob(depositors[0], addr, inbox, randomBytes(64 * 1024)), MailboxTooLargeError)
    await depositBlob(depositors[0], addr, inbox, randomBytes(1024))
    assert.deepEqual(server?.stats(), { inboxes: 1, blobs: 1, bytes: 1024 })
  })

  it('QUOTA: an inbox full of blobs refuses the next one', async () => {
    await startServer({ limits: { maxBlobsPerInbox: 2 } })
    const inbox = randomBytes(16)
    await registerInbox(owner, addr, inbox)
    await depositBlob(depositors[0], addr, inbox, randomBytes(10))
    await depositBlob(depositors[1], addr, inbox, randomBytes(10))
    await assert.rejects(depositBlob(depositors[0], addr, inbox, randomBytes(10)), MailboxQuotaError)
  })

  it('an oversized frame is answered TOO_LARGE from its length prefix alone, before its body is sent', async () => {
    await startServer()
    const stream = await depositors[0].dialProtocol(addr, MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    // a 64 MiB frame announced, only 1 KiB of it sent: an answer now proves the body was not awaited
    stream.send(varint(64 * 1024 * 1024))
    stream.send(randomBytes(1024))
    const res = await pbStream(stream).read(MailboxResponse, { signal: AbortSignal.timeout(5000) })
    assert.equal(res.status, MailboxStatus.TOO_LARGE)
    assert.match(res.message, /over the mailbox's cap/)
    assert.deepEqual(events, [{ type: 'refused', request: 'unknown', code: MailboxStatus.TOO_LARGE }])
  })

  it('a frame that is not a request, or names no request, is answered BAD_REQUEST', async () => {
    await startServer()
    const stream = await depositors[0].dialProtocol(addr, MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const pb = pbStream(stream)
    await pb.write(Uint8Array.of(0xff, 0xff, 0xff), { encode: (b: Uint8Array) => b })
    const res = await pb.read(MailboxResponse, { signal: AbortSignal.timeout(5000) })
    assert.equal(res.status, MailboxStatus.BAD_REQUEST)

    const empty = await depositors[0].dialProtocol(addr, MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const pb2 = pbStream(empty)
    await pb2.write(new Uint8Array(0), { encode: (b: Uint8Array) => b })
    assert.equal((await pb2.read(MailboxResponse, { signal: AbortSignal.timeout(5000) })).status, MailboxStatus.BAD_REQUEST)
  })

  it('the server ends a stream whose request does not come within its deadline', async () => {
    await startServer({ streamTimeoutMs: 200 })
    const stream = await depositors[0].dialProtocol(addr, MAILBOX_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const closed = new Promise<void>(resolve => { stream.addEventListener('close', () => { resolve() }, { once: true }) })
    await Promise.race([closed, new Promise((_resolve, reject) => setTimeout(() => { reject(new Error('the server kept the idle stream open')) }, 5000))])
    assert.notEqual(stream.status, 'open')
  })

  it('client deadline and AbortSignal: a mailbox that never answers gives TimeoutError, an abort AbortError', async () => {
    await mailboxNode.handle(MAILBOX_PROTOCOL, () => {}) // reads nothing, answers nothing
    const inbox = randomBytes(16)
    await assert.rejects(depositBlob(depositors[0], addr, inbox, randomBytes(10), { timeoutMs: 300 }), TimeoutError)
    const controller = new AbortController()
    setTimeout(() => { controller.abort() }, 200)
    await assert.rejects(fetchBlobs(owner, addr, inbox, { signal: controller.signal }), AbortError)
    await assert.rejects(registerInbox(owner, addr, inbox, { signal: AbortSignal.abort() }), (err: Error) => err.name === 'AbortError')
  })

  it('the client checks its arguments before dialling', async () => {
    await assert.rejects(depositBlob(owner, addr, new Uint8Array(15), new Uint8Array(1)), /16 bytes/)
    await assert.rejects(fetchBlobs(owner, addr, randomBytes(16), { limit: 257 }), /limit/)
    await assert.rejects(deleteBlobs(owner, addr, randomBytes(16), [0n]), /ids/)
    await assert.rejects(depositBlob(owner, addr, randomBytes(16), new Uint8Array(5 * 1024 * 1024)), MailboxTooLargeError)
    await assert.rejects(registerInbox(owner, addr, randomBytes(16), { timeoutMs: 0 }), /timeoutMs/)
  })

  it('the store on disk holds the blob and the owner, but neither depositor\'s PeerId', async () => {
    await startServer()
    const inbox = randomBytes(16)
    await registerInbox(owner, addr, inbox)
    const blobs = [randomBytes(64), randomBytes(64)]
    await depositBlob(depositors[0], addr, inbox, blobs[0])
    await depositBlob(depositors[1], addr, inbox, blobs[1])
    await server?.stop()
    server = undefined
    const disk = await allBytes(join(dir, 'store'))
    for (const blob of blobs) assert.ok(disk.includes(blob), 'the blob is on disk')
    assert.ok(disk.includes(Buffer.from(owner.peerId.toString())), 'the owner is on disk (the test can see a PeerId)')
    for (const d of depositors) {
      assert.ok(!disk.includes(Buffer.from(d.peerId.toString())), 'no depositor PeerId string')
      assert.ok(!disk.includes(Buffer.from(d.peerId.toMultihash().bytes)), 'no depositor PeerId bytes')
      assert.ok(!disk.includes(Buffer.from(d.peerId.publicKey?.raw ?? new Uint8Array(32))), 'no depositor public key')
    }
  })

  it('stop() unregisters the protocol: a later request fails; a restarted server keeps the inbox and its blobs', async () => {
    await startServer()
    const inbox = randomBytes(16)
    await registerInbox(owner, addr, inbox)
    const blob = randomBytes(20)
    await depositBlob(depositors[0], addr, inbox, blob)
    await server?.stop()
    server = undefined
    await assert.rejects(fetchBlobs(owner, addr, inbox, { timeoutMs: 5000 }), (err: Error) => !(err instanceof MailboxError))
    await startServer()
    assert.deepEqual((await fetchBlobs(owner, addr, inbox)).map(b => Buffer.from(b.blob)), [blob])
  })
})
