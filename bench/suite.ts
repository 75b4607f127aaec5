/**
 * The seven measurements of issue #7 on one running private network, each
 * p2p-tor / raw Tor pair interleaved (A B A B …) so that machine noise hits
 * both sides alike. Servers run on client tor 0, dialers on client tor 1,
 * each side in a process of its own.
 */
import { Child } from './rpc.js'
import { ratio, summarize, type Summary } from './stats.js'
import type { MemoryStats, Role } from './peer.js'
import type { SwarmResult } from './p2p.js'
import type { FirstContact, Listened, ManyStreams, TorEndpoints } from './sides.js'

export interface SuiteOptions {
  /** Pairs for the costly measurements (listen, first ping, throughput). @default 5 */
  samples: number
  /** Pairs for the round-trip measurements. @default 40 */
  rttSamples: number
  /** Circuits the round-trip pairs are spread over. @default 10 */
  rttCircuits: number
  /** Bytes per throughput transfer. @default 50e6 */
  bytes: number
  /** Nodes dialing the hub at once. @default 20 */
  peers: number
  /** Concurrent streams on one connection. @default 200 */
  streams: number
  /** Bytes echoed per stream. @default 65536 */
  streamBytes: number
  /** Extra node flags for the children, e.g. ['--cpu-prof', '--cpu-prof-dir=prof']. */
  execArgv?: string[]
  log?: (line: string) => void
}

export const FULL: SuiteOptions = { samples: 5, rttSamples: 40, rttCircuits: 10, bytes: 50e6, peers: 20, streams: 200, streamBytes: 64 * 1024 }
export const SMOKE: SuiteOptions = { samples: 1, rttSamples: 1, rttCircuits: 1, bytes: 1e6, peers: 2, streams: 4, streamBytes: 64 * 1024 }

export type Goal = { op: '<=' | '>=', value: number } | { op: 'zero-errors' } | { op: 'report' }

export interface Row {
  id: string
  name: string
  unit: string
  p2p: Summary
  raw?: Summary
  /** p2p median / raw median. */
  ratio?: number
  goal: Goal
  met?: boolean
  /** Breakdowns and counts that explain the row. */
  detail?: Record<string, unknown>
}

const RTT_WARMUP = 1
/** After the first UPLOADED, before dialing: the other HSDirs get the descriptor ~0.2 s later (TORNET.md). */
const SETTLE_MS = 1000
const DIAL_ATTEMPTS = 3
const IDLE_SETTLE_MS = 2000
const MB = 1e6

function judge (goal: Goal, r: number): boolean | undefined {
  if (goal.op === '<=') return r <= goal.value
  if (goal.op === '>=') return r >= goal.value
  return undefined
}

function pair (id: string, name: string, unit: string, p2p: number[], raw: number[], goal: Goal, detail?: Record<string, unknown>): Row {
  const p = summarize(p2p)
  const r = summarize(raw)
  const q = ratio(p, r)
  return { id, name, unit, p2p: p, raw: r, ratio: q, goal, met: judge(goal, q), ...(detail != null ? { detail } : {}) }
}

const med = (xs: number[]): number => summarize(xs).median
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits

/** The four long-lived children of one run. */
interface Sides {
  p2pServer: Child
  rawServer: Child
  p2pClient: Child
  rawClient: Child
  /** The p2p-tor node the dialer is connected to: the hub of row 5. */
  hubAddr?: string
}

async function spawn (role: Role, tor: TorEndpoints, opts: SuiteOptions): Promise<Child> {
  return await Child.spawn(role, new URL('./peer.js', import.meta.url), [role, JSON.stringify(tor)], opts.execArgv)
}

export async function runSuite (server: TorEndpoints, client: TorEndpoints, opts: SuiteOptions): Promise<Row[]> {
  const log = opts.log ?? (() => {})
  const children: Child[] = []
  const start = async (role: Role, tor: TorEndpoints): Promise<Child> => {
    const c = await spawn(role, tor, opts)
    children.push(c)
    return c
  }
  try {
    const sides: Sides = {
      p2pServer: await start('p2p-server', server),
      rawServer: await start('raw-server', server),
      p2pClient: await start('p2p-client', client),
      rawClient: await start('raw-client', client)
    }
    const rows: Row[] = []
    rows.push(...await listenAndFirstPing(sides, opts, log))
    rows.push(...await roundTrips(sides, opts, log))
    const { rows: tput, cpuPerMb } = await throughput(sides, opts, log)
    rows.push(...tput)
    rows.push(await manyPeers(sides, client, opts, log, start))
    rows.push(await manyStreams(sides, opts, log))
    rows.push(await idleMemory(server, opts, log, start))
    rows.push(cpuPerMb)
    return rows
  } finally {
    await Promise.allSettled(children.map(async c => { await c.close() }))
  }
}

