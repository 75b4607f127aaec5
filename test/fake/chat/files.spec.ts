/**
 * Chat file transfer between two real libp2p nodes over loopback TCP (noise,
 * yamux; no tor): a 20 MB file arrives whole; a connection dropped by the
 * sender mid-file resumes from the part; only the PeerId an offer was made
 * for may fetch it; the size cap is enforced before any download; a
 * same-size change to the source fails the hash and leaves nothing; a
 * hostile name is written sanitized inside the downloads directory.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TimeoutError } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { pbStream } from '@libp2p/utils'
import { createLibp2p } from 'libp2p'
import { FileHashMismatchError, FileNotOfferedError, FileTooLargeError, FileTransferError } from '../../../src/chat/file-errors.js'
import { Get, Served } from '../../../src/chat/file-pb.js'
import { FILE_CHUNK_BYTES, FILE_PROTOCOL, FileServer, makeOffer, receiveFile } from '../../../src/chat/files.js'
import type { FileOffer, FileSendProgress } from '../../../src/chat/files.js'
import type { Libp2p } from '@libp2p/interface'
import { tcpNode as chatTcpNode } from '../../fixtures/chat-tcp.js'
import type { Multiaddr } from '@multiformats/multiaddr'

const MB = 1_000_000

/** A plain libp2p node over TCP (test/fixtures/chat-tcp.ts): listening on 127.0.0.1 when `listen`, else dial-only. */
async function tcpNode (listen: boolean): Promise<Libp2p> {
  return await chatTcpNode(undefined, listen)
}

function sha256 (bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest()
}

