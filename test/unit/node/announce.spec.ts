/**
 * src/node.ts on its own, without starting anything: the announce filter
 * (what identify tells every peer) and the connection gater (what libp2p
 * may dial, and what the peer store keeps). Each is tested alone, so a bug
 * in one is not hidden by the transport refusing the same address.
 */
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { onionOnly, torNodeOptions } from '../../../src/node.js'
import { generateOnionKey, onionAddressToMultiaddr } from '../../../src/onion/index.js'
import { NOT_ONION, ONION, ONION_DNS, PEER } from './addresses.js'
import type { ConnectionGater } from '@libp2p/interface'

describe('node: onion-only announce filter', () => {
  it('keeps valid /onion3 addresses, with or without /p2p', () => {
    assert.deepEqual(onionOnly(ONION).map(String), ONION.map(String))
  })

  for (const [label, ma] of NOT_ONION) {
    it(`drops ${label}: ${ma.toString().slice(0, 60)}`, () => {
      assert.deepEqual(onionOnly([ma]), [])
    })
  }

  it('drops the /dns4 .onion spelling too: only /onion3 is announced', () => {
    assert.deepEqual(onionOnly(ONION_DNS), [])
  })

  it('drops every non-onion address from a mixed list, keeping order', () => {
    const mixed = [NOT_ONION[0][1], ONION[0], ...NOT_ONION.slice(1).map(([, ma]) => ma), ONION[1]]
    assert.deepEqual(onionOnly(mixed).map(String), ONION.map(String))
  })

  it('is what torNodeOptions() installs as addresses.announceFilter', async () => {
    const options = await torNodeOptions({ socks: '127.0.0.1:9' })
    const filter = options.addresses.announceFilter
    assert.ok(filter != null)
    const mixed = [...NOT_ONION.map(([, ma]) => ma), ...ONION]
    assert.deepEqual(filter(mixed).map(String), ONION.map(String))
  })

  it('torNodeOptions() listens only on the key\'s /onion3 address, and on nothing without a key', async () => {
    const key = generateOnionKey()
    assert.deepEqual((await torNodeOptions({ key, port: 7001 })).addresses.listen, [onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7001 }).toString()])
    assert.deepEqual((await torNodeOptions({ socks: '127.0.0.1:9' })).addresses.listen, [])
  })
})

describe('node: connection gater', () => {
  let gater: ConnectionGater
  const peer = peerIdFromString(PEER)

  before(async () => {
    gater = (await torNodeOptions({ socks: '127.0.0.1:9' })).connectionGater
  })

  it('denyDialMultiaddr allows valid /onion3', async () => {
    assert.ok(gater.denyDialMultiaddr != null)
    for (const ma of ONION) assert.equal(await gater.denyDialMultiaddr(ma), false, ma.toString())
  })

  for (const [label, ma] of NOT_ONION) {
    it(`denyDialMultiaddr denies ${label}`, async () => {
      assert.ok(gater.denyDialMultiaddr != null)
      assert.equal(await gater.denyDialMultiaddr(ma), true)
    })
  }

  it('denyDialMultiaddr allows /dns, /dns4 and /dns6 of a valid <id>.onion (the torsocks spelling)', async () => {
    assert.ok(gater.denyDialMultiaddr != null)
    for (const ma of ONION_DNS) assert.equal(await gater.denyDialMultiaddr(ma), false, ma.toString())
  })

  it('filterMultiaddrForPeer keeps the /dns4 .onion spelling in the peer store, so a later dial by peer id can use it', async () => {
    assert.ok(gater.filterMultiaddrForPeer != null)
    for (const ma of ONION_DNS) assert.equal(await gater.filterMultiaddrForPeer(peer, ma), true, ma.toString())
  })

  it('filterMultiaddrForPeer keeps valid /onion3 in the peer store', async () => {
    assert.ok(gater.filterMultiaddrForPeer != null)
    for (const ma of ONION) assert.equal(await gater.filterMultiaddrForPeer(peer, ma), true, ma.toString())
  })

  for (const [label, ma] of NOT_ONION) {
    it(`filterMultiaddrForPeer drops ${label}`, async () => {
      assert.ok(gater.filterMultiaddrForPeer != null)
      assert.equal(await gater.filterMultiaddrForPeer(peer, ma), false)
    })
  }

  it('resolves no DNS names (no resolvers)', async () => {
    const options = await torNodeOptions({ socks: '127.0.0.1:9' })
    assert.deepEqual(options.connectionManager?.resolvers, {})
  })
})
