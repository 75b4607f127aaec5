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
import { tor, onionListenAddress, loadOrCreateOnionKeyFile, onionOnly, AGENT_VERSION, TOR_CONNECTION_DEFAULTS as T, TOR_PING_DEFAULTS } from '../src/index.js'

const [control, socks, cookieFile] = process.argv.slice(2)
if (control == null || socks == null) {
  console.error('usage: library.js <control host:port> <socks host:port> [cookie file]')
  process.exit(2)
}

/** Whether `err`, or an error it wraps (libp2p aggregates dial errors), has this name. */
function hasError (err: unknown, name: string, depth = 0): boolean {
  if (err == null || typeof err !== 'object' || depth > 8) return false
  const e = err as { name?: string, cause?: unknown, errors?: unknown[] }
  return e.name === name || hasError(e.cause, name, depth + 1) || (e.errors ?? []).some(x => hasError(x, name, depth + 1))
}

/**
 * listen() resolves at the first descriptor upload, which reaches one HS
 * directory; a tor that asks another one in the next second gets F0
 * (OnionServiceNotFoundError). A dial right after a fresh publish should
 * retry that, a bounded number of times; any other error is final.
 */
async function retryWhileNotFound<T> (fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (attempt >= attempts || !hasError(err, 'OnionServiceNotFoundError')) throw err
      console.log(`descriptor not found yet (F0), retrying in 1 s (attempt ${attempt} of ${attempts})`)
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
  }
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
    // as the README's example: TOR_CONNECTION_DEFAULTS (window, timeouts, monitor floor) and a bare agent
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: T.maxStreamWindowSize } })],
    connectionManager: { dialTimeout: T.dialTimeout, addressDialTimeout: T.addressDialTimeout, inboundUpgradeTimeout: T.inboundUpgradeTimeout, maxIncomingPendingConnections: T.maxIncomingPendingConnections },
    connectionMonitor: { pingTimeout: { minTimeout: T.monitorPingMinTimeout } },
    nodeInfo: { name: AGENT_VERSION, version: '', userAgent: AGENT_VERSION },
    // TOR_PING_DEFAULTS: room for libp2p's connection-monitor ping beside ours
    services: { identify: identify(), ping: ping(TOR_PING_DEFAULTS) }
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
    services: { ping: ping(TOR_PING_DEFAULTS) }
  })
  await dialer.start()
  // always bound a ping: libp2p's ping() can wait forever if its connection is aborted
  const rtt = await retryWhileNotFound(async () => dialer.services.ping.ping(addr, { signal: AbortSignal.timeout(150_000) }))
  console.log(`ping over Tor: ${rtt} ms`)

  await dialer.stop()
  await listener.stop()
} finally {
  await rm(dir, { recursive: true, force: true })
}
