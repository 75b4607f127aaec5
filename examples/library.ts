/**
 * p2p-tor as a library: tor() in a plain createLibp2p() configuration,
 * next to noise and yamux, and the listen address known before start.
 *
 *   node dist/examples/library.js <control host:port> <socks host:port> [cookie file]
 *
 * It starts a listening node on one tor, a dialing node (same tor or the
 * one given by P2P_TOR_DIAL_SOCKS), pings the listener once and stops.
 * The e2e tier runs it against the private Tor network so it cannot rot.
 */
import '../src/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { createLibp2p } from 'libp2p'
import { tor, onionListenAddress, loadOrCreateOnionKeyFile, onionOnly } from '../src/index.js'

const [control, socks, cookieFile] = process.argv.slice(2)
if (control == null || socks == null) {
  console.error('usage: library.js <control host:port> <socks host:port> [cookie file]')
  process.exit(2)
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-example-'))
try {
  // 1. the onion key decides the address, before tor publishes anything
  const { key } = await loadOrCreateOnionKeyFile(path.join(dir, 'onion.key'))
  const listenAddr = onionListenAddress(key, 7777)
  console.log('will listen on', listenAddr.toString())

  // 2. a listening node: tor() beside noise and yamux, onion-only announce
  const listener = await createLibp2p({
    addresses: { listen: [listenAddr.toString()], announceFilter: onionOnly },
    transports: [tor({ key, control, socks, cookieFile })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Tor circuits take longer than libp2p's defaults allow
    connectionManager: { dialTimeout: 150_000, addressDialTimeout: 130_000, inboundUpgradeTimeout: 60_000 },
    services: { identify: identify(), ping: ping() }
  })
  await listener.start()
  const addr = listener.getMultiaddrs()[0]
  console.log('listening on', addr.toString())

  // 3. a dial-only node: a SOCKS port is all it needs
  const dialer = await createLibp2p({
    transports: [tor({ socks: process.env.P2P_TOR_DIAL_SOCKS ?? socks })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { dialTimeout: 150_000, addressDialTimeout: 130_000 },
    services: { ping: ping() }
  })
  await dialer.start()
  const rtt = await dialer.services.ping.ping(addr)
  console.log(`ping over Tor: ${rtt} ms`)

  await dialer.stop()
  await listener.stop()
} finally {
  await rm(dir, { recursive: true, force: true })
}