/**
 * Publish a fresh address on `server`, let the other HS directories get the
 * descriptor too, then dial it from `client`. The first UPLOADED means one
 * HSDir has it; a dialer asking another one that early gets F0, so an F0 is
 * retried (and counted) rather than failing the sample.
 */
async function publishAndDial (server: Child, client: Child, retries: { n: number }): Promise<{ listened: Listened, first: FirstContact }> {
  const listened = await server.call<Listened>('listen')
  await sleep(SETTLE_MS)
  for (let attempt = 1; ; attempt++) {
    try {
      return { listened, first: await client.call<FirstContact>('firstContact', listened.addr) }
    } catch (err: any) {
      if (attempt >= DIAL_ATTEMPTS) throw err
      retries.n++
      await sleep(SETTLE_MS)
    }
  }
}

/** Rows 1 and 2: each sample publishes a fresh address, then dials it from the other tor. */
async function listenAndFirstPing (s: Sides, opts: SuiteOptions, log: (l: string) => void): Promise<Row[]> {
  const listen = { p2p: [] as number[], raw: [] as number[] }
  const first = { p2p: [] as FirstContact[], raw: [] as FirstContact[] }
  const retries = { p2p: { n: 0 }, raw: { n: 0 } }
  for (let i = 0; i < opts.samples; i++) {
    const { listened: pl, first: pf } = await publishAndDial(s.p2pServer, s.p2pClient, retries.p2p)
    const { listened: rl, first: rf } = await publishAndDial(s.rawServer, s.rawClient, retries.raw)
    s.hubAddr = pl.addr
    listen.p2p.push(pl.ms); listen.raw.push(rl.ms)
    first.p2p.push(pf); first.raw.push(rf)
    log(`  ${i + 1}/${opts.samples} listen p2p ${pl.ms.toFixed(0)} raw ${rl.ms.toFixed(0)} ms; first ping p2p ${pf.ms.toFixed(0)} (socks ${pf.socksMs.toFixed(0)}) raw ${rf.ms.toFixed(0)} (socks ${rf.socksMs.toFixed(0)}) ms`)
  }
  const p2pSocks = med(first.p2p.map(f => f.socksMs))
  const p2pConnected = med(first.p2p.map(f => f.connectedMs ?? NaN))
  const rawSocks = med(first.raw.map(f => f.socksMs))
  return [
    pair('1', 'time to listen (start → first descriptor UPLOADED)', 'ms', listen.p2p, listen.raw, { op: '<=', value: 1.2 }),
    pair('2', 'first ping on a fresh address (dial + noise + yamux + ping)', 'ms', first.p2p.map(f => f.ms), first.raw.map(f => f.ms), { op: '<=', value: 1.5 }, {
      p2pSocksMs: round(p2pSocks),
      p2pUpgradeMs: round(p2pConnected - p2pSocks),
      p2pPingMs: round(med(first.p2p.map(f => f.ms)) - p2pConnected),
      rawSocksMs: round(rawSocks),
      rawEchoMs: round(med(first.raw.map(f => f.ms)) - rawSocks),
      p2pRetries: retries.p2p.n,
      rawRetries: retries.raw.n
    })
  ]
}

/** Both dialers move to a new circuit (untimed). */
async function newCircuits (s: Sides): Promise<void> {
  await s.p2pClient.call('newCircuit')
  await s.rawClient.call('newCircuit')
}

/**
 * Rows 3 and 3b: 32-byte round trips on an established connection, spread
 * over `rttCircuits` circuits per side: one circuit's RTT depends on its path
 * (TORNET.md: 16 ms, or 96 ms when both halves of the rendezvous circuit
 * cross the same relay-to-relay connection).
 */
