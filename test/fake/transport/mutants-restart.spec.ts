/**
 * The transport across a tor restart, against the fake Tor: the node events
 * it dispatches ('tor:down', 'tor:up', 'tor:reachable',
 * 'tor:republish-failed'), the listener published again with the same key,
 * and dials and listens refused with TorUnavailableError while tor is away.
 * The e2e tier does this with a real tor; here the control connection is
 * dropped by the fake and the transport reconnects to it at once.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { generateOnionKey, onionAddressToMultiaddr } from '../../../src/onion/index.js'
import { TorTransport } from '../../../transports/tor/transport.js'
import { OnionInUseError } from '../../../transports/tor/errors.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import { fakeLogger } from '../../unit/transport/fake-logger.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'
import type { DialTransportOptions, Upgrader } from '@libp2p/interface'
import type { TorDialEvents } from '../../../transports/tor/init.js'

interface Recorded { type: string, detail: any }

/** libp2p's event bus as the transport uses it: only safeDispatchEvent. */
function bus (): { events: Recorded[], next: (type: string) => Promise<Recorded>, safeDispatchEvent: (type: string, init: { detail: unknown }) => void } {
  const events: Recorded[] = []
  const waiting: Array<{ type: string, resolve: (r: Recorded) => void }> = []
  return {
    events,
    next: async (type) => await new Promise(resolve => {
      const seen = events.find(e => e.type === type)
      if (seen != null) resolve(seen)
      else waiting.push({ type, resolve })
    }),
    safeDispatchEvent: (type, init) => {
      const r = { type, detail: init.detail }
      events.push(r)
      for (const w of waiting.filter(w => w.type === type)) w.resolve(r)
    }
  }
}

const upgrader = {} as unknown as Upgrader

describe('tor() transport across a tor restart (fake Tor)', function () {
  this.timeout(20_000)
  let fake: FakeTor
  let transport: TorTransport | undefined

  beforeEach(async () => { fake = await startFakeTor() })
  afterEach(async () => {
    await transport?.stop()
    transport = undefined
    await fake.stop()
  })

  it('dispatches tor:down, tor:up and tor:reachable, publishing the listener again with the same key', async () => {
    const key = generateOnionKey()
    const events = bus()
    transport = new TorTransport({ logger: fakeLogger(), events: events as any }, { keys: [key], socks: fake.socks, control: fake.control, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } })
    await transport.start()
    const listener = transport.createListener({ upgrader })
    await listener.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
    assert.equal(fake.commands.filter(c => c.startsWith('ADD_ONION')).length, 1)

    fake.controlServer.drop()
    const reachable = await events.next('tor:reachable')
    assert.deepEqual(events.events.map(e => e.type), ['tor:down', 'tor:up', 'tor:reachable'])
    const [down, up] = events.events
    assert.deepEqual(down.detail, {})
    assert.deepEqual(Object.keys(up.detail).sort(), ['attempts', 'downMs'])
    assert.equal(up.detail.attempts, 1)
    assert.ok(Number.isFinite(up.detail.downMs) && up.detail.downMs >= 0, String(up.detail.downMs))
    assert.deepEqual(Object.keys(reachable.detail).sort(), ['downMs', 'publishMs', 'serviceId'])
    assert.equal(reachable.detail.serviceId, key.serviceId)
    assert.ok(reachable.detail.publishMs >= 0)
    assert.equal(reachable.detail.downMs, up.detail.downMs + reachable.detail.publishMs)
    // published again, on the new connection, with the same key
    const adds = fake.commands.filter(c => c.startsWith('ADD_ONION'))
    assert.equal(adds.length, 2)
    assert.equal(adds[1].split(' ')[1], adds[0].split(' ')[1])
    assert.deepEqual(listener.getAddrs().map(String), [onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }).toString()])
  })

  it('dispatches tor:republish-failed with the service id when another controller took the address meanwhile', async () => {
    const key = generateOnionKey()
    const events = bus()
    transport = new TorTransport({ logger: fakeLogger(), events: events as any }, { keys: [key], socks: fake.socks, control: fake.control, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } })
    await transport.start()
    const listener = transport.createListener({ upgrader })
    await listener.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
    // another controller now owns the address: the fake keeps it across our drop
    const service = fake.services.get(key.serviceId)
    assert.ok(service != null)
    service.owner = new net.Socket()
    fake.controlServer.drop()
    const failed = await events.next('tor:republish-failed')
    assert.deepEqual(events.events.map(e => e.type), ['tor:down', 'tor:up', 'tor:republish-failed'])
    assert.deepEqual(Object.keys(failed.detail).sort(), ['error', 'serviceId'])
    assert.equal(failed.detail.serviceId, key.serviceId)
    assert.ok(failed.detail.error instanceof OnionInUseError, String(failed.detail.error))
  })

  it('a closed listener, or one that never listened, is not published again after a restart', async () => {
    const key = generateOnionKey()
    const events = bus()
    transport = new TorTransport({ logger: fakeLogger(), events: events as any }, { keys: [key], socks: fake.socks, control: fake.control, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } })
    await transport.start()
    const listener = transport.createListener({ upgrader })
    await listener.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
    await listener.close()
    // a listener that never listened has nothing to publish either
    transport.createListener({ upgrader })
    const rejections: unknown[] = []
    const onRejection = (err: unknown): void => { rejections.push(err) }
    process.on('unhandledRejection', onRejection)
    try {
      fake.controlServer.drop()
      await events.next('tor:up')
      // let republish() of the idle listener settle
      for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    assert.deepEqual(rejections, [])
    assert.deepEqual(events.events.map(e => e.type), ['tor:down', 'tor:up'])
    assert.equal(fake.commands.filter(c => c.startsWith('ADD_ONION')).length, 1)
  })

  it('while tor is away, dial and listen fail at once with TorUnavailableError', async () => {
    const key = generateOnionKey()
    const events = bus()
    // a reconnect delay long enough that tor is still "away" when we try
    transport = new TorTransport({ logger: fakeLogger(), events: events as any }, { keys: [key], socks: fake.socks, control: fake.control, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } })
    await transport.start()
    const warm = transport.createListener({ upgrader })
    await warm.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }))
    await warm.close()
    fake.controlServer.drop()
    await events.next('tor:down')
    const requests = fake.socksRequests.length
    const opts: DialTransportOptions<TorDialEvents> = { upgrader, signal: new AbortController().signal }
    await assert.rejects(transport.dial(onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 }), opts), { name: 'TorUnavailableError' })
    const listener = transport.createListener({ upgrader })
    await assert.rejects(listener.listen(onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 })), { name: 'TorUnavailableError' })
    assert.equal(fake.socksRequests.length, requests)
  })
})
