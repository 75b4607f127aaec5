/**
 * Dial-only nodes (createTorNode({ dialOnly: true }) and createMemberNode):
 * against the fake tor, a dial-only node that connects to a listener and
 * pings it sends no ADD_ONION of its own and announces no address.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createTorNode, type TorNode } from '../../../src/node.js'
import { createMemberNode } from '../../../src/messaging/node.js'
import { generateOnionKey } from '../../../src/onion/index.js'
import { startFakeTor, type FakeTor } from '../../fixtures/fake-tor.js'

describe('fake: dial-only nodes send no ADD_ONION', function () {
  this.timeout(30_000)
  let fake: FakeTor
  const nodes: Array<{ stop: () => void | Promise<void> }> = []

  beforeEach(async () => { fake = await startFakeTor() })
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
    await fake.stop()
  })

  const addOnions = (): string[] => fake.commands.filter(c => c.startsWith('ADD_ONION'))

  it('createTorNode({ dialOnly: true }) dials and pings a listener; the only ADD_ONION is the listener\'s', async () => {
    const listener = await createTorNode({ control: fake.control, socks: `${fake.socks.host}:${fake.socks.port}`, key: generateOnionKey() })
    nodes.push(listener)
    assert.equal(addOnions().length, 1)
    const dialer: TorNode = await createTorNode({ control: fake.control, socks: `${fake.socks.host}:${fake.socks.port}`, dialOnly: true })
    nodes.push(dialer)
    assert.deepEqual(dialer.getMultiaddrs(), [])
    const rtt = await dialer.services.ping.ping(listener.getMultiaddrs()[0], { signal: AbortSignal.timeout(20_000) })
    assert.ok(rtt >= 0)
    assert.equal(addOnions().length, 1, 'the dial-only node added no onion service')
  })

  it('refuses dialOnly with a key, naming both options', async () => {
    await assert.rejects(createTorNode({ socks: `${fake.socks.host}:${fake.socks.port}`, dialOnly: true, key: generateOnionKey() }), (err: any) => {
      assert.equal(err.name, 'InvalidParametersError')
      assert.match(err.message, /dialOnly.*key/)
      return true
    })
  })

  it('a member node is dial-only: no listen address, no ADD_ONION after start', async () => {
    const hubKey = await generateKeyPair('Ed25519')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const hub = `/onion3/${generateOnionKey().serviceId}:7777/p2p/${peerIdFromPrivateKey(hubKey).toString()}`
    const member = await createMemberNode({ control: fake.control, socks: `${fake.socks.host}:${fake.socks.port}`, hubs: [hub] })
    nodes.push(member)
    await member.start()
    assert.deepEqual(member.getMultiaddrs(), [])
    assert.deepEqual(addOnions(), [])
  })
})
