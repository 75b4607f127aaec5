/**
 * Interop with a stock libp2p node through real Tor (issue 17, point 6).
 *
 * The stock node has only @libp2p/tcp (plus noise, yamux, identify) on
 * 127.0.0.1, as a project behind torsocks runs it. Its onion service is an
 * ADD_ONION made by hand on client tor 0's control port, pointing at that
 * TCP port. A p2p-tor node (createTorNode, dial only) on client tor 1 dials
 * it by peer id twice:
 *
 * 1. with /dns4/<id>.onion/tcp/<port>/p2p/<peer> added to its peer store
 *    (the only way such a node can spell its onion), then hangs up;
 * 2. by peer id alone, from the peer store, after identify told it the
 *    stock node's /ip4 address.
 *
 * After each identify the peer store holds the onion address and no /ip4.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { ControlClient } from '../../src/control/index.js'
import { createTorNode } from '../../src/node.js'
import { isValidOnionDialMultiaddr } from '../../src/onion/index.js'
import { addOnionByHand, nextIdentify, startStockNode, storedAddresses } from '../fixtures/stock-libp2p.js'
import { getTestnet } from './fixture.js'
import { torOptions } from './helpers.js'
import { retryF0 } from './leak/errors.js'
import type { TorNode } from '../../src/node.js'
import type { TestnetInfo } from '../../src/testnet/index.js'
import type { StockNode } from '../fixtures/stock-libp2p.js'
import type { Connection, IdentifyResult } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const VIRTUAL_PORT = 4001
const DIAL_MAX_ATTEMPTS = 5
const DIAL_TIMEOUT_MS = 120_000

function clearnet (addrs: Multiaddr[]): string[] {
  return addrs.filter(ma => !isValidOnionDialMultiaddr(ma)).map(String)
}

describe('e2e: a stock libp2p node (tcp only) behind a hand-made onion service, dialed by p2p-tor by peer id', function () {
  this.timeout(300_000)

  let net: TestnetInfo
  let control: ControlClient | undefined
  let stock: StockNode | undefined
  let node: TorNode | undefined
  let serviceId: string

  before(async () => {
    net = await getTestnet()
    const started = await startStockNode()
    stock = started.node
    const c0 = net.clients[0]
    control = await ControlClient.connect(`127.0.0.1:${c0.controlPort}`)
    await control.authenticate({ cookieFile: c0.cookieFile })
    const t0 = performance.now()
    serviceId = (await addOnionByHand(control, started.tcpPort, VIRTUAL_PORT, { uploadTimeoutMs: 60_000 })).serviceId
    console.log(`      interop: ADD_ONION by hand -> first HS_DESC UPLOADED in ${(performance.now() - t0).toFixed(0)} ms`)
    node = await createTorNode({ ...torOptions(net.clients[1]), dialOnly: true })
  })

  after(async () => {
    await node?.stop()
    await stock?.stop()
    // closing the control connection removes the service (no Detach)
    await control?.close()
  })

  it('dials /dns4/<id>.onion/tcp/<port>/p2p/<peer> from the peer store, then by peer id alone; the peer store never holds /ip4', async () => {
    assert.ok(node != null && stock != null)
    const tor = node
    const stockId = stock.peerId
    const dns4 = multiaddr(`/dns4/${serviceId}.onion/tcp/${VIRTUAL_PORT}`)

    // 1. the onion address, in the only spelling a stock node has, into the peer store; dial by peer id
    await node.peerStore.merge(stockId, { multiaddrs: [dns4] })
    const first = await retryF0(async () => await dialAndIdentify(tor, stockId), {
      maxAttempts: DIAL_MAX_ATTEMPTS,
      delayMs: 1000,
      log: (m) => { console.log(`      (interop, first dial: ${m})`) }
    })
    console.log(`      interop: first dial by peer id in ${first.value.dialMs.toFixed(0)} ms, ${first.attempts} attempt(s) of ${DIAL_MAX_ATTEMPTS}; identify ${first.value.identifyMs.toFixed(0)} ms later`)
    assert.equal(first.value.conn.remoteAddr.toString(), `${dns4.toString()}/p2p/${stockId.toString()}`)

    // identify reported the stock node's clearnet address, which the peer store must not keep
    const result = first.value.identify
    assert.ok(result.listenAddrs.some(ma => ma.toString().startsWith('/ip4/127.0.0.1/tcp/')), `the stock node reported no /ip4: ${result.listenAddrs.map(String).join(' ')}`)
    assert.match(result.agentVersion ?? '', /^js-libp2p\//, 'the peer is a stock js-libp2p node')
    const afterIdentify = await waitForOnionStored(node, stockId, 10_000)
    assert.deepEqual(clearnet(afterIdentify), [])
    assert.deepEqual(afterIdentify.map(String), [dns4.toString()])

    await node.hangUp(stockId)
    assert.equal(node.getConnections(stockId).length, 0)

    // 2. by peer id alone: the address comes from the peer store
    const second = await retryF0(async () => await dialAndIdentify(tor, stockId), {
      maxAttempts: DIAL_MAX_ATTEMPTS,
      delayMs: 1000,
      log: (m) => { console.log(`      (interop, second dial: ${m})`) }
    })
    console.log(`      interop: second dial by peer id in ${second.value.dialMs.toFixed(0)} ms, ${second.attempts} attempt(s) of ${DIAL_MAX_ATTEMPTS}; identify ${second.value.identifyMs.toFixed(0)} ms later`)
    assert.notEqual(second.value.conn.id, first.value.conn.id, 'the second dial opened a new connection')
    assert.equal(second.value.conn.remoteAddr.toString(), `${dns4.toString()}/p2p/${stockId.toString()}`)

    const stored = await waitForOnionStored(node, stockId, 10_000)
    assert.deepEqual(clearnet(stored), [])
    assert.deepEqual(stored.map(String), [dns4.toString()])
  })
})

/**
 * Dial by peer id and wait for that connection's identify: the stock node
 * runs no ping service, so identify (a stream round trip over noise and
 * yamux) is the proof of a working libp2p session.
 */
async function dialAndIdentify (node: TorNode, peer: StockNode['peerId']): Promise<{ conn: Connection, identify: IdentifyResult, dialMs: number, identifyMs: number }> {
  const stop = new AbortController()
  const identified = nextIdentify(node, peer, DIAL_TIMEOUT_MS * 2, stop.signal)
  identified.catch(() => {}) // awaited below, unless the dial fails first
  const t0 = performance.now()
  let conn: Connection
  try {
    conn = await node.dial(peer, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
  } catch (err) {
    stop.abort(err)
    throw err
  }
  const dialMs = performance.now() - t0
  const identify = await identified
  assert.equal(identify.connection.id, conn.id, 'identify ran on the connection just dialed')
  return { conn, identify, dialMs, identifyMs: performance.now() - t0 - dialMs }
}

/** identify replaces the stored addresses and the node puts the dialed one back just after: wait for it, with a deadline. */
async function waitForOnionStored (node: TorNode, peer: StockNode['peerId'], timeoutMs: number): Promise<Multiaddr[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const stored = await storedAddresses(node, peer)
    if (stored.some(ma => isValidOnionDialMultiaddr(ma))) return stored
    if (Date.now() > deadline) throw new Error(`no onion address for the stock node in the peer store ${timeoutMs} ms after identify: [${stored.map(String).join(' ')}]`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
