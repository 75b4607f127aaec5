/**
 * `npm run soak -- --minutes N`: a node that must stay up, on its own
 * private Tor network. Not part of `npm test`.
 *
 * - a listener A (client 0's tor, attach mode, reconnect on) with an echo protocol;
 * - `--peers` dial-only peers on client 1's tor, each in a dial → ping →
 *   hangUp churn with a short random pause;
 * - a kill -9 of A's tor every `--kill-every` minutes, restarted as systemd
 *   would (`startTestnet` restarts dead processes), timed until A is
 *   reachable again;
 * - every minute, 50 concurrent echo streams over one connection;
 * - RSS and open file descriptors sampled every 30 s.
 *
 * Every operation has a deadline; a watchdog counts an operation that does
 * not settle 10 s past its deadline as a stall. It prints a table at the end
 * (and writes it as JSON with --out).
 *
 *   node dist/bench/soak.js [--minutes 5] [--peers 10] [--kill-every 3] [--base-port 18400] [--dir .testnet/soak] [--out FILE]
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setMaxListeners } from 'node:events'
import net from 'node:net'
import { createTorNode, type TorNode } from '../src/node.js'
import { generateOnionKey } from '../src/onion/index.js'
import { startTestnet, stopTestnet, testnetStatus, type TestnetClient } from '../src/testnet/index.js'
import type { Multiaddr } from '@multiformats/multiaddr'

const ECHO = '/p2p-tor-soak/echo/1.0.0'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    peers: { type: 'string', default: '10' },
    'kill-every': { type: 'string', default: '3' },
    'base-port': { type: 'string', default: '18400' },
    dir: { type: 'string', default: '.testnet/soak' },
    out: { type: 'string' }
  }
})

const t0 = Date.now()
const log = (line: string): void => { console.error(`[soak ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`) }
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

interface Tally { ok: number, failures: Record<string, number>, ms: number[] }
const tallies: Record<string, Tally> = {}
let stalls = 0
let restarting = false

/** The most specific typed name in an error chain (libp2p wraps ours). */
function errorName (err: unknown, depth = 0): string {
  if (err == null || typeof err !== 'object' || depth > 6) return String(err)
  const e = err as { name?: string, cause?: unknown, errors?: unknown[] }
  const inner = [e.cause, ...(e.errors ?? [])].map(x => errorName(x, depth + 1)).find(n => n !== 'undefined' && !/^(Error|AggregateError|AbortError)$/.test(n))
  return inner ?? e.name ?? 'Error'
}

/** Runs one operation with a deadline, a stall watchdog, and a tally. */
async function op<T> (kind: string, deadlineMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const t = tallies[kind] ??= { ok: 0, failures: {}, ms: [] }
  const start = Date.now()
  let settled = false
  const watchdog = setTimeout(() => { if (!settled) { stalls++; log(`STALL: ${kind} did not settle within ${deadlineMs + 10_000} ms`) } }, deadlineMs + 10_000)
  try {
    const signal = AbortSignal.timeout(deadlineMs)
    setMaxListeners(Infinity, signal)
    const result = await fn(signal)
    t.ok++
    t.ms.push(Date.now() - start)
    return result
  } catch (err) {
    const key = `${errorName(err)}${restarting ? ' (during a tor restart)' : ''}`
    if (t.failures[key] == null) log(`first ${kind} failure of its kind: ${key}: ${(err as Error)?.message ?? String(err)}`)
    t.failures[key] = (t.failures[key] ?? 0) + 1
    return undefined
  } finally {
    settled = true
    clearTimeout(watchdog)
  }
}

/** When 127.0.0.1:port first accepts a TCP connection (Date.now()), polled every 20 ms. */
async function acceptsAt (port: number, deadline: number): Promise<number> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>(resolve => {
      const s = net.connect({ host: '127.0.0.1', port })
      s.once('connect', () => { s.destroy(); resolve(true) })
      s.once('error', () => { resolve(false) })
    })
    if (ok) return Date.now()
    await sleep(20)
  }
  return deadline
}

async function fdCount (): Promise<number> {
  return (await readdir('/proc/self/fd')).length
}

function percentile (xs: number[], p: number): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

async function echoStreams (node: TorNode, addr: Multiaddr, n: number): Promise<void> {
  await op('50 echo streams', 120_000, async (signal) => {
    const conn = await node.dial(addr, { signal })
    const payload = new Uint8Array(16 * 1024).fill(7)
    await Promise.all(Array.from({ length: n }, async () => {
      const stream = await conn.newStream(ECHO, { signal })
      let got = 0
      const reading = (async () => { for await (const chunk of stream) got += chunk.byteLength })()
      stream.send(payload)
      await stream.close({ signal })
      await reading
      if (got !== payload.byteLength) throw new Error(`echoed ${got} of ${payload.byteLength} bytes`)
    }))
  })
}

