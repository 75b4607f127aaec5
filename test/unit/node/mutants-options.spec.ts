/**
 * torNodeOptions() settings that nothing else looks at without starting a
 * node: the Tor-sized timeouts, the identify user agent, the yamux window,
 * the ping and identify limits, what reaches the transport, and the key
 * file it loads. Each service factory is built with just enough components
 * to read back the settings it was given.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { defaultLogger } from '@libp2p/logger'
import { AGENT_VERSION, TOR_CONNECTION_DEFAULTS, torNodeOptions } from '../../../src/node.js'
import { generateOnionKey, onionAddressToMultiaddr, saveOnionKeyFile } from '../../../src/onion/index.js'
import { NOT_ONION, ONION, PEER } from './addresses.js'

/** Calls a factory from the options with stub components and returns what it built, untyped. */
function build (factory: unknown, components: Record<string, unknown> = {}): any {
  return (factory as (c: unknown) => unknown)({ logger: defaultLogger(), events: new EventTarget(), ...components })
}

describe('node: torNodeOptions() settings', () => {
  it('uses the Tor-sized connection manager timeouts and limits', async () => {
    const cm = (await torNodeOptions({ socks: '127.0.0.1:9' })).connectionManager
    assert.deepEqual(cm, {
      dialTimeout: 150_000,
      addressDialTimeout: 130_000,
      inboundUpgradeTimeout: 60_000,
      maxIncomingPendingConnections: 64,
      resolvers: {}
    })
    assert.equal(TOR_CONNECTION_DEFAULTS.addressDialTimeout < TOR_CONNECTION_DEFAULTS.dialTimeout, true)
  })

  it('sends the bare agent "p2p-tor" in identify, with no version', async () => {
    const options = await torNodeOptions({ socks: '127.0.0.1:9' })
    assert.equal(AGENT_VERSION, 'p2p-tor')
    assert.deepEqual(options.nodeInfo, { name: 'p2p-tor', version: '', userAgent: 'p2p-tor' })
  })

  it('sets the connection monitor floor to 30 s and yamux\'s window to 1 MiB', async () => {
    const options = await torNodeOptions({ socks: '127.0.0.1:9' })
    assert.deepEqual(options.connectionMonitor, { pingTimeout: { minTimeout: 30_000 } })
    assert.equal(options.streamMuxers?.length, 1)
    const muxer = build(options.streamMuxers?.[0])
    assert.deepEqual(muxer._init, { streamOptions: { maxStreamWindowSize: 1024 * 1024 } })
  })

  it('gives identify and ping a 60 s timeout, and ping room for 2 outbound and 4 inbound streams', async () => {
    const services = (await torNodeOptions({ socks: '127.0.0.1:9' })).services
    assert.deepEqual(Object.keys(services ?? {}).sort(), ['dialedOnionAddresses', 'identify', 'ping'])
    const identify = build(services?.identify, { nodeInfo: { userAgent: AGENT_VERSION } })
    assert.equal(identify.timeout, 60_000)
    const ping = build(services?.ping)
    assert.equal(ping.timeout, 60_000)
    assert.equal(ping.maxOutboundStreams, 2)
    assert.equal(ping.maxInboundStreams, 4)
    assert.equal((await torNodeOptions({ socks: '127.0.0.1:9' })).connectionEncrypters?.length, 1)
  })

  it('passes start and privateKey through, and keeps them out of the transport\'s options', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const options = await torNodeOptions({ socks: '127.0.0.1:9', privateKey, start: false, port: 7001 })
    assert.equal(options.start, false)
    assert.equal(options.privateKey, privateKey)
    assert.equal(options.transports.length, 1)
    const transport = build(options.transports[0])
    assert.deepEqual(transport.init, { socks: '127.0.0.1:9', key: undefined, keyFile: undefined })
  })

  it('listens on port 7777 when a key is given without a port', async () => {
    const key = generateOnionKey()
    const options = await torNodeOptions({ key })
    assert.deepEqual(options.addresses.listen, [onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7777 }).toString()])
    assert.equal(build(options.transports[0]).init.key, key)
  })

  it('loads keyFile once, listens on its address and hands the transport the key, not the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'p2p-tor-node-'))
    try {
      const key = generateOnionKey()
      const path = join(dir, 'hs_ed25519_secret_key')
      await saveOnionKeyFile(path, key)
      const options = await torNodeOptions({ keyFile: path, port: 7002 })
      assert.deepEqual(options.addresses.listen, [onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7002 }).toString()])
      const init = build(options.transports[0]).init
      assert.equal(init.keyFile, undefined)
      assert.equal(init.key.serviceId, key.serviceId)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('installs a gater that allows and keeps only valid /onion3 (built inside the test, not in a hook)', async () => {
    const gater = (await torNodeOptions({ socks: '127.0.0.1:9' })).connectionGater
    const peer = peerIdFromString(PEER)
    for (const ma of ONION) {
      assert.equal(await gater.denyDialMultiaddr?.(ma), false)
      assert.equal(await gater.filterMultiaddrForPeer?.(peer, ma), true)
    }
    for (const [label, ma] of NOT_ONION) {
      assert.equal(await gater.denyDialMultiaddr?.(ma), true, label)
      assert.equal(await gater.filterMultiaddrForPeer?.(peer, ma), false, label)
    }
  })

  it('prefers key over keyFile, without reading the file', async () => {
    const key = generateOnionKey()
    const options = await torNodeOptions({ key, keyFile: '/nonexistent/p2p-tor/key', port: 7003 })
    assert.deepEqual(options.addresses.listen, [onionAddressToMultiaddr({ serviceId: key.serviceId, port: 7003 }).toString()])
  })
})
