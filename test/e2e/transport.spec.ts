/**
 * The tor() transport end to end on the private Tor network: two libp2p
 * nodes on DIFFERENT client tors. Each step is its own test and builds on
 * the previous one (mocha runs them in order).
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createTorNode } from '../../src/node.js'
import { generateOnionKey, loadOrCreateOnionKeyFile, onionAddressToMultiaddr } from '../../src/onion/index.js'
import { attachTor } from '../../src/tor/index.js'
import { getTestnet } from './fixture.js'
import { ECHO, SHA256, handleTestProtocols, median, roundTrip, socketsTo, torOptions } from './helpers.js'
import type { TorNode } from '../../src/node.js'
import type { TestnetInfo } from '../../src/testnet/index.js'
import type { TorHandle } from '../../src/tor/index.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

describe('e2e: tor() transport between two client tors', function () {
  this.timeout(180_000)

  let net: TestnetInfo
  let dir: string
  let torA: TorHandle
  let a: TorNode | undefined
  let b: TorNode | undefined
  let aKey: PrivateKey
  let aAddr: Multiaddr
  let bAddr: Multiaddr
  const figures: Record<string, number> = {}

  before(async () => {
    net = await getTestnet()
    dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-e2e-'))
    // A shares a tor handle the test owns, so the test can ask that same
    // control connection what is still published after A stops
    torA = await attachTor(torOptions(net.clients[0]))
    aKey = await generateKeyPair('Ed25519')
  })

  after(async () => {
    await a?.stop()
    await b?.stop()
    await torA?.close()
    if (dir != null) await rm(dir, { recursive: true, force: true })
    console.log('      transport e2e figures (ms):', JSON.stringify(figures))
  })

  it('A listens and is published (first HS_DESC UPLOADED)', async () => {
    const t0 = performance.now()
    await loadOrCreateOnionKeyFile(path.join(dir, 'a.key'))
    a = await createTorNode({ tor: torA, keyFile: path.join(dir, 'a.key'), privateKey: aKey, port: 7777, start: false })
    await handleTestProtocols(a)
    await a.start()
    figures.timeToListen = Math.round(performance.now() - t0)

    const addrs = a.getMultiaddrs()
    assert.equal(addrs.length, 1)
    aAddr = addrs[0]
    assert.match(aAddr.toString(), /^\/onion3\/[a-z2-7]{56}:7777\/p2p\/12D3Koo/)
    const current = await torA.control.getInfo('onions/current')
    assert.ok(current['onions/current'].includes(aAddr.getComponents()[0].value?.split(':')[0] ?? '?'))
  })

  it('B dials A\'s /onion3/…/p2p/… and pings 10 times', async () => {
    const { key } = await loadOrCreateOnionKeyFile(path.join(dir, 'b.key'))
    b = await createTorNode({ ...torOptions(net.clients[1]), key, port: 7778, start: false })
    await handleTestProtocols(b)
    await b.start()
    bAddr = b.getMultiaddrs()[0]

    const t0 = performance.now()
    const conn = await b.dial(aAddr)
    figures.timeToConnect = Math.round(performance.now() - t0)
    assert.equal(conn.remotePeer.toString(), a?.peerId.toString())
    assert.equal(conn.direction, 'outbound')

    const rtts: number[] = []
    for (let i = 0; i < 10; i++) {
      rtts.push(await b.services.ping.ping(aAddr))
      if (i === 0) figures.timeToFirstPing = Math.round(performance.now() - t0)
    }
    assert.equal(rtts.length, 10)
    assert.ok(rtts.every(r => Number.isFinite(r) && r >= 0))
    figures.pingRttMedian = median(rtts)
  })

  it('A dials B back', async () => {
    assert.ok(a != null)
    const conn = await a.dial(bAddr, { force: true })
    assert.equal(conn.direction, 'outbound')
    assert.equal(conn.remotePeer.toString(), b?.peerId.toString())
    assert.match(conn.remoteAddr.toString(), /^\/onion3\//)
    const rtt = await a.services.ping.ping(bAddr)
    assert.ok(Number.isFinite(rtt))
  })

  it('100 concurrent streams on one connection each echo 64 KiB intact', async () => {
    assert.ok(b != null)
    const conn = await b.dial(aAddr)
    const t0 = performance.now()
    const results = await Promise.all(Array.from({ length: 100 }, async () => {
      const data = randomBytes(64 * 1024)
      const stream = await conn.newStream(ECHO)
      const back = await roundTrip(stream, data)
      return Buffer.compare(Buffer.from(back), data) === 0
    }))
    figures.hundredStreams = Math.round(performance.now() - t0)
    assert.equal(results.filter(ok => ok).length, 100)
  })

  it('20 peers dialing A at once all connect (inbound upgrades pending together)', async () => {
    const peers = await Promise.all(Array.from({ length: 20 }, async () => createTorNode({ socks: torOptions(net.clients[1]).socks })))
    try {
      const t0 = performance.now()
      const results = await Promise.allSettled(peers.map(async p => p.dial(aAddr)))
      figures.twentyPeersConnected = Math.round(performance.now() - t0)
      const failed = results.filter(r => r.status === 'rejected').map(r => String((r as PromiseRejectedResult).reason?.message ?? r))
      assert.deepEqual(failed, [], `${failed.length}/20 dials failed`)
    } finally {
      await Promise.all(peers.map(async p => p.stop()))
    }
  })

  it('a 10 MB transfer arrives with a matching SHA-256', async () => {
    assert.ok(b != null)
    const data = randomBytes(10 * 1024 * 1024)
    const t0 = performance.now()
    const stream = await b.dialProtocol(aAddr, SHA256)
    const digest = await roundTrip(stream, data)
    figures.tenMegabytes = Math.round(performance.now() - t0)
    assert.equal(Buffer.from(digest).toString('hex'), createHash('sha256').update(data).digest('hex'))
  })

  it('B aborts a dial mid-way: AbortError, and no socket leaks', async () => {
    assert.ok(b != null)
    const socksPort = net.clients[1].socksPort
    const before = socketsTo(socksPort)
    const unpublished = onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 })
    const controller = new AbortController()
    // abort once the transport starts its SOCKS connect, not after a fixed
    // delay (tor may answer F0 sooner): setImmediate runs after the socket
    // to tor exists, and before tor can have answered the CONNECT it has
    // not yet been sent
    let socksConnectSeen = false
    const onProgress = (evt: { type: string }): void => {
      if (evt.type !== 'tor:socks-connect') return
      socksConnectSeen = true
      setImmediate(() => { controller.abort() })
    }
    const err = await b.dial(unpublished, { signal: controller.signal, onProgress }).then(() => undefined, (e) => e)
    assert.ok(socksConnectSeen, 'the dial never reached the SOCKS connect')
    assert.ok(err != null, 'the dial should not succeed')
    assert.equal(err.name, 'AbortError', `expected AbortError, got ${err.name}: ${err.message}`)
    // give the kernel a moment to retire the destroyed socket, bounded
    for (let i = 0; i < 20 && socketsTo(socksPort) > before; i++) await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(socketsTo(socksPort), before)
  })

  it('a dial to an unpublished address gives the typed F0 error', async () => {
    assert.ok(b != null)
    const unpublished = onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 })
    const err = await b.dial(unpublished).then(() => undefined, (e) => e)
    assert.ok(err != null, 'the dial should not succeed')
    const cause = findError(err, 'OnionServiceNotFoundError')
    assert.ok(cause != null, `expected OnionServiceNotFoundError, got ${err.name}: ${err.message}`)
    assert.equal(cause.replyCode, 0xF0)
    assert.match(cause.message, /not found/)
  })

  it('A stops, and A\'s service is gone from onions/current', async () => {
    assert.ok(a != null)
    const id = aAddr.getComponents()[0].value?.split(':')[0] as string
    await a.stop()
    a = undefined
    const current = await torA.control.getInfo('onions/current')
    assert.ok(!current['onions/current'].includes(id), 'service still listed after stop()')
  })

  it('A restarts with the same key file, has the same onion address, and B reaches it again', async () => {
    assert.ok(b != null)
    const t0 = performance.now()
    a = await createTorNode({ tor: torA, keyFile: path.join(dir, 'a.key'), privateKey: aKey, port: 7777, start: false })
    await a.start()
    figures.restartToListen = Math.round(performance.now() - t0)
    assert.equal(a.getMultiaddrs()[0].toString(), aAddr.toString())

    const t1 = performance.now()
    const rtt = await b.services.ping.ping(aAddr)
    figures.reconnectAfterRestart = Math.round(performance.now() - t1)
    assert.ok(Number.isFinite(rtt))
  })
})

/** The first error named `name` in an error, its cause, or an AggregateError's errors. */
function findError (err: any, name: string, depth = 0): any {
  if (err == null || depth > 5) return undefined
  if (err.name === name) return err
  for (const e of [err.cause, ...(Array.isArray(err.errors) ? err.errors : [])]) {
    const found = findError(e, name, depth + 1)
    if (found != null) return found
  }
  return undefined
}
