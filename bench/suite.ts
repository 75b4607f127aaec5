/**
 * The seven measurements of issue #7 on one running private network, each
 * p2p-tor / raw Tor pair interleaved (A B A B …) so that machine noise hits
 * both sides alike. Servers run on client tor 0, dialers on client tor 1,
 * each side in a process of its own. Then, given the network's client tors,
 * the messaging (messaging.ts), sealing (sealed.ts) and chat (chat.ts) rows.
 * `opts.rows` picks groups of rows (rows.ts: ROW_GROUPS); all by default.
 */
import { Child } from './rpc.js'
import { messagingRows, type MessagingTor } from './messaging.js'
import { sealRows } from './sealed.js'
import { chatRows } from './chat.js'
import { ratio, summarize } from './stats.js'
import { wants, type Goal, type Row, type SuiteOptions } from './rows.js'
import type { MemoryStats, Role } from './peer.js'
import type { SwarmResult } from './p2p.js'
import { SHARED_PORT, errorText, type FirstContact, type Listened, type ManyStreams, type TorEndpoints } from './sides.js'

export { FULL, SMOKE, ROW_GROUPS, type Goal, type Row, type RowGroup, type SuiteOptions } from './rows.js'

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
  /** Both dialers on the last sample's shared circuit: row 6. */
  shared?: { p2p: Side, raw: Side }
}

async function spawn (role: Role, tor: TorEndpoints | TorEndpoints[], opts: SuiteOptions): Promise<Child> {
  return await Child.spawn(role, new URL('./peer.js', import.meta.url), [role, JSON.stringify(tor)], opts.execArgv)
}

export interface SuiteResult {
  rows: Row[]
  /** Calls that failed on the shared circuit, as 'method: error', per side. */
  errors: { p2p: string[], raw: string[] }
}

/**
 * `messaging`: the network's client tors for the messaging, sealing and chat
 * rows (at least 3: messaging.ts puts the hub on the first, chat.ts alice,
 * bob and the mailbox on the first three). Without it those rows are left out.
 */
