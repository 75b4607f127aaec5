/**
 * TorTransport.dial() called directly, as a libp2p-less user would: without
 * an AbortSignal, and reporting its progress events by name.
 */
import assert from 'node:assert/strict'
import { generateOnionKey, onionAddressToMultiaddr } from '../../../src/onion/index.js'
import { TorTransport } from '../../../transports/tor/transport.js'
import { FakeSocksServer } from '../../fixtures/fake-socks.js'
import { fakeLogger } from '../../unit/transport/fake-logger.js'
import type { Connection, DialTransportOptions, Upgrader } from '@libp2p/interface'
import type { TorDialEvents } from '../../../transports/tor/init.js'

describe('tor() dial: called directly', () => {
  let socks: FakeSocksServer | undefined
  afterEach(async () => { await socks?.close() })

  it('works without a signal and reports tor:socks-connect, then tor:socks-connected', async () => {
    socks = await FakeSocksServer.start()
    const transport = new TorTransport({ logger: fakeLogger() }, { socks: `127.0.0.1:${socks.port}` })
    const upgrader = { upgradeOutbound: async (maConn: { close: () => Promise<void> }) => { await maConn.close(); return {} as unknown as Connection } } as unknown as Upgrader
    const progress: string[] = []
    const opts = { upgrader, onProgress: (e: { type: string }) => { progress.push(e.type) } } as unknown as DialTransportOptions<TorDialEvents>
    await transport.dial(onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 }), opts)
    assert.deepEqual(progress, ['tor:socks-connect', 'tor:socks-connected'])
    assert.equal(socks.connections.length, 1)
  })
})