async function roundTrips (s: Sides, opts: SuiteOptions, log: (l: string) => void): Promise<Row[]> {
  const open = { p2p: [] as number[], raw: [] as number[] }
  const fresh = { p2p: [] as number[], raw: [] as number[] }
  const perCircuit = Math.max(1, Math.round(opts.rttSamples / opts.rttCircuits))
  for (let c = 0; c < opts.rttCircuits; c++) {
    await newCircuits(s)
    await s.p2pClient.call('rttOpen')
    await s.rawClient.call('rttOpen')
    for (let i = 0; i < RTT_WARMUP + perCircuit; i++) {
      const p = await s.p2pClient.call<number>('rtt')
      const r = await s.rawClient.call<number>('rtt')
      if (i >= RTT_WARMUP) { open.p2p.push(p); open.raw.push(r) }
    }
    await s.p2pClient.call('rttClose')
    await s.rawClient.call('rttClose')
    for (let i = 0; i < perCircuit; i++) {
      fresh.p2p.push(await s.p2pClient.call<number>('freshStreamRtt'))
      fresh.raw.push(await s.rawClient.call<number>('freshStreamRtt'))
    }
  }
  const failures = await s.p2pClient.call<Record<string, number>>('failures')
  log(`  rtt p2p ${med(open.p2p).toFixed(2)} raw ${med(open.raw).toFixed(2)} ms; ping() with a new stream p2p ${med(fresh.p2p).toFixed(2)} raw ${med(fresh.raw).toFixed(2)} ms (ping() failures retried: ${JSON.stringify(failures)})`)
  return [
    pair('3', 'ping RTT on an established connection (32 B echoed on an open stream)', 'ms', open.p2p, open.raw, { op: '<=', value: 1.10 }),
    pair('3b', 'ping.ping() as called (new stream + multistream-select + 32 B) vs new SOCKS stream + 32 B', 'ms', fresh.p2p, fresh.raw, { op: 'report' }, { pingFailuresRetried: failures })
  ]
}

interface Transfer { mbps: number, cpu: number }

/** One transfer on `client`, with the CPU seconds both processes of that side spent on it. */
async function transfer (client: Child, server: Child, method: 'download' | 'upload', bytes: number): Promise<Transfer> {
  const before = await Promise.all([client.cpuSeconds(), server.cpuSeconds()])
  const ms = await client.call<number>(method, bytes)
  const after = await Promise.all([client.cpuSeconds(), server.cpuSeconds()])
  return { mbps: (bytes / MB) / (ms / 1000), cpu: after[0] - before[0] + after[1] - before[1] }
}

/** Rows 4↓ and 4↑, and the CPU seconds per MB of row 7b. */
async function throughput (s: Sides, opts: SuiteOptions, log: (l: string) => void): Promise<{ rows: Row[], cpuPerMb: Row }> {
  const t = { p2pDown: [] as Transfer[], rawDown: [] as Transfer[], p2pUp: [] as Transfer[], rawUp: [] as Transfer[] }
  for (let i = 0; i < opts.samples; i++) {
    await newCircuits(s)
    t.p2pDown.push(await transfer(s.p2pClient, s.p2pServer, 'download', opts.bytes))
    t.rawDown.push(await transfer(s.rawClient, s.rawServer, 'download', opts.bytes))
    t.p2pUp.push(await transfer(s.p2pClient, s.p2pServer, 'upload', opts.bytes))
    t.rawUp.push(await transfer(s.rawClient, s.rawServer, 'upload', opts.bytes))
    log(`  ${i + 1}/${opts.samples} ${opts.bytes / MB} MB down p2p ${t.p2pDown[i].mbps.toFixed(2)} raw ${t.rawDown[i].mbps.toFixed(2)} MB/s; up p2p ${t.p2pUp[i].mbps.toFixed(2)} raw ${t.rawUp[i].mbps.toFixed(2)} MB/s`)
  }
  const mbps = (xs: Transfer[]): number[] => xs.map(x => x.mbps)
  const perMb = (xs: Transfer[]): number[] => xs.map(x => x.cpu / (opts.bytes / MB))
  const mb = opts.bytes / MB
  return {
    rows: [
      pair('4↓', `throughput, ${mb} MB on one stream, service → dialer`, 'MB/s', mbps(t.p2pDown), mbps(t.rawDown), { op: '>=', value: 0.90 }),
      pair('4↑', `throughput, ${mb} MB on one stream, dialer → service`, 'MB/s', mbps(t.p2pUp), mbps(t.rawUp), { op: '>=', value: 0.90 })
    ],
    cpuPerMb: pair('7b', 'CPU seconds per MB transferred (dialer + service processes, both directions)', 'CPU s/MB',
      [...perMb(t.p2pDown), ...perMb(t.p2pUp)], [...perMb(t.rawDown), ...perMb(t.rawUp)], { op: 'report' }, {
        p2pDown: round(med(perMb(t.p2pDown)), 4),
        p2pUp: round(med(perMb(t.p2pUp)), 4),
        rawDown: round(med(perMb(t.rawDown)), 4),
        rawUp: round(med(perMb(t.rawUp)), 4)
      })
  }
}