export async function runSuite (server: TorEndpoints, client: TorEndpoints, opts: SuiteOptions, messaging?: MessagingTor[]): Promise<SuiteResult> {
  const log = opts.log ?? (() => {})
  const children: Child[] = []
  const start = async (role: Role, tor: TorEndpoints | TorEndpoints[]): Promise<Child> => {
    const c = await spawn(role, tor, opts)
    children.push(c)
    return c
  }
  try {
    const rows: Row[] = []
    let errors: SuiteResult['errors'] = { p2p: [], raw: [] }
    if (wants(opts, 'tor')) {
      const sides: Sides = {
        p2pServer: await start('p2p-server', server),
        rawServer: await start('raw-server', server),
        p2pClient: await start('p2p-client', client),
        rawClient: await start('raw-client', client)
      }
      const acc = new Samples()
      for (let i = 0; i < opts.samples; i++) await sample(i, sides, opts, acc, log)
      const sampled = await sampleRows(acc, sides, opts)
      errors = sampled.errors
      rows.push(...sampled.rows)
      rows.push(await manyPeers(sides, client, opts, log, start))
      rows.push(await manyStreams(sides, opts, log))
      rows.push(await idleMemory(server, opts, log, start))
      rows.push(sampled.cpuPerMb)
    }
    if (messaging != null) {
      if (wants(opts, 'messaging')) rows.push(...await messagingRows(messaging, opts, log, start))
      if (wants(opts, 'sealing')) rows.push(...await sealRows(opts, log))
      if (wants(opts, 'chat')) rows.push(...await chatRows(messaging, opts, log, start))
    }
    return { rows, errors }
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
async function publishAndDial (server: Child, client: Child, retries: { n: number }, sharedTarget?: number): Promise<{ listened: Listened, first: FirstContact }> {
  const listened = await server.call<Listened>('listen', sharedTarget)
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

/** The p2p-tor node's /onion3/…/p2p/… address with the raw service's id and SHARED_PORT instead. */
function sharedAddr (p2pAddr: string, rawServiceId: string): string {
  return p2pAddr.replace(/^\/onion3\/[a-z2-7]{56}:\d+/, `/onion3/${rawServiceId}:${SHARED_PORT}`)
}

interface Transfer { mbps: number, cpu: number }

/** Every per-sample figure, p2p-tor and raw side by side. */
class Samples {
  listen = { p2p: [] as number[], raw: [] as number[] }
  first = { p2p: [] as FirstContact[], raw: [] as FirstContact[] }
  retries = { p2p: { n: 0 }, raw: { n: 0 } }
  rtt = { p2p: [] as number[], raw: [] as number[] }
  freshRtt = { p2p: [] as number[], raw: [] as number[] }
  down = { p2p: [] as Transfer[], raw: [] as Transfer[] }
  up = { p2p: [] as Transfer[], raw: [] as Transfer[] }
  /** Failed calls on the shared circuit, as 'method: error'. */
  errors = { p2p: [] as string[], raw: [] as string[] }
}

/**
 * One side (p2p-tor or raw) on the shared circuit. A failed call is recorded
 * in `errors` and gives NaN, so the run goes on and the table says what
 * failed; the side reconnects (same circuit) before its next call.
 */
class Side {
  private broken = false

  constructor (private readonly client: Child, private readonly server: Child, private readonly errors: string[], private readonly rejoin: () => Promise<void>) {}

  async call (method: string, ...args: unknown[]): Promise<unknown> {
    try {
      if (this.broken) {
        await this.rejoin()
        this.broken = false
      }
      return await this.client.call(method, ...args)
    } catch (err) {
      this.errors.push(`${method}: ${errorText(err)}`)
      this.broken = true
      return undefined
    }
  }

  /** Reconnect on the same circuit now (untimed); a failure is recorded and retried at the next call. */
  async reconnect (): Promise<void> {
    this.broken = true
    await this.call('ready')
  }

  async measure (method: string, ...args: unknown[]): Promise<number> {
    const ms = await this.call(method, ...args)
    return typeof ms === 'number' ? ms : NaN
  }

  /** One transfer, with the CPU seconds both processes of this side spent on it. */
  async transfer (method: 'download' | 'upload', bytes: number): Promise<Transfer> {
    const cpu = async (): Promise<number> => (await Promise.all([this.client.cpuSeconds(), this.server.cpuSeconds()])).reduce((a, b) => a + b)
    const before = await cpu()
    const ms = await this.measure(method, bytes)
    const after = await cpu()
    return Number.isFinite(ms) ? { mbps: (bytes / MB) / (ms / 1000), cpu: after - before } : { mbps: NaN, cpu: NaN }
  }
}

/**
 * One sample of rows 1–4: fresh addresses for rows 1 and 2, round trips on
 * those first-contact circuits (row 3), then one shared circuit (sides.ts)
 * for the transfers (row 4); every pair p2p-tor first, raw second.
 */
async function sample (i: number, s: Sides, opts: SuiteOptions, acc: Samples, log: (l: string) => void): Promise<void> {
  const p = await publishAndDial(s.p2pServer, s.p2pClient, acc.retries.p2p)
  const r = await publishAndDial(s.rawServer, s.rawClient, acc.retries.raw, p.listened.localPort)
  acc.listen.p2p.push(p.listened.ms); acc.listen.raw.push(r.listened.ms)
  acc.first.p2p.push(p.first); acc.first.raw.push(r.first)
  s.hubAddr = p.listened.addr

  const errorsBefore = { p2p: acc.errors.p2p.length, raw: acc.errors.raw.length }

  // Round trips on the first-contact circuits: each side's stream is the
  // first and only one on its circuit, as p2p-tor's per-peer connection is.
  // (A second stream on a circuit can pay ~40 ms per round trip: sides.ts.)
  const first = {
    p2p: new Side(s.p2pClient, s.p2pServer, acc.errors.p2p, async () => { await s.p2pClient.call('connect', p.listened.addr) }),
    raw: new Side(s.rawClient, s.rawServer, acc.errors.raw, async () => { await s.rawClient.call('connect', r.listened.addr) })
  }
  const perCircuit = Math.max(1, Math.round(opts.rttSamples / opts.samples))
  const rtt = { p2p: [] as number[], raw: [] as number[] }
  for (let k = 0; k < RTT_WARMUP + perCircuit; k++) {
    const pr = await first.p2p.measure('rtt')
    const rr = await first.raw.measure('rtt')
    if (k >= RTT_WARMUP) { rtt.p2p.push(pr); rtt.raw.push(rr) }
  }
  await first.p2p.call('rttClose')
  await first.raw.call('rttClose')
  acc.rtt.p2p.push(...rtt.p2p); acc.rtt.raw.push(...rtt.raw)
  for (let k = 0; k < Math.ceil(perCircuit / 2); k++) {
    acc.freshRtt.p2p.push(await first.p2p.measure('freshStreamRtt'))
    acc.freshRtt.raw.push(await first.raw.measure('freshStreamRtt'))
  }

  // Bulk transfers on one shared circuit: the p2p-tor dial builds it, the raw stream joins it.
  const shared = sharedAddr(p.listened.addr, r.listened.addr)
  const join = { p2p: async () => { await s.p2pClient.call('connect', shared) }, raw: async () => { await s.rawClient.call('connect', r.listened.addr) } }
  await join.p2p()
  await join.raw()
  const p2p = new Side(s.p2pClient, s.p2pServer, acc.errors.p2p, join.p2p)
  const raw = new Side(s.rawClient, s.rawServer, acc.errors.raw, join.raw)
  s.shared = { p2p, raw }

  const down = { p2p: await p2p.transfer('download', opts.bytes), raw: await raw.transfer('download', opts.bytes) }
  const up = { p2p: await p2p.transfer('upload', opts.bytes), raw: await raw.transfer('upload', opts.bytes) }
  acc.down.p2p.push(down.p2p); acc.down.raw.push(down.raw)
  acc.up.p2p.push(up.p2p); acc.up.raw.push(up.raw)

  log(`  ${i + 1}/${opts.samples} listen p2p ${p.listened.ms.toFixed(0)} raw ${r.listened.ms.toFixed(0)} ms; ` +
    `first ping p2p ${p.first.ms.toFixed(0)} (socks ${p.first.socksMs.toFixed(0)}) raw ${r.first.ms.toFixed(0)} (socks ${r.first.socksMs.toFixed(0)}) ms; ` +
    `rtt p2p ${med(rtt.p2p).toFixed(1)} raw ${med(rtt.raw).toFixed(1)} ms; ` +
    `${opts.bytes / MB} MB down p2p ${down.p2p.mbps.toFixed(2)} raw ${down.raw.mbps.toFixed(2)}, up p2p ${up.p2p.mbps.toFixed(2)} raw ${up.raw.mbps.toFixed(2)} MB/s`)
  for (const kind of ['p2p', 'raw'] as const) {
    for (const e of acc.errors[kind].slice(errorsBefore[kind])) log(`    ${kind} failed: ${e}`)
  }
}

/**
 * Failed samples (NaN) count against the goal: a ratio over the survivors
 * alone would hide them.
 */
function withFailures (row: Row, p2p: number[], raw: number[]): Row {
  const p2pFailed = p2p.filter(x => !Number.isFinite(x)).length
  const rawFailed = raw.filter(x => !Number.isFinite(x)).length
  if (p2pFailed + rawFailed === 0) return row
  return { ...row, met: row.met === undefined ? undefined : row.met && p2pFailed === 0, detail: { ...row.detail, p2pFailed, rawFailed } }
}

/** Rows 1–4 and 7b from the samples. */
async function sampleRows (acc: Samples, s: Sides, opts: SuiteOptions): Promise<{ rows: Row[], cpuPerMb: Row, errors: Samples['errors'] }> {
  const { first } = acc
  const p2pSocks = med(first.p2p.map(f => f.socksMs))
  const p2pConnected = med(first.p2p.map(f => f.connectedMs ?? NaN))
  const rawSocks = med(first.raw.map(f => f.socksMs))
  const failures = await s.p2pClient.call<Record<string, number>>('failures')
  const mbps = (xs: Transfer[]): number[] => xs.map(x => x.mbps)
  const perMb = (xs: Transfer[]): number[] => xs.map(x => x.cpu / (opts.bytes / MB))
  const mb = opts.bytes / MB
  return {
    rows: [
      pair('1', 'time to listen (start → first descriptor UPLOADED)', 'ms', acc.listen.p2p, acc.listen.raw, { op: '<=', value: 1.2 }),
      pair('2', 'first ping on a fresh address (dial + noise + yamux + ping)', 'ms', first.p2p.map(f => f.ms), first.raw.map(f => f.ms), { op: '<=', value: 1.5 }, {
        p2pSocksMs: round(p2pSocks),
        p2pUpgradeMs: round(p2pConnected - p2pSocks),
        p2pPingMs: round(med(first.p2p.map(f => f.ms)) - p2pConnected),
        rawSocksMs: round(rawSocks),
        rawEchoMs: round(med(first.raw.map(f => f.ms)) - rawSocks),
        p2pF0Retries: acc.retries.p2p.n,
        rawF0Retries: acc.retries.raw.n
      }),
      withFailures(pair('3', 'ping RTT on an established connection (32 B echoed on an open stream)', 'ms', acc.rtt.p2p, acc.rtt.raw, { op: '<=', value: 1.10 }), acc.rtt.p2p, acc.rtt.raw),
      withFailures(pair('3b', 'ping.ping() as called (new stream + multistream-select + 32 B) vs new SOCKS stream + 32 B', 'ms', acc.freshRtt.p2p, acc.freshRtt.raw, { op: 'report' }, { pingFailuresRetried: failures }), acc.freshRtt.p2p, acc.freshRtt.raw),
      withFailures(pair('4↓', `throughput, ${mb} MB on one stream, service → dialer`, 'MB/s', mbps(acc.down.p2p), mbps(acc.down.raw), { op: '>=', value: 0.90 }), mbps(acc.down.p2p), mbps(acc.down.raw)),
      withFailures(pair('4↑', `throughput, ${mb} MB on one stream, dialer → service`, 'MB/s', mbps(acc.up.p2p), mbps(acc.up.raw), { op: '>=', value: 0.90 }), mbps(acc.up.p2p), mbps(acc.up.raw))
    ],
    errors: acc.errors,
    cpuPerMb: pair('7b', 'CPU seconds per MB transferred (dialer + service processes, both directions)', 'CPU s/MB',
      [...perMb(acc.down.p2p), ...perMb(acc.up.p2p)], [...perMb(acc.down.raw), ...perMb(acc.up.raw)], { op: 'report' }, {
        p2pDown: round(med(perMb(acc.down.p2p)), 4),
        p2pUp: round(med(perMb(acc.up.p2p)), 4),
        rawDown: round(med(perMb(acc.down.raw)), 4),
        rawUp: round(med(perMb(acc.up.raw)), 4)
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

/**
 * Row 6: concurrent streams on the last sample's shared circuit: p2p-tor on
 * one fresh connection, raw as Tor streams. Both reconnect first (untimed):
 * row 5 may have cost the p2p-tor dialer its connection.
 */
async function manyStreams (s: Sides, opts: SuiteOptions, log: (l: string) => void): Promise<Row> {
  const shared = s.shared
  if (shared == null) throw new Error('no shared circuit: run a sample first')
  const run = async (side: Side): Promise<ManyStreams> => {
    await side.reconnect()
    const result = await side.call('manyStreams', opts.streams, opts.streamBytes) as ManyStreams | undefined
    return result ?? { ms: NaN, errors: opts.streams, firstError: 'the call failed: see the failed calls' }
  }
  const p = await run(shared.p2p)
  const r = await run(shared.raw)
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
