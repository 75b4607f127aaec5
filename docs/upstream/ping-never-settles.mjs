/**
 * Minimal reproduction (TCP only, no Tor): @libp2p/ping's ping() never
 * settles when the connection it runs on is aborted under it.
 *
 * Two libp2p nodes in one process, @libp2p/tcp + noise + yamux, the default
 * ping() service on both, and a connection monitor with a short interval.
 * Loop: dial -> ping(addr) with NO signal -> hangUp. Now and then the
 * monitor's own ping stream and the user's ping stream are open at the same
 * time; with ping's default maxOutboundStreams (1) the second is refused
 * (TooManyOutboundProtocolStreamsError), the monitor aborts the whole
 * connection, and a user ping() that already had its stream waits forever.
 *
 *   node docs/upstream/ping-never-settles.mjs [cycles=3000] [monitorIntervalMs=5] [maxOutboundStreams]
 *
 * The third argument checks the workaround: with maxOutboundStreams 2 the
 * connection is no longer aborted and no ping() stalls.
 *
 * Exits 1 and prints the cycle when a ping() has not settled after 10 s
 * (a TCP ping on loopback takes ~1 ms); exits 0 if every cycle settled.
 * Not part of `npm test`. Needs Node >= 22, or the polyfill below on Node 20.
 */
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { ping } = await import('@libp2p/ping')

const cycles = Number(process.argv[2] ?? 3000)
const monitorIntervalMs = Number(process.argv[3] ?? 5)
const maxOutboundStreams = process.argv[4] != null ? Number(process.argv[4]) : undefined
const STALL_MS = 10_000

const make = async (listen) => createLibp2p({
  addresses: { listen },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionMonitor: { pingInterval: monitorIntervalMs },
  // only so a tight dial loop on loopback is not rate-limited (5 dials/s per IP by default)
  connectionManager: { inboundConnectionThreshold: 1_000_000 },
  services: { ping: ping({ maxOutboundStreams }) } // undefined: the documented default setup
})

const a = await make(['/ip4/127.0.0.1/tcp/0'])
const b = await make([])
const addr = a.getMultiaddrs()[0]
const errors = new Map()

const t0 = Date.now()
let stalled = -1
for (let i = 1; i <= cycles; i++) {
  try {
    const conn = await b.dial(addr)
    const settled = b.services.ping.ping(addr).then(() => 'ok', (err) => { if (!errors.has(err.name)) console.log(`cycle ${i}: ping() rejected: ${err.name}: ${err.message}`); return err.name })
    let timer
    const watchdog = new Promise(resolve => { timer = setTimeout(() => resolve('STALL'), STALL_MS) })
    const outcome = await Promise.race([settled, watchdog])
    clearTimeout(timer)
    if (outcome === 'STALL') {
      stalled = i
      console.log(`cycle ${i}: ping() has not settled after ${STALL_MS} ms; connection status: ${conn.status}`)
      break
    }
    if (outcome !== 'ok') errors.set(outcome, (errors.get(outcome) ?? 0) + 1)
    await b.hangUp(addr)
  } catch (err) {
    errors.set(`dial/hangUp ${err.name}`, (errors.get(`dial/hangUp ${err.name}`) ?? 0) + 1)
  }
}
console.log(JSON.stringify({
  cycles, monitorIntervalMs, maxOutboundStreams: maxOutboundStreams ?? 'default (1)', stalledAtCycle: stalled, elapsedMs: Date.now() - t0,
  rejectedPings: Object.fromEntries(errors), node: process.version
}))
await Promise.race([Promise.all([a.stop(), b.stop()]), new Promise(resolve => setTimeout(resolve, 5000))])
process.exit(stalled > 0 ? 1 : 0)
