/**
 * Interop with a stock libp2p node reached through Tor (issue 17), against
 * the fake Tor: the stock node has only @libp2p/tcp on 127.0.0.1 and an
 * onion service made by hand; a createTorNode dials it as
 * /dns4/<id>.onion/tcp/<port>/p2p/<peer>, the spelling such a node can
 * express, then by peer id alone from the peer store. The peer store must
 * keep the onion address through identify (which reports only /ip4) and
 * never hold the /ip4 one.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { ControlClient } from '../../../src/control/index.js'
import { createTorNode } from '../../../src/node.js'
import { isValidOnionDialMultiaddr } from '../../../src/onion/index.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import { addOnionByHand, nextIdentify, startStockNode, storedAddresses } from '../../fixtures/stock-libp2p.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'
import type { StockNode } from '../../fixtures/stock-libp2p.js'
import type { TorNode } from '../../../src/node.js'
import type { Multiaddr } from '@multiformats/multiaddr'

const VIRTUAL_PORT = 4001

function clearnet (addrs: Multiaddr[]): string[] {
  return addrs.filter(ma => !isValidOnionDialMultiaddr(ma)).map(String)
}

describe('fake: a stock libp2p node behind a hand-made onion service, dialed by a Tor node', function () {
  this.timeout(30_000)

  let fake: FakeTor
  let control: ControlClient | undefined
  let stock: StockNode | undefined
  let node: TorNode | undefined
  let serviceId: string
  let dns4: Multiaddr

  beforeEach(async () => {
    fake = await startFakeTor()
    const started = await startStockNode()
    stock = started.node
    control = await ControlClient.connect(fake.control)
    await control.authenticate()
    serviceId = (await addOnionByHand(control, started.tcpPort, VIRTUAL_PORT, { uploadTimeoutMs: 5_000 })).serviceId
    dns4 = multiaddr(`/dns4/${serviceId}.onion/tcp/${VIRTUAL_PORT}/p2p/${stock.peerId.toString()}`)
    node = await createTorNode({ control: fake.control, socks: `${fake.socks.host}:${fake.socks.port}`, dialOnly: true })
  })

  afterEach(async () => {
    await node?.stop()
    await stock?.stop()
    await control?.close()
    await fake.stop()
  })

  it('dials /dns4/<id>.onion/tcp/<port>/p2p/<peer>: the name goes to SOCKS as a hostname, and identify\'s /ip4 is not stored', async () => {
    assert.ok(node != null && stock != null)
    const identified = nextIdentify(node, stock.peerId, 20_000)
    const conn = await node.dial(dns4, { signal: AbortSignal.timeout(20_000) })
    assert.ok(conn.remotePeer.equals(stock.peerId))
    assert.deepEqual(fake.socksRequests.map(r => r.destination), [`${serviceId}.onion:${VIRTUAL_PORT}`])

    const result = await identified
    // the stock node really did report a clearnet address, so the filter had something to drop
    assert.ok(result.listenAddrs.some(ma => ma.toString().startsWith('/ip4/127.0.0.1/tcp/')), result.listenAddrs.map(String).join(' '))

    const stored = await waitForStored(node, stock, 5_000)
    assert.deepEqual(clearnet(stored), [])
    assert.deepEqual(stored.map(String), [`/dns4/${serviceId}.onion/tcp/${VIRTUAL_PORT}`])
  })

  it('dials the stock node again by peer id alone, from the peer store, after identify', async () => {
    assert.ok(node != null && stock != null)
    const identified = nextIdentify(node, stock.peerId, 20_000)
    await node.dial(dns4, { signal: AbortSignal.timeout(20_000) })
    await identified
    await waitForStored(node, stock, 5_000)
    await node.hangUp(stock.peerId)
    assert.equal(node.getConnections(stock.peerId).length, 0)

    const again = await node.dial(stock.peerId, { signal: AbortSignal.timeout(20_000) })
    assert.ok(again.remotePeer.equals(stock.peerId))
    assert.equal(again.remoteAddr.toString(), dns4.toString())
    assert.deepEqual(fake.socksRequests.map(r => r.destination), [`${serviceId}.onion:${VIRTUAL_PORT}`, `${serviceId}.onion:${VIRTUAL_PORT}`])
    assert.deepEqual(clearnet(await storedAddresses(node, stock.peerId)), [])
  })

  it('a dial by peer id with only identify\'s /ip4 to go on finds nothing to dial and opens no socket', async () => {
    assert.ok(node != null && stock != null)
    // what identify alone would leave: the /ip4 listen address, which the gater drops
    await node.peerStore.merge(stock.peerId, { multiaddrs: stock.getMultiaddrs() })
    assert.deepEqual(await storedAddresses(node, stock.peerId), [])
    await assert.rejects(node.dial(stock.peerId, { signal: AbortSignal.timeout(5_000) }))
    assert.deepEqual(fake.socksRequests, [])
  })
})

/**
 * The stock node's stored addresses, once they hold an onion address:
 * identify's answer replaces a peer's addresses, and the Tor node puts the
 * one it dialed back right after (an event handler), so wait for that,
 * with a deadline.
 */
async function waitForStored (node: TorNode, stock: StockNode, timeoutMs: number): Promise<Multiaddr[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const stored = await storedAddresses(node, stock.peerId)
    if (stored.some(ma => isValidOnionDialMultiaddr(ma))) return stored
    if (Date.now() > deadline) throw new Error(`no onion address for the stock node in the peer store after ${timeoutMs} ms: [${stored.map(String).join(' ')}]`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
