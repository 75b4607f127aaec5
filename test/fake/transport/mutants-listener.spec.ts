/**
 * TorListener details the transport spec leaves open, against the fake Tor:
 * listening twice, one key in two listeners, the events and addresses
 * before, during and after listening, republish() of a listener that is not
 * listening, the unix socket directory, and a close or a deadline while the
 * service is still being published.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { generateOnionKey, onionAddressToMultiaddr } from '../../../src/onion/index.js'
import { TorTransport } from '../../../transports/tor/transport.js'
import { ListenerClosedError, OnionAlreadyListeningError, OnionPublishTimeoutError } from '../../../transports/tor/errors.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import { fakeLogger } from '../../unit/transport/fake-logger.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'
import type { TorListener } from '../../../transports/tor/listener.js'
import type { TorTransportInit } from '../../../transports/tor/init.js'
import type { Upgrader } from '@libp2p/interface'

const upgrader = {} as unknown as Upgrader

describe('tor() listener: edge cases (fake Tor)', function () {
  this.timeout(20_000)
  let fake: FakeTor
  let transport: TorTransport | undefined

  beforeEach(async () => { fake = await startFakeTor() })
  afterEach(async () => {
    await transport?.stop()
    transport = undefined
    await fake.stop()
  })

  function start (init: TorTransportInit): TorTransport {
    transport = new TorTransport({ logger: fakeLogger() }, { socks: fake.socks, control: fake.control, ...init })
    return transport
  }

  function listener (): TorListener {
    return (transport as TorTransport).createListener({ upgrader }) as TorListener
  }

  it('events, addresses and service id before listening, while listening and after close; a second close does nothing', async () => {
    const key = generateOnionKey()
    start({ keys: [key] })
    const l = listener()
    const seen: string[] = []
    for (const type of ['listening', 'close', 'error'] as const) l.addEventListener(type, () => { seen.push(type) })
    assert.equal(l.serviceIdOrEmpty, '')
    assert.deepEqual(l.getAddrs(), [])
    assert.equal(await l.republish(await (transport as any).source.control()), undefined)
    const ma = onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 })
    await l.listen(ma)
    assert.equal(l.serviceIdOrEmpty, key.serviceId)
    assert.deepEqual(l.getAddrs().map(String), [ma.toString()])
    assert.deepEqual(seen, ['listening'])
    await l.close()
    await l.close()
    assert.deepEqual(seen, ['listening', 'close'])
    assert.deepEqual(l.getAddrs(), [])
    // closed: not published again
    assert.equal(await l.republish(await (transport as any).source.control()), undefined)
    assert.equal(fake.commands.filter(c => c.startsWith('ADD_ONION')).length, 1)
    assert.deepEqual(fake.commands.filter(c => c.startsWith('DEL_ONION')), [`DEL_ONION ${key.serviceId}`])
  })

  it('a listener listens once; one key in two listeners is OnionAlreadyListeningError until the first closes', async () => {
    const key = generateOnionKey()
    start({ keys: [key] })
    const ma = onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 })
    const first = listener()
    await first.listen(ma)
    await assert.rejects(first.listen(ma), { name: 'AlreadyStartedError' })
    const second = listener()
    await assert.rejects(second.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 80 })), (err: Error) => {
      assert.ok(err instanceof OnionAlreadyListeningError, String(err))
      assert.equal(err.message, `${key.serviceId}.onion is already listening (port 80) in this transport: use one listen address per onion key, or give another key`)
      return true
    })
    await first.close()
    const third = listener()
    await third.listen(ma)
    assert.deepEqual(third.getAddrs().map(String), [ma.toString()])
  })

  it('the local server tor delivers streams to listens on loopback only, at the port given to ADD_ONION', async () => {
    const key = generateOnionKey()
    start({ keys: [key], localTarget: 'tcp' })
    const l = listener()
    await l.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
    const add = fake.commands.find(c => c.startsWith('ADD_ONION')) ?? ''
    const port = Number(/Port=7777,127\.0\.0\.1:(\d+)$/.exec(add)?.[1])
    // the server is private: read its bound address, the property that matters here
    const bound = (l as any).server.address()
    assert.deepEqual({ address: bound.address, port: bound.port }, { address: '127.0.0.1', port })
  })

  it('a unix target lives in a fresh directory under unixSocketDir, removed on close', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-listener-spec-'))
    try {
      const key = generateOnionKey()
      start({ keys: [key], localTarget: 'unix', unixSocketDir: base })
      const l = listener()
      await l.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
      const add = fake.commands.find(c => c.startsWith('ADD_ONION')) ?? ''
      const socketPath = /Port=7777,unix:(\S+)$/.exec(add)?.[1] ?? ''
      assert.equal(path.dirname(path.dirname(socketPath)), base, add)
      assert.match(path.basename(path.dirname(socketPath)), /^p2p-tor-/)
      assert.equal(path.basename(socketPath), 's')
      assert.ok(existsSync(socketPath))
      await l.close()
      assert.equal(existsSync(path.dirname(socketPath)), false)
    } finally {
      await rm(base, { recursive: true, force: true })
    }
  })

  describe('while tor has not published the service yet', () => {
    /** Opens the control connection, then makes the next SETEVENTS and ADD_ONION succeed with no upload to follow. */
    async function silentPublish (key: { serviceId: string }): Promise<void> {
      const warm = listener()
      const other = generateOnionKey()
      ;(transport as any).keys.set(other.serviceId, other)
      await warm.listen(onionAddressToMultiaddr({ serviceId: other.serviceId, port: 7777 }))
      await warm.close()
      fake.controlServer.script([/^SETEVENTS /, '250 OK\r\n'], [/^ADD_ONION /, `250-ServiceID=${key.serviceId}\r\n250 OK\r\n`])
    }

    it('close() makes listen() fail with ListenerClosedError naming the service', async () => {
      const key = generateOnionKey()
      start({ keys: [key] })
      await silentPublish(key)
      const l = listener()
      const listening = l.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
      await fake.controlServer.waitForLines(fake.controlServer.lines.length + 2)
      await l.close()
      await assert.rejects(listening, (err: Error) => {
        assert.ok(err instanceof ListenerClosedError, String(err))
        assert.equal(err.serviceId, key.serviceId)
        return true
      })
    })

    it('after publishTimeoutMs, listen() fails with OnionPublishTimeoutError naming the service and the deadline', async () => {
      const key = generateOnionKey()
      start({ keys: [key], publishTimeoutMs: 1500 })
      await silentPublish(key)
      const l = listener()
      await assert.rejects(l.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 })), (err: Error) => {
        assert.ok(err instanceof OnionPublishTimeoutError, String(err))
        assert.equal(err.serviceId, key.serviceId)
        assert.match(err.message, new RegExp(`^onion service ${key.serviceId}\\.onion was not published within 2 s`))
        assert.equal((err.cause as Error)?.name, 'UploadTimeoutError')
        return true
      })
      // the failed listen gave its service back
      assert.deepEqual(l.getAddrs(), [])
      assert.ok(fake.commands.includes(`DEL_ONION ${key.serviceId}`))
    })
  })
})
