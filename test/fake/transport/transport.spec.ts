/**
 * The tor() transport and createTorNode() against a fake Tor on loopback:
 * the exact control commands, filters, publication, collisions, isolation,
 * local targets and shutdown — everything that does not need real Tor.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { x25519 } from '@noble/curves/ed25519.js'
import { createTorNode } from '../../../src/node.js'
import { addOnionKeyBlob, generateOnionKey, onionAddressToMultiaddr } from '../../../src/onion/index.js'
import { base32Encode } from '../../../src/onion/base32.js'
import { InvalidOnionAddressError } from '../../../src/onion/index.js'
import { OnionInUseError, tor } from '../../../transports/tor/index.js'
import { FakeSocksServer } from '../../fixtures/fake-socks.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import { fakeLogger } from '../../unit/transport/fake-logger.js'
import { CHECKSUM_SECOND_BYTE_WRONG, TOR_BAD_CHECKSUM_ADDRESSES, VERSION_4_ADDRESS } from '../../unit/onion/vectors.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'
import type { TorNode } from '../../../src/node.js'
import type { Upgrader } from '@libp2p/interface'

describe('tor() transport against a fake Tor', function () {
  this.timeout(20_000)

  let fake: FakeTor
  const nodes: TorNode[] = []

  async function node (opts: Parameters<typeof createTorNode>[0]): Promise<TorNode> {
    const n = await createTorNode(opts)
    nodes.push(n)
    return n
  }

  beforeEach(async () => { fake = await startFakeTor() })
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => n.stop()))
    await fake.stop()
  })

  describe('filters', () => {
    it('dialFilter keeps only valid onion3 addresses, with or without /p2p', async () => {
      const n = await node({ socks: fake.socks })
      const transport = (n as any).components.transportManager.getTransports()[0]
      const id = generateOnionKey().serviceId
      const bad = id.slice(0, -3) + (id.endsWith('aad') ? 'bad' : 'aad')
      const good = [
        multiaddr(`/onion3/${id}:7777`),
        multiaddr(`/onion3/${id}:7777/p2p/12D3KooWGRUVh6EkBTNNpCDnEJimiqbZC9oz7aV5oT7jR4QTcZ5E`)
      ]
      const refused = [
        multiaddr('/ip4/127.0.0.1/tcp/4001'),
        multiaddr('/ip6/::1/tcp/4001'),
        multiaddr('/dns4/example.com/tcp/80'),
        multiaddr(`/onion3/${bad}:7777`),
        multiaddr(`/onion3/${id}:7777/tcp/1`)
      ]
      assert.deepEqual(transport.dialFilter([...good, ...refused]).map(String), good.map(String))
    })

    it('the node refuses to dial /ip4 and /dns4, and opens no socket for them', async () => {
      const n = await node({ socks: fake.socks })
      for (const ma of ['/ip4/127.0.0.1/tcp/4001', '/dns4/example.com/tcp/80']) {
        await assert.rejects(n.dial(multiaddr(ma)))
      }
      assert.equal(fake.socksRequests.length, 0)
    })
  })

  describe('dial() validates the address itself', () => {
    let socks: FakeSocksServer
    beforeEach(async () => { socks = await FakeSocksServer.start() })
    afterEach(async () => { await socks.close() })

    // each of these would reach tor's SOCKS port if dial() trusted dialFilter or the gater alone
    const invalid: Array<[label: string, ma: string]> = [
      ['a bad checksum (C tor)', `/onion3/${TOR_BAD_CHECKSUM_ADDRESSES[0]}:7777`],
      ['a wrong second checksum byte', `/onion3/${CHECKSUM_SECOND_BYTE_WRONG}:7777`],
      ['version 4', `/onion3/${VERSION_4_ADDRESS}:7777`],
      ['port 0', `/onion3/${generateOnionKey().serviceId}:0`],
      ['/onion3 then /tcp', `/onion3/${generateOnionKey().serviceId}:7777/tcp/1`],
      ['/ip4', '/ip4/127.0.0.1/tcp/4001'],
      ['/dns4', '/dns4/example.com/tcp/80']
    ]
    for (const [label, ma] of invalid) {
      it(`transport.dial() of ${label} throws InvalidOnionAddressError and opens no SOCKS connection`, async () => {
        const transport = tor({ socks: socks.proxy })({ logger: fakeLogger() })
        const err = await transport.dial(multiaddr(ma), { upgrader: {} as unknown as Upgrader, signal: AbortSignal.timeout(5_000) }).then(() => undefined, e => e)
        assert.ok(err instanceof InvalidOnionAddressError, `expected InvalidOnionAddressError, got ${String(err)}`)
        assert.equal(err.name, 'InvalidOnionAddressError')
        assert.equal(socks.connections.length, 0)
      })
    }

    it('a valid address does reach the SOCKS server (so the zero above means something)', async () => {
      socks.options = { replyCode: 0xF0 }
      const transport = tor({ socks: socks.proxy })({ logger: fakeLogger() })
      const id = generateOnionKey().serviceId
      const err = await transport.dial(multiaddr(`/onion3/${id}:7777`), { upgrader: {} as unknown as Upgrader, signal: AbortSignal.timeout(5_000) }).then(() => undefined, e => e)
      assert.equal(err?.name, 'OnionServiceNotFoundError')
      assert.equal(socks.connections.length, 1)
      assert.equal(socks.connections[0].host, `${id}.onion`)
    })

    it('aborting while the proxy has not answered gives AbortError and closes the socket', async () => {
      socks.options = { stall: 'request' }
      const transport = tor({ socks: socks.proxy })({ logger: fakeLogger() })
      const controller = new AbortController()
      const dialing = transport.dial(onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 }), { upgrader: {} as unknown as Upgrader, signal: controller.signal })
        .then(() => undefined, e => e)
      // the proxy never answers the CONNECT, so nothing but the abort can end this dial
      const connection = await socks.connection(0)
      await connection.greeted
      controller.abort()
      const err = await dialing
      assert.equal(err?.name, 'AbortError', `expected AbortError, got ${String(err)}`)
      await connection.closed
    })
  })

  describe('listen', () => {
    it('subscribes to HS_DESC before ADD_ONION, with the persisted key, DiscardPK and a loopback target', async () => {
      const key = generateOnionKey()
      const n = await node({ key, port: 7777, socks: fake.socks, control: fake.control })
      await n.start()

      const setEvents = fake.commands.findIndex(c => c.startsWith('SETEVENTS') && c.includes('HS_DESC'))
      const add = fake.commands.findIndex(c => c.startsWith('ADD_ONION'))
      assert.ok(setEvents >= 0 && add > setEvents, `commands: ${fake.commands.join(' | ')}`)
      assert.match(fake.commands[add], new RegExp(`^ADD_ONION ${escape(addOnionKeyBlob(key))} Flags=DiscardPK Port=7777,127\\.0\\.0\\.1:\\d+$`))
      assert.deepEqual(n.getMultiaddrs().map(String), [`${onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }).toString()}/p2p/${n.peerId.toString()}`])
    })

    it('passes MaxStreams to ADD_ONION', async () => {
      const n = await node({ key: generateOnionKey(), socks: fake.socks, control: fake.control, maxStreams: 16 })
      await n.start()
      assert.match(fake.commands.find(c => c.startsWith('ADD_ONION')) ?? '', / MaxStreams=16 /)
    })

    it('passes client authorization keys (ClientAuthV3) to ADD_ONION', async () => {
      // 32 key bytes in base32 are 52 characters: encode 35 (a multiple of 5) and keep 52
      const clientKey = base32Encode(new Uint8Array([...x25519.getPublicKey(x25519.utils.randomSecretKey()), 0, 0, 0])).slice(0, 52).toUpperCase()
      const n = await node({ key: generateOnionKey(), socks: fake.socks, control: fake.control, clientAuthV3: [clientKey] })
      await n.start()
      const add = fake.commands.find(c => c.startsWith('ADD_ONION')) ?? ''
      assert.match(add, / Flags=DiscardPK,V3Auth /)
      assert.match(add, new RegExp(` ClientAuthV3=${clientKey}( |$)`))
    })

    it('listens on a unix socket when asked, and inbound streams arrive through it', async () => {
      const key = generateOnionKey()
      const listener = await node({ key, socks: fake.socks, control: fake.control, localTarget: 'unix' })
      await listener.start()
      assert.match(fake.commands.find(c => c.startsWith('ADD_ONION')) ?? '', /Port=7777,unix:\/\S+\/s$/)
      const dialer = await node({ socks: fake.socks })
      await dialer.start()
      const rtt = await dialer.services.ping.ping(listener.getMultiaddrs()[0])
      assert.ok(Number.isFinite(rtt))
    })

    it('without the key for the address, fails with MissingOnionKeyError', async () => {
      const { tor } = await import('../../../transports/tor/index.js')
      const { createLibp2p } = await import('libp2p')
      const { noise } = await import('@chainsafe/libp2p-noise')
      const { yamux } = await import('@chainsafe/libp2p-yamux')
      const someoneElses = onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 })
      const n = await createLibp2p({
        start: false,
        addresses: { listen: [someoneElses.toString()] },
        transports: [tor({ key: generateOnionKey(), socks: fake.socks, control: fake.control })],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()]
      })
      const err = await startError(n)
      await n.stop()
      assert.ok(err instanceof Error, 'start() should have failed')
      assert.match(`${err.name} ${err.message} ${(err as any).errors?.map((e: Error) => e.name).join(',') ?? ''}`, /MissingOnionKeyError|holds no key/)
    })

    it('with waitForPublish: false, resolves without any upload', async () => {
      await fake.stop()
      fake = await startFakeTor({ publish: false })
      const n = await node({ key: generateOnionKey(), socks: fake.socks, control: fake.control, waitForPublish: false })
      await n.start()
      assert.equal(n.getMultiaddrs().length, 1)
    })

    it('fails with OnionPublishFailedError when every upload FAILED', async () => {
      await fake.stop()
      fake = await startFakeTor({ publish: false })
      const n = await createTorNode({ key: generateOnionKey(), socks: fake.socks, control: fake.control, start: false })
      const err = await startError(n)
      await n.stop()
      assert.ok(err != null)
      assert.ok(JSON.stringify([err.name, err.message, err.errors?.map((e: Error) => e.name)]).includes('OnionPublishFailedError') || /every descriptor upload/.test(err.message), `${err.name}: ${err.message}`)
    })

    it('on a 550 collision with a stale detached service, removes it and adds again', async () => {
      const key = generateOnionKey()
      const stale = new net.Socket()
      fake.services.set(key.serviceId, { owner: stale, ports: new Map(), detached: true })
      const n = await node({ key, socks: fake.socks, control: fake.control })
      await n.start()
      const adds = fake.commands.filter(c => c.startsWith('ADD_ONION'))
      assert.equal(adds.length, 2)
      assert.ok(fake.commands.includes(`DEL_ONION ${key.serviceId}`))
    })

    it('on a collision with a service another controller owns, explains the cause', async () => {
      const key = generateOnionKey()
      const other = new net.Socket()
      fake.services.set(key.serviceId, { owner: other, ports: new Map(), detached: false })
      const n = await createTorNode({ key, socks: fake.socks, control: fake.control, start: false })
      const err = await startError(n)
      await n.stop()
      assert.ok(err != null)
      assert.match(err.message + JSON.stringify(err.errors?.map((e: Error) => e.message) ?? []), /another tor controller/)
    })

    it('createTorNode rejects with the typed OnionInUseError when another controller publishes the key, not libp2p\'s UnsupportedListenAddressesError', async () => {
      const key = generateOnionKey()
      const other = new net.Socket()
      fake.services.set(key.serviceId, { owner: other, ports: new Map(), detached: false })
      const err = await createTorNode({ key, socks: fake.socks, control: fake.control }).then(async (n) => { nodes.push(n) }, (e: Error) => e)
      assert.ok(err instanceof OnionInUseError, `expected OnionInUseError, got ${String(err)}`)
      assert.ok(err.message.includes(key.serviceId), err.message)
      assert.match(err.message, /another tor controller/)
    })

    it('a listener\'s close() sends exactly DEL_ONION <its id>, while the control connection stays open', async () => {
      const [key, other] = [generateOnionKey(), generateOnionKey()]
      const transport = tor({ keys: [key, other], socks: fake.socks, control: fake.control })({ logger: fakeLogger() }) as any
      await transport.start()
      try {
        const l1 = transport.createListener({ upgrader: {} as unknown as Upgrader })
        const l2 = transport.createListener({ upgrader: {} as unknown as Upgrader })
        await l1.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
        await l2.listen(onionAddressToMultiaddr({ serviceId: other.serviceId, port: 7777 }))
        assert.deepEqual(fake.commands.filter(c => c.startsWith('DEL_ONION')), [])
        await l1.close()
        assert.deepEqual(fake.commands.filter(c => c.startsWith('DEL_ONION')), [`DEL_ONION ${key.serviceId}`])
        // the fake drops a connection's services when it closes; this one is still open, so only DEL_ONION removed it
        assert.ok(!fake.services.has(key.serviceId))
        assert.ok(fake.services.has(other.serviceId))
        await l2.close()
        assert.deepEqual(fake.commands.filter(c => c.startsWith('DEL_ONION')), [`DEL_ONION ${key.serviceId}`, `DEL_ONION ${other.serviceId}`])
      } finally {
        await transport.stop()
      }
    })

    it('node.stop() sends exactly one DEL_ONION, for its own service', async () => {
      const key = generateOnionKey()
      const n = await createTorNode({ key, socks: fake.socks, control: fake.control })
      await n.start()
      assert.deepEqual(fake.commands.filter(c => c.startsWith('DEL_ONION')), [])
      await n.stop()
      assert.deepEqual(fake.commands.filter(c => c.startsWith('DEL_ONION')), [`DEL_ONION ${key.serviceId}`])
    })

    it('stop() runs DEL_ONION and the service is gone', async () => {
      const key = generateOnionKey()
      const n = await createTorNode({ key, socks: fake.socks, control: fake.control })
      await n.start()
      assert.ok(fake.services.has(key.serviceId))
      await n.stop()
      assert.ok(fake.commands.includes(`DEL_ONION ${key.serviceId}`))
      assert.ok(!fake.services.has(key.serviceId))
    })
  })

  describe('dial', () => {
    it('connects through SOCKS by hostname, and inbound remoteAddr is the onion service, not loopback', async () => {
      const key = generateOnionKey()
      const listener = await node({ key, socks: fake.socks, control: fake.control })
      await listener.start()
      const dialer = await node({ socks: fake.socks })
      await dialer.start()
      const conn = await dialer.dial(listener.getMultiaddrs()[0])

      assert.equal(fake.socksRequests.at(-1)?.destination, `${key.serviceId}.onion:7777`)
      assert.match(conn.remoteAddr.toString(), new RegExp(`^/onion3/${key.serviceId}:7777`))
      // the inbound side registers the connection once its upgrade completes
      for (let i = 0; i < 50 && listener.getConnections(dialer.peerId).length === 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
      const inbound = listener.getConnections(dialer.peerId)
      assert.equal(inbound.length, 1)
      // the upgrader appends the remote's /p2p; the address part is the service the stream came in on
      assert.equal(inbound[0].remoteAddr.toString(), `/onion3/${key.serviceId}:7777/p2p/${dialer.peerId.toString()}`)
    })

    it('isolates streams per peer: same credentials for one peer, different for two', async () => {
      const [k1, k2] = [generateOnionKey(), generateOnionKey()]
      const l1 = await node({ key: k1, socks: fake.socks, control: fake.control })
      const l2 = await node({ key: k2, socks: fake.socks, control: fake.control })
      await Promise.all([l1.start(), l2.start()])
      const dialer = await node({ socks: fake.socks })
      await dialer.start()
      await dialer.dial(l1.getMultiaddrs()[0])
      await dialer.dial(l1.getMultiaddrs()[0], { force: true })
      await dialer.dial(l2.getMultiaddrs()[0])
      const [a, b, c] = fake.socksRequests.slice(-3)
      assert.ok(a.password != null && a.password.length > 0)
      assert.equal(a.password, b.password)
      assert.notEqual(a.password, c.password)
      assert.ok(!JSON.stringify(fake.socksRequests).includes(k1.serviceId.slice(0, 20) + '"'), 'credentials must not carry the peer id')
    })

    it('with isolation: connection, two dials to one peer carry different SOCKS passwords', async () => {
      const key = generateOnionKey()
      const l = await node({ key, socks: fake.socks, control: fake.control })
      await l.start()
      const dialer = await node({ socks: fake.socks, isolation: 'connection' })
      await dialer.start()
      await dialer.dial(l.getMultiaddrs()[0])
      await dialer.dial(l.getMultiaddrs()[0], { force: true })
      const [a, b] = fake.socksRequests.slice(-2)
      assert.equal(a.destination, `${key.serviceId}.onion:7777`)
      assert.equal(b.destination, a.destination)
      assert.ok(a.password != null && a.password.length > 0)
      assert.ok(b.password != null && b.password.length > 0)
      assert.notEqual(a.password, b.password)
    })

    it('with isolation: none, sends no credentials', async () => {
      const key = generateOnionKey()
      const l = await node({ key, socks: fake.socks, control: fake.control })
      await l.start()
      const dialer = await node({ socks: fake.socks, isolation: 'none' })
      await dialer.start()
      await dialer.dial(l.getMultiaddrs()[0])
      assert.equal(fake.socksRequests.at(-1)?.username, undefined)
    })

    it('F0 from the proxy reaches the caller as OnionServiceNotFoundError', async () => {
      const dialer = await node({ socks: fake.socks })
      await dialer.start()
      const unpublished = onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 })
      const err = await dialer.dial(unpublished).then(() => undefined, e => e)
      assert.ok(err != null)
      const names = [err.name, ...(err.errors ?? []).map((e: Error) => e.name), err.cause?.name]
      assert.ok(names.includes('OnionServiceNotFoundError'), names.join(','))
    })
  })
})

async function startError (n: { start(): void | Promise<void> }): Promise<any> {
  try {
    await n.start()
    return undefined
  } catch (err) {
    return err
  }
}

function escape (s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
