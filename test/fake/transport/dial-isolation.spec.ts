/**
 * TorTransport.dial() against a fake SOCKS proxy: after a dial to a peer
 * fails (tor's answer, or the upgrade over the new stream), that peer's
 * isolation group is rotated, so the next dial builds new circuits instead
 * of reusing ones that may be stale (a peer that restarted: issue 12).
 * A dial that works keeps its group.
 */
import assert from 'node:assert/strict'
import { generateOnionKey, onionAddressToMultiaddr } from '../../../src/onion/index.js'
import { TorTransport } from '../../../transports/tor/transport.js'
import { FakeSocksServer } from '../../fixtures/fake-socks.js'
import { fakeLogger } from '../../unit/transport/fake-logger.js'
import type { Connection, DialTransportOptions, Upgrader } from '@libp2p/interface'
import type { TorDialEvents } from '../../../transports/tor/init.js'

describe('tor() dial: isolation credentials after a failed dial', () => {
  let socks: FakeSocksServer | undefined
  afterEach(async () => { await socks?.close() })

  const addr = onionAddressToMultiaddr({ serviceId: generateOnionKey().serviceId, port: 7777 })
  const failing = { upgradeOutbound: async () => { throw Object.assign(new Error('unexpected end of input'), { name: 'UnexpectedEOFError' }) } } as unknown as Upgrader
  const opts = (upgrader: Upgrader): DialTransportOptions<TorDialEvents> => ({ upgrader, signal: new AbortController().signal })
  const working = { upgradeOutbound: async (maConn: { close: () => Promise<void> }) => { await maConn.close(); return {} as unknown as Connection } } as unknown as Upgrader

  it('a failed upgrade makes the next dial to that peer use fresh credentials', async () => {
    socks = await FakeSocksServer.start()
    const transport = new TorTransport({ logger: fakeLogger() }, { socks: `127.0.0.1:${socks.port}` })
    await transport.dial(addr, opts(working))
    await assert.rejects(transport.dial(addr, opts(failing)), { name: 'UnexpectedEOFError' })
    await transport.dial(addr, opts(working))
    await transport.dial(addr, opts(working))
    const passwords = socks.connections.map(c => c.password)
    assert.equal(passwords.length, 4)
    assert.equal(passwords[1], passwords[0], 'a dial that worked keeps the group')
    assert.notEqual(passwords[2], passwords[1], 'the dial after the failure still used the old group')
    assert.equal(passwords[3], passwords[2])
  })

  it('a SOCKS failure (F2) makes the next dial to that peer use fresh credentials', async () => {
    socks = await FakeSocksServer.start({ replyCode: 0xF2 })
    const transport = new TorTransport({ logger: fakeLogger() }, { socks: `127.0.0.1:${socks.port}` })
    await assert.rejects(transport.dial(addr, opts(working)), { name: 'OnionIntroFailedError' })
    await assert.rejects(transport.dial(addr, opts(working)), { name: 'OnionIntroFailedError' })
    const [first, second] = socks.connections.map(c => c.password)
    assert.ok(first != null && second != null)
    assert.notEqual(second, first)
  })
})