describe('chat file transfer over loopback TCP', function () {
  this.timeout(60_000)
  let sender: Libp2p, receiver: Libp2p, stranger: Libp2p
  let server: FileServer
  let work: string, downloads: string, senderAddr: Multiaddr
  let progress: ((e: FileSendProgress) => void) | undefined
  const sent: FileSendProgress[] = []

  before(async () => {
    [sender, receiver, stranger] = await Promise.all([tcpNode(true), tcpNode(false), tcpNode(false)])
    senderAddr = sender.getMultiaddrs()[0]
    server = new FileServer(sender, { onProgress: (e) => { sent.push(e); progress?.(e) } })
    await server.start()
  })

  after(async () => {
    await server?.stop()
    await Promise.all([sender?.stop(), receiver?.stop(), stranger?.stop()])
  })

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'p2p-tor-files-'))
    downloads = join(work, 'a', 'downloads')
    progress = undefined
    sent.length = 0
  })

  afterEach(async () => {
    await Promise.all(receiver.getConnections().map(async c => { await c.close() }))
    await rm(work, { recursive: true, force: true })
  })

  async function source (name: string, size: number): Promise<{ path: string, bytes: Buffer, offer: FileOffer }> {
    const path = join(work, name)
    const bytes = randomBytes(size)
    await writeFile(path, bytes)
    return { path, bytes, offer: await makeOffer(path) }
  }

  it('delivers a 20 MB file with the offered SHA-256, 0600, and no part left behind', async () => {
    const { path, bytes, offer } = await source('big.bin', 20 * MB)
    assert.deepEqual(Buffer.from(offer.sha256), sha256(bytes))
    assert.equal(offer.size, 20 * MB)
    assert.equal(offer.name, 'big.bin')
    server.offer(offer, path, receiver.peerId.toString())
    const seen: number[] = []
    const got = await receiveFile(receiver, senderAddr, offer, { dir: downloads, onProgress: (n) => { seen.push(n) } })
    assert.equal(got.path, join(downloads, 'big.bin'))
    assert.equal(got.bytes, 20 * MB)
    assert.deepEqual(got.resumedFrom, [])
    assert.deepEqual(sha256(await readFile(got.path)), sha256(bytes))
    assert.equal((await stat(got.path)).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(downloads), ['big.bin'])
    assert.equal(seen.at(-1), 20 * MB)
    assert.ok(seen.every((n, i) => i === 0 || n > seen[i - 1]))
    assert.equal(sent.at(-1)?.sent, 20 * MB)
    assert.equal(sent.at(-1)?.peer, receiver.peerId.toString())
  })

  it('resumes from the part after the sender drops the connection mid-file', async () => {
    const { path, bytes, offer } = await source('resume.bin', 20 * MB)
    server.offer(offer, path, receiver.peerId.toString())
    let dropped = false
    let firstAfterDrop: number | undefined
    progress = (e) => {
      if (dropped) {
        firstAfterDrop ??= e.sent
      } else if (e.sent >= 8 * MB) {
        dropped = true
        for (const c of sender.getConnections(receiver.peerId)) c.abort(new Error('test: dropped by the sender'))
      }
    }
    const got = await receiveFile(receiver, senderAddr, offer, { dir: downloads, backoffMs: 50 })
    assert.ok(dropped)
    assert.equal(got.resumedFrom.length, 1, `resumed from ${got.resumedFrom.join(', ')}`)
    assert.ok(got.resumedFrom[0] > 0 && got.resumedFrom[0] < offer.size, `resumed from ${got.resumedFrom[0]}`)
    assert.deepEqual(sha256(await readFile(got.path)), sha256(bytes))
    assert.deepEqual(await readdir(downloads), ['resume.bin'])
    // the sender's second stream started where the part ended, not at 0
    assert.equal(firstAfterDrop, got.resumedFrom[0] + FILE_CHUNK_BYTES)
  })

  it('gives a stranger, an unknown id and a withdrawn offer the same FileNotOfferedError', async () => {
    const { path, offer } = await source('private.txt', 1000)
    server.offer(offer, path, receiver.peerId.toString())
    await assert.rejects(receiveFile(stranger, senderAddr, offer, { dir: downloads }), FileNotOfferedError)
    const unknown = { ...offer, id: new Uint8Array(randomBytes(16)) }
    await assert.rejects(receiveFile(receiver, senderAddr, unknown, { dir: downloads }), FileNotOfferedError)
    server.withdraw(offer.id)
    await assert.rejects(receiveFile(receiver, senderAddr, offer, { dir: downloads }), FileNotOfferedError)
    assert.equal(sent.length, 0)
    assert.deepEqual(await readdir(downloads), [])
  })

  it('refuses an offer over the cap before any download, and makeOffer refuses such a file', async () => {
    const { path, offer } = await source('large.bin', 2 * MB)
    server.offer(offer, path, receiver.peerId.toString())
    const fresh = await tcpNode(false)
    try {
      await assert.rejects(receiveFile(fresh, senderAddr, offer, { dir: downloads, maxBytes: MB }), (err: unknown) => {
        assert.ok(err instanceof FileTooLargeError)
        assert.equal(err.size, 2 * MB)
        return true
      })
      assert.equal(fresh.getConnections().length, 0)
    } finally {
      await fresh.stop()
    }
    await assert.rejects(stat(downloads), { code: 'ENOENT' })
    await assert.rejects(makeOffer(path, { maxBytes: MB }), FileTooLargeError)
  })

  it('fails the hash and leaves no file when the source changes after the offer (same size)', async () => {
    const { path, offer } = await source('changed.bin', 3 * MB)
    const handle = await open(path, 'r+')
    try {
      const one = Buffer.alloc(1)
      await handle.read(one, 0, 1, 1234567)
      one[0] ^= 0xff
      await handle.write(one, 0, 1, 1234567)
    } finally {
      await handle.close()
    }
    server.offer(offer, path, receiver.peerId.toString())
    await assert.rejects(receiveFile(receiver, senderAddr, offer, { dir: downloads }), FileHashMismatchError)
    assert.deepEqual(await readdir(downloads), [])
  })

  it('refuses a source whose size changed since the offer, and keeps no part', async () => {
    const { path, offer } = await source('grown.bin', 1000)
    await writeFile(path, randomBytes(1001))
    server.offer(offer, path, receiver.peerId.toString())
    await assert.rejects(receiveFile(receiver, senderAddr, offer, { dir: downloads }), FileTransferError)
    assert.deepEqual(await readdir(downloads), [])
  })

  it('writes a hostile name sanitized, inside the downloads directory, beside an existing file', async () => {
    const { path, bytes, offer } = await source('plain.txt', 5000)
    const hostile = { ...offer, name: '../../evil\u0000\u202e.txt' }
    server.offer(hostile, path, receiver.peerId.toString())
    await mkdir(downloads, { recursive: true })
    await writeFile(join(downloads, 'evil.txt'), 'already here')
    const got = await receiveFile(receiver, senderAddr, hostile, { dir: downloads })
    assert.equal(got.path, join(downloads, 'evil (1).txt'))
    assert.deepEqual(await readFile(got.path), bytes)
    assert.equal(await readFile(join(downloads, 'evil.txt'), 'utf8'), 'already here')
    assert.deepEqual((await readdir(work)).sort(), ['a', 'plain.txt'])
    assert.deepEqual(await readdir(join(work, 'a')), ['downloads'])
  })

  describe('from a misbehaving sender', () => {
    let rogue: Libp2p
    let behaviour: 'stall' | 'overflow' = 'stall'

    before(async () => {
      rogue = await tcpNode(true)
      // a sender that answers every Get with one chunk, then either goes
      // silent or sends more than the offer's size
      await rogue.handle(FILE_PROTOCOL, async (stream) => {
        const frames = pbStream(stream)
        try {
          const get = await frames.read(Get)
          if (get.offset === 0n) await frames.write({ chunk: { data: new Uint8Array(1000).fill(7) } }, Served)
          if (behaviour === 'overflow') await frames.write({ chunk: { data: new Uint8Array(1000) } }, Served)
          await new Promise(resolve => stream.addEventListener('close', resolve, { once: true }))
        } catch {
          stream.abort(new Error('rogue: done'))
        }
      })
    })

    after(async () => {
      await rogue?.stop()
    })

    const offer = (): FileOffer => ({ id: new Uint8Array(randomBytes(16)), name: 'x.bin', size: 2000, sha256: new Uint8Array(32) })

    it('drops a stalled stream, retries from the part, gives up after the retries and keeps the part', async () => {
      behaviour = 'stall'
      const o = offer()
      const resumed: number[] = []
      await assert.rejects(receiveFile(receiver, rogue.getMultiaddrs()[0], o, { dir: downloads, stallMs: 200, retries: 2, backoffMs: 10, onProgress: (n) => { resumed.push(n) } }), (err: unknown) => {
        assert.ok(err instanceof FileTransferError, String(err))
        assert.equal(err.retriable, true)
        return true
      })
      // the first attempt got 1000 bytes, the two retries asked from there and got nothing
      assert.deepEqual(resumed, [1000])
      assert.equal((await stat(join(downloads, `${Buffer.from(o.id).toString('hex')}.part`))).size, 1000)
    })

    it('ends with TimeoutError at the transfer deadline and keeps the part', async () => {
      behaviour = 'stall'
      const o = offer()
      await assert.rejects(receiveFile(receiver, rogue.getMultiaddrs()[0], o, { dir: downloads, timeoutMs: 300 }), TimeoutError)
      assert.equal((await stat(join(downloads, `${Buffer.from(o.id).toString('hex')}.part`))).size, 1000)
    })

    it('refuses bytes past the offered size and deletes the part', async () => {
      behaviour = 'overflow'
      await assert.rejects(receiveFile(receiver, rogue.getMultiaddrs()[0], { ...offer(), size: 1500 }, { dir: downloads }), FileTransferError)
      assert.deepEqual(await readdir(downloads), [])
    })
  })
})