/** Row 5: `peers` nodes, each publishing its own onion service, all dial the hub at once. */
async function manyPeers (s: Sides, client: TorEndpoints, opts: SuiteOptions, log: (l: string) => void, start: (role: Role, tor: TorEndpoints) => Promise<Child>): Promise<Row> {
  const hub = s.hubAddr
  if (hub == null) throw new Error('no p2p-tor node is listening')
  const before = await s.p2pServer.call<MemoryStats>('memory')
  const swarm = await start('p2p-swarm', client)
  let result: SwarmResult
  try {
    result = await swarm.call<SwarmResult>('swarm', opts.peers, hub)
  } finally {
    await swarm.close()
  }
  const after = await s.p2pServer.call<MemoryStats>('memory')
  log(`  ${opts.peers} peers: published in ${result.publishMs.toFixed(0)} ms, ${result.connected} connected in ${result.connectMs.toFixed(0)} ms, ${result.errors} errors; hub RSS ${(before.rss / MB).toFixed(0)} → ${(after.rss / MB).toFixed(0)} MB`)
  return {
    id: '5',
    name: `many peers: ${opts.peers} nodes, each with its own onion service, dial one hub at once`,
    unit: 'ms',
    p2p: summarize([result.connectMs]),
    goal: { op: 'report' },
    detail: {
      connected: result.connected,
      errors: result.errors,
      ...(result.firstError != null ? { firstError: result.firstError } : {}),
      publishMs: round(result.publishMs, 0),
      publishErrors: result.publishErrors,
      hubRssBeforeMB: round(before.rss / MB),
      hubRssAfterMB: round(after.rss / MB)
    }
  }
}

/** Row 6: concurrent streams on the one established connection (raw: streams on one circuit). */
async function manyStreams (s: Sides, opts: SuiteOptions, log: (l: string) => void): Promise<Row> {
  const p = await s.p2pClient.call<ManyStreams>('manyStreams', opts.streams, opts.streamBytes)
  const r = await s.rawClient.call<ManyStreams>('manyStreams', opts.streams, opts.streamBytes)
  log(`  ${opts.streams} streams × ${opts.streamBytes / 1024} KiB: p2p ${p.ms.toFixed(0)} ms ${p.errors} errors; raw ${r.ms.toFixed(0)} ms ${r.errors} errors`)
  const row = pair('6', `many streams: ${opts.streams} concurrent streams × ${opts.streamBytes / 1024} KiB echoed on one connection`, 'ms', [p.ms], [r.ms], { op: 'zero-errors' }, {
    p2pErrors: p.errors,
    rawErrors: r.errors,
    ...(p.firstError != null ? { p2pFirstError: p.firstError } : {}),
    ...(r.firstError != null ? { rawFirstError: r.firstError } : {})
  })
  return { ...row, met: p.errors === 0 }
}

/** Row 7a: RSS of a fresh process holding one idle listening node vs one raw echo service. */
async function idleMemory (server: TorEndpoints, opts: SuiteOptions, log: (l: string) => void, start: (role: Role, tor: TorEndpoints) => Promise<Child>): Promise<Row> {
  const rss: Record<'p2p' | 'raw', number> = { p2p: NaN, raw: NaN }
  await Promise.all((['p2p', 'raw'] as const).map(async kind => {
    const child = await start(`${kind}-server`, server)
    try {
      await child.call('listen')
      await sleep(IDLE_SETTLE_MS)
      rss[kind] = (await child.call<MemoryStats>('memory')).rss / MB
    } finally {
      await child.close()
    }
  }))
  log(`  idle listening RSS p2p ${rss.p2p.toFixed(1)} MB, raw echo ${rss.raw.toFixed(1)} MB`)
  return pair('7a', 'memory: RSS of an idle listening process (after GC)', 'MB', [rss.p2p], [rss.raw], { op: 'report' })
}
