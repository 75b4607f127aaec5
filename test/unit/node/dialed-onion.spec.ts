/**
 * dialedOnionAddresses() alone, with a stand-in event bus and peer store:
 * after identify on an outbound connection to an onion address, the address
 * goes back into the peer store (identify's patch replaced it with the
 * peer's /ip4, which the gater dropped). Nothing else is merged. The
 * fake tier (test/fake/transport/interop.spec.ts) runs the real thing.
 */
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { dialedOnionAddresses, torNodeOptions } from '../../../src/node.js'
import { fakeLogger } from '../transport/fake-logger.js'
import { NOT_ONION, ONION, ONION_DNS, PEER } from './addresses.js'
import type { ComponentLogger, IdentifyResult, Libp2pEvents, PeerStore, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

describe('node: dialedOnionAddresses keeps the dialed onion address through identify', () => {
  const peer = peerIdFromString(PEER)
  // a plain EventTarget: the service only adds and removes its listener
  let events: EventTarget
  let merged: Array<{ peer: string, multiaddrs: string[] }>
  let service: Startable

  /** Lets the service's merge (a promise) run. */
  const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

  function identify (remoteAddr: Multiaddr, direction: 'inbound' | 'outbound'): void {
    events.dispatchEvent(new CustomEvent('peer:identify', {
      detail: { peerId: peer, listenAddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')], protocols: [], connection: { direction, remoteAddr } } as unknown as IdentifyResult
    }))
  }

  beforeEach(() => {
    events = new EventTarget()
    merged = []
    const peerStore = {
      merge: async (id: { toString: () => string }, data: { multiaddrs: Multiaddr[] }) => {
        merged.push({ peer: id.toString(), multiaddrs: data.multiaddrs.map(String) })
      }
    } as unknown as PeerStore
    service = dialedOnionAddresses()({ events: events as TypedEventTarget<Libp2pEvents>, peerStore, logger: fakeLogger() })
    void service.start()
  })

  afterEach(() => { void service.stop() })

  for (const ma of [...ONION, ...ONION_DNS]) {
    it(`merges the outbound connection's ${ma.toString().slice(0, 12)}… address back for the peer`, async () => {
      identify(ma, 'outbound')
      await settle()
      assert.deepEqual(merged, [{ peer: PEER, multiaddrs: [ma.toString()] }])
    })
  }

  it('merges nothing for an inbound connection (its remote address is not one this node dialed)', async () => {
    identify(ONION_DNS[0], 'inbound')
    await settle()
    assert.deepEqual(merged, [])
  })

  for (const [label, ma] of NOT_ONION) {
    it(`merges nothing for an outbound connection to ${label}`, async () => {
      identify(ma, 'outbound')
      await settle()
      assert.deepEqual(merged, [])
    })
  }

  it('stops listening on stop()', async () => {
    await service.stop()
    identify(ONION[0], 'outbound')
    await settle()
    assert.deepEqual(merged, [])
  })

  it('catches and logs a peer store that refuses (a stopping node), rather than leaving the rejection unhandled', async () => {
    const errors: unknown[][] = []
    const log = Object.assign(() => {}, { error: (...args: unknown[]) => { errors.push(args) }, trace: () => {}, enabled: false })
    const logger = { forComponent: () => log } as unknown as ComponentLogger
    const failing = { merge: async () => { throw new Error('datastore closed') } } as unknown as PeerStore
    const other = dialedOnionAddresses()({ events: events as TypedEventTarget<Libp2pEvents>, peerStore: failing, logger })
    void other.start()
    try {
      identify(ONION[0], 'outbound')
      await settle()
    } finally {
      void other.stop()
    }
    assert.equal(errors.length, 1)
    assert.match(String(errors[0][0]), /could not keep the dialed onion address/)
    assert.equal((errors[0][2] as Error).message, 'datastore closed')
  })

  it('is installed by torNodeOptions() as services.dialedOnionAddresses', async () => {
    const services = (await torNodeOptions({ socks: '127.0.0.1:9' })).services as Record<string, unknown>
    assert.equal(typeof services.dialedOnionAddresses, 'function')
    const built = (services.dialedOnionAddresses as (c: unknown) => Startable)({ events, peerStore: {}, logger: fakeLogger() })
    assert.equal(Object.prototype.toString.call(built), '[object p2p-tor:dialed-onion-addresses]')
  })
})
