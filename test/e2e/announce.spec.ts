/**
 * The onion-only announce filter on a node that really has a clearnet
 * address: node A is createTorNode's options (torNodeOptions) plus
 * @libp2p/tcp listening on 127.0.0.1, with the filter left in place. Neither
 * A's own address list nor what peer B learns from A through identify may
 * hold anything but /onion3. B's peer-store filter is opened up, so what B
 * records is what A sent, not what B's own gater kept.
 */
import assert from 'node:assert/strict'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { torNodeOptions } from '../../src/node.js'
import { generateOnionKey, isValidOnion3Multiaddr } from '../../src/onion/index.js'
import { getTestnet } from './fixture.js'
import { torOptions } from './helpers.js'
import { retryF0 } from './leak/errors.js'
import type { TorNode } from '../../src/node.js'
import type { TestnetInfo } from '../../src/testnet/index.js'
import type { IdentifyResult } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const DIAL_MAX_ATTEMPTS = 5

function nonOnion (addrs: Multiaddr[]): string[] {
  return addrs.filter(ma => !isValidOnion3Multiaddr(ma)).map(String)
}

describe('e2e: a node with a TCP address beside tor announces only /onion3', function () {
  this.timeout(180_000)

  let net: TestnetInfo
  let a: TorNode | undefined
  let b: TorNode | undefined

  before(async () => {
    net = await getTestnet()
  })

  after(async () => {
    await b?.stop()
    await a?.stop()
  })

  it('A listens on /ip4/127.0.0.1/tcp and on /onion3, and getMultiaddrs() holds only the /onion3', async () => {
    const options = await torNodeOptions({ ...torOptions(net.clients[0]), key: generateOnionKey(), port: 7777, start: false })
    a = await createLibp2p({
      ...options,
      addresses: { ...options.addresses, listen: [...(options.addresses.listen ?? []), '/ip4/127.0.0.1/tcp/0'] },
      transports: [...options.transports, tcp()]
    }) as TorNode
    await a.start()

    // the TCP listener is real: the transport manager holds its address
    const transportAddrs: Multiaddr[] = (a as any).components.transportManager.getAddrs()
    assert.ok(transportAddrs.some(ma => /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*$/.test(ma.toString())), `no TCP listen address: ${transportAddrs.map(String).join(' ')}`)

    const announced = a.getMultiaddrs()
    assert.deepEqual(nonOnion(announced), [])
    assert.equal(announced.length, 1)
    assert.match(announced[0].toString(), /^\/onion3\/[a-z2-7]{56}:7777\/p2p\//)
  })

  it('B learns only A\'s /onion3 through identify: listen addresses, signed peer record and peer store', async () => {
    assert.ok(a != null)
    const options = await torNodeOptions({ ...torOptions(net.clients[1]), start: false })
    b = await createLibp2p({
      ...options,
      // keep every address A sends, so this test sees A's announcement and not B's filter
      connectionGater: { ...options.connectionGater, filterMultiaddrForPeer: async () => true }
    }) as TorNode
    const aId = a.peerId.toString()
    const identified = new Promise<IdentifyResult>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error('no identify from A within 120 s')) }, 120_000)
      b?.addEventListener('peer:identify', (evt) => {
        if (evt.detail.peerId.toString() !== aId) return
        clearTimeout(timer)
        resolve(evt.detail)
      })
    })
    await b.start()

    const aAddr = a.getMultiaddrs()[0]
    const { attempts } = await retryF0(async () => await b?.dial(aAddr), {
      maxAttempts: DIAL_MAX_ATTEMPTS,
      delayMs: 1000,
      log: (m) => { console.log(`      (announce: ${m})`) }
    })
    console.log(`      announce: B reached A in ${attempts} attempt(s) of ${DIAL_MAX_ATTEMPTS}`)
    assert.ok(attempts <= DIAL_MAX_ATTEMPTS)

    const result = await identified
    assert.ok(result.listenAddrs.length > 0, 'A sent no listen addresses')
    assert.deepEqual(nonOnion(result.listenAddrs), [])
    assert.ok(result.signedPeerRecord != null, 'A sent no signed peer record')
    assert.deepEqual(nonOnion(result.signedPeerRecord.addresses), [])
    assert.equal(result.agentVersion, 'p2p-tor')

    const stored = (await b.peerStore.get(a.peerId)).addresses.map(x => x.multiaddr)
    assert.ok(stored.length > 0)
    assert.deepEqual(nonOnion(stored), [])
    assert.ok(stored.some(ma => ma.equals(multiaddr(aAddr.toString().replace(/\/p2p\/.*$/, '')))), `A's onion address is not in B's peer store: ${stored.map(String).join(' ')}`)
  })
})