async function main (): Promise<void> {
  const minutes = Number(args.minutes)
  const peers = Number(args.peers)
  const killEveryMs = Number(args['kill-every']) * 60_000
  const dir = path.resolve(args.dir as string)
  const endAt = t0 + minutes * 60_000
  log(`starting a private network in ${dir}`)
  const net = await startTestnet({ dir, basePort: Number(args['base-port']), clients: 2 })
  const [c0, c1] = net.clients as [TestnetClient, TestnetClient]
  const opts = (c: TestnetClient): { control: string, socks: string, cookieFile: string } => ({ control: `127.0.0.1:${c.controlPort}`, socks: `127.0.0.1:${c.socksPort}`, cookieFile: c.cookieFile })
  const samples: Array<{ atS: number, rssMb: number, fds: number }> = []
  const restarts: Array<{ signal: string, reachableMs: number, sinceAcceptingMs: number | null }> = []
  const nodes: TorNode[] = []
  let stopping = false
  process.once('SIGINT', () => { stopping = true })
  process.once('SIGTERM', () => { stopping = true })

  try {
    const a = await createTorNode({ ...opts(c0), key: generateOnionKey() })
    nodes.push(a)
    await a.handle(ECHO, async (stream) => {
      for await (const chunk of stream) stream.send(chunk.subarray())
      await stream.close()
    }, { maxInboundStreams: 256 })
    let reachableAt = 0
    a.addEventListener('tor:reachable' as any, () => { reachableAt = Date.now() })
    const addr = a.getMultiaddrs()[0]
    log(`listener A: ${addr.toString()}`)
    for (let i = 0; i < peers; i++) nodes.push(await createTorNode({ ...opts(c1) }))
    // the stream bursts get a peer of their own: a churning peer's hangUp would cut them
    const streamer = await createTorNode({ ...opts(c1) })
    nodes.push(streamer)

    const sample = async (): Promise<void> => { samples.push({ atS: Math.round((Date.now() - t0) / 1000), rssMb: Math.round(process.memoryUsage().rss / 1e6), fds: await fdCount() }) }
    await sample()
    const sampler = setInterval(() => { void sample() }, 30_000)

    const churn = async (peer: TorNode): Promise<void> => {
      while (Date.now() < endAt && !stopping) {
        await op('dial', 60_000, async (signal) => await peer.dial(addr, { signal }))
        await op('ping', 30_000, async (signal) => await peer.services.ping.ping(addr, { signal }))
        await op('hangUp', 30_000, async (signal) => { await peer.hangUp(addr, { signal }) })
        await sleep(Math.random() * 1000)
      }
    }

    const chaos = async (): Promise<void> => {
      let nextKill = Date.now() + killEveryMs
      let nextStreams = Date.now() + 60_000
      while (Date.now() < endAt && !stopping) {
        await sleep(1000)
        if (Date.now() >= nextStreams) {
          nextStreams = Date.now() + 60_000
          await echoStreams(streamer, addr, 50)
        }
        if (Date.now() >= nextKill && endAt - Date.now() > 30_000) {
          nextKill = Date.now() + killEveryMs
          const node = (await testnetStatus(dir)).nodes.find(n => n.name === c0.name)
          if (node?.pid == null) continue
          restarting = true
          const killedAt = Date.now()
          reachableAt = 0
          process.kill(node.pid, 'SIGKILL')
          log(`kill -9 of A's tor (pid ${node.pid})`)
          // as systemd would: start it again; note when its control port accepts connections
          const accepting = sleep(200).then(async () => await acceptsAt(c0.controlPort, killedAt + 120_000))
          await sleep(500)
          await startTestnet({ dir })
          const acceptedAt = await accepting
          while (reachableAt === 0 && Date.now() - killedAt < 120_000) await sleep(50)
          restarting = false
          const r = { signal: 'SIGKILL', reachableMs: reachableAt === 0 ? -1 : reachableAt - killedAt, sinceAcceptingMs: reachableAt === 0 ? null : Math.max(0, reachableAt - acceptedAt) }
          restarts.push(r)
          log(`A reachable again ${r.reachableMs} ms after the kill`)
        }
      }
    }

    await Promise.all([...nodes.slice(1, 1 + peers).map(churn), chaos()])
    clearInterval(sampler)
    await sample()
  } finally {
    for (const n of nodes) await Promise.resolve(n.stop()).catch(() => {})
    await stopTestnet(dir).catch(() => {})
  }

  const rows = Object.entries(tallies).map(([kind, t]) => ({
    kind,
    ok: t.ok,
    failed: Object.values(t.failures).reduce((s, n) => s + n, 0),
    failures: t.failures,
    medianMs: percentile(t.ms, 0.5),
    p95Ms: percentile(t.ms, 0.95)
  }))
  const result = { minutes, peers, stalls, rows, restarts, samples, node: process.version, tor: (await readFile(path.join(dir, 'testnet.json'), 'utf8').catch(() => '')).length > 0 ? 'private network' : '' }
  console.log(`\n## soak: ${minutes} min, ${peers} peers, kill -9 of the listener's tor every ${args['kill-every']} min\n`)
  console.log('| operation | ok | failed | median ms | p95 ms | failures by type |\n|---|---|---|---|---|---|')
  for (const r of rows) console.log(`| ${r.kind} | ${r.ok} | ${r.failed} | ${r.medianMs ?? '-'} | ${r.p95Ms ?? '-'} | ${Object.entries(r.failures).map(([k, n]) => `${k}: ${n}`).join(', ') || '-'} |`)
  console.log(`\nstalls: ${stalls}`)
  console.log(`tor restarts: ${restarts.length}; reachable again after (ms from kill -9): ${restarts.map(r => r.reachableMs).join(', ') || '-'}; from tor accepting again: ${restarts.map(r => r.sinceAcceptingMs).join(', ') || '-'}`)
  const first = samples[0]
  const mid = samples[Math.floor(samples.length / 2)]
  const last = samples[samples.length - 1]
  console.log(`RSS MB (start / middle / end): ${first?.rssMb} / ${mid?.rssMb} / ${last?.rssMb}; open fds: ${first?.fds} / ${mid?.fds} / ${last?.fds}`)
  if (args.out != null) await writeFile(args.out, JSON.stringify(result, null, 2) + '\n')
  if (stalls > 0 || restarts.some(r => r.reachableMs < 0)) process.exitCode = 1
}

main().catch(err => {
  console.error(err)
  process.exitCode = 1
})
