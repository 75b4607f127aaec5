/**
 * The messaging rows (issue 13): a hub on client tor 0 in a process of its
 * own, `members` dial-only members in another process (member 0, the
 * publisher, on client tor 1; member 1, the timed subscriber and the RPC
 * callee, on client tor 2; the rest spread over tors 1..n), and for the
 * baseline a plain listening TorNode on the subscriber's tor pinged from the
 * publisher's tor (members have no onion service, so nobody can dial them).
 *
 * - m1: publish → deliver through the hub vs the direct ping RTT;
 * - m2: an RPC call through the hub vs the same direct ping RTT;
 * - m3: messages per second to every subscriber through one hub, with the
 *   CPU of the hub's process, of the hub's tor and of the members' process;
 * - m4: the hub's RSS with every member connected and subscribed vs an idle
 *   hub's (same process kind, same realm, no member);
 * - m5 (issue 14): messages per second when each is sealed to every
 *   subscriber vs plain ones, same size, window and hub; sealed and plain
 *   floods interleaved, `sealedPairs` of each.
 *
 * The three kinds of sample (publish, call, ping) are interleaved so that
 * machine noise hits all alike. "raw" in these rows is the baseline named
 * above, not a raw Tor stream.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { cpuSeconds, type Child } from './rpc.js'
import { percentile, summarize } from './stats.js'
import { benchRealm, type Connected, type Flood, type LatencySample } from './messaging-side.js'
import { errorText, timed, type Listened, type TorEndpoints } from './sides.js'
import type { MemoryStats, Role } from './peer.js'
import type { Row, SuiteOptions } from './rows.js'

/** A client tor; `dataDir` (a testnet client has it) lets the hub's tor CPU be read from its tor.pid. */
export type MessagingTor = TorEndpoints & { dataDir?: string }

export type Spawner = (role: Role, tor: TorEndpoints | TorEndpoints[]) => Promise<Child>

const PAYLOAD_BYTES = 32
const WARMUP = 2
const SETTLE_MS = 1000
const IDLE_SETTLE_MS = 2000
const DIAL_ATTEMPTS = 3
/** ping.ping() samples, for the detail only. */
const PING_SAMPLES = 5
const MB = 1e6

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits

/** CPU seconds of the tor whose data directory is `dataDir` (its tor.pid); NaN when unknown. */
async function torCpu (dataDir: string | undefined): Promise<number> {
  if (dataDir == null) return NaN
  try {
    const pid = Number.parseInt((await readFile(path.join(dataDir, 'tor.pid'), 'utf8')).trim(), 10)
    return await cpuSeconds(pid)
  } catch {
    return NaN
  }
}

/**
 * Seconds the process's main (JavaScript) thread has waited on a run queue
 * for a CPU, from /proc/<pid>/schedstat (run time, wait time, slices, in ns):
 * how much a process was starved by the rest of the machine. NaN without
 * schedstats.
 */
async function runQueueWait (pid: number): Promise<number> {
  try {
    return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[1]) / 1e9
  } catch {
    return NaN
  }
}

function judged (id: string, name: string, unit: string, p2p: number[], base: number[], max: number, detail: Record<string, unknown>): Row {
  const p = summarize(p2p)
  const r = summarize(base)
  const ratio = r.median > 0 ? p.median / r.median : NaN
  const failed = p2p.length - p.n
  // a failed sample counts against the goal: a ratio over the survivors alone would hide it
  const met = Number.isFinite(ratio) ? ratio <= max && failed === 0 : false
  return { id, name, unit, p2p: p, raw: r, ratio, goal: { op: '<=', value: max }, met, detail: { ...detail, ...(failed > 0 ? { p2pFailed: failed } : {}) } }
}

/** The RSS goal is for all the members: with fewer connected it is not met, whatever the ratio. */
function withAllMembers (row: Row, members: number): Row {
  return { ...row, met: row.met === true && row.detail?.members === members }
}

interface CpuReading { hub: number, tor: number, members: number, hubWait: number, membersWait: number, at: number }

/**
 * Row m5: sealed floods (each message sealed by the publisher to every
 * subscriber, opened by each) against plain floods of the same size and
 * window through the same hub, interleaved sealed, plain, sealed, plain …
 * The sealed topic is warmed first (meshes, and the publisher fetching
 * every subscriber's card from the hub). The ratio is sealed msg/s over
 * plain msg/s (medians); a sealed flood that did not reach everyone
 * misses the goal whatever the ratio.
 */
async function sealedFloods (members: Child, opts: SuiteOptions, subscribers: number, cpu: () => Promise<CpuReading>, log: (l: string) => void): Promise<Row> {
  const warmMs = await members.call<number>('warmFlood', true)
  const rates = { sealed: [] as number[], plain: [] as number[] }
  const membersMs = { sealed: [] as number[], plain: [] as number[] }
  const hubMs = { sealed: [] as number[], plain: [] as number[] }
  let incomplete = 0
  let firstError: string | undefined
  const dropped: Record<string, number> = {}
  for (let k = 0; k < opts.sealedPairs; k++) {
    for (const kind of ['sealed', 'plain'] as const) {
      const before = await cpu()
      const flood = await members.call<Flood>('flood', opts.floodMessages, opts.floodBytes, opts.floodWindow, kind === 'sealed')
      const after = await cpu()
      rates[kind].push(flood.complete > 0 ? flood.complete / (flood.ms / 1000) : NaN)
      membersMs[kind].push(flood.complete > 0 ? (after.members - before.members) * 1000 / flood.complete : NaN)
      hubMs[kind].push(flood.complete > 0 ? (after.hub - before.hub) * 1000 / flood.complete : NaN)
      if (flood.complete < opts.floodMessages) incomplete++
      firstError ??= flood.firstError
      for (const [reason, n] of Object.entries(flood.dropped ?? {})) dropped[reason] = (dropped[reason] ?? 0) + n
      log(`  messaging: ${kind} flood ${k + 1}/${opts.sealedPairs}: ${flood.complete}/${flood.published} at all ${subscribers} in ${flood.ms.toFixed(0)} ms = ${rates[kind].at(-1)?.toFixed(1) ?? '?'} msg/s; members' CPU ${membersMs[kind].at(-1)?.toFixed(2) ?? '?'} ms/msg, hub's ${hubMs[kind].at(-1)?.toFixed(2) ?? '?'} ms/msg${flood.firstError != null ? `; first error: ${flood.firstError}` : ''}`)
    }
  }
  const s = summarize(rates.sealed)
  const p = summarize(rates.plain)
  const q = p.median > 0 ? s.median / p.median : NaN
  return {
    id: 'm5',
    name: `messaging: sealed vs plain publishes per second through one hub, each sealed to all ${subscribers} subscribers, ${opts.floodBytes} B, ≤ ${opts.floodWindow} in flight`,
    unit: 'msg/s',
    p2p: s,
    raw: p,
    ratio: q,
    goal: { op: '>=', value: 0.8 },
    met: Number.isFinite(q) && q >= 0.8 && incomplete === 0,
    detail: {
      recipients: subscribers,
      floods: opts.sealedPairs,
      messagesEach: opts.floodMessages,
      incompleteFloods: incomplete,
      membersCpuMsPerMsgSealed: round(summarize(membersMs.sealed).median, 2),
      membersCpuMsPerMsgPlain: round(summarize(membersMs.plain).median, 2),
      hubCpuMsPerMsgSealed: round(summarize(hubMs.sealed).median, 2),
      hubCpuMsPerMsgPlain: round(summarize(hubMs.plain).median, 2),
      sealedWarmMs: round(warmMs, 0),
      ...(Object.keys(dropped).length > 0 ? { dropped } : {}),
      ...(firstError != null ? { firstError } : {})
    }
  }
}

export async function messagingRows (clients: MessagingTor[], opts: SuiteOptions, log: (l: string) => void, start: Spawner): Promise<Row[]> {
  if (clients.length < 3) throw new Error(`the messaging rows need 3 client tors (hub, publisher, subscriber); the network has ${clients.length}`)
  const [hubTor, pubTor, subTor] = clients
  const memberTors = clients.slice(1)
  const errors: string[] = []
  const closing: Child[] = []
  const open = async (role: Role, tor: TorEndpoints | TorEndpoints[]): Promise<Child> => {
    const c = await start(role, tor)
    closing.push(c)
    return c
  }
  try {
    const members = await open('msg-members', memberTors)
    const peers = await members.call<string[]>('identities', opts.members)
    const realm = benchRealm(peers[0], peers.slice(1))

    // the idle hub first, alone: same process kind and realm, no member
    const idle = await start('msg-hub', hubTor)
    let idleMem: MemoryStats
    try {
      await idle.call('prepare')
      await idle.call('start', realm)
      await sleep(IDLE_SETTLE_MS)
      idleMem = await idle.call<MemoryStats>('memory')
    } finally {
      await idle.close()
    }

    const idleRss = idleMem.rss / MB
    const hub = await open('msg-hub', hubTor)
    const hubAddr = await hub.call<string>('prepare')
    const listenMs = await hub.call<number>('start', realm)
    await sleep(SETTLE_MS)
    const connected = await members.call<Connected>('connect', hubAddr)
    log(`  messaging: hub listening in ${listenMs.toFixed(0)} ms; ${connected.connected}/${opts.members} members connected in ${connected.ms.toFixed(0)} ms${connected.firstError != null ? ` (first error: ${connected.firstError})` : ''}`)
    await members.call('subscribe')

    // the baseline: a plain listening node on the subscriber's tor, dialed from the publisher's tor
    const server = await open('p2p-server', subTor)
    const client = await open('p2p-client', pubTor)
    const listened = await server.call<Listened>('listen')
    await sleep(SETTLE_MS)
    for (let attempt = 1; ; attempt++) {
      try {
        await client.call('connect', listened.addr)
        break
      } catch (err) {
        if (attempt >= DIAL_ATTEMPTS) throw err
        await sleep(SETTLE_MS)
      }
    }

    const lat: number[] = []
    const latencySamples: LatencySample[] = []
    const rpc: number[] = []
    const rtt: number[] = []
    for (let k = 0; k < WARMUP + opts.msgSamples; k++) {
      let sample: LatencySample | undefined
      const l = await timed(errors, 'publish', async () => { sample = await members.call<LatencySample>('latency', PAYLOAD_BYTES); return sample.ms })
      if (k >= WARMUP && sample != null && Number.isFinite(sample.ms)) latencySamples.push(sample)
      const c = await timed(errors, 'call', async () => await members.call<number>('call', PAYLOAD_BYTES))
      const r = await timed(errors, 'ping', async () => await client.call<number>('rtt'))
      if (k >= WARMUP) { lat.push(l); rpc.push(c); rtt.push(r) }
    }
    await client.call('rttClose')
    const pings: number[] = []
    const hubPings = { publisher: [] as number[], subscriber: [] as number[] }
    for (let k = 0; k < Math.min(PING_SAMPLES, opts.msgSamples); k++) {
      pings.push(await timed(errors, 'ping.ping()', async () => await client.call<number>('freshStreamRtt')))
      const h = await members.call<{ publisher: number, subscriber: number }>('hubPing').catch((err) => { errors.push(`ping.ping() to the hub: ${errorText(err)}`); return { publisher: NaN, subscriber: NaN } })
      hubPings.publisher.push(h.publisher)
      hubPings.subscriber.push(h.subscriber)
    }
    const rttMed = summarize(rtt).median
    // m1 split at the hub's acceptance (one machine, one clock)
    const arrivals = await hub.call<Record<string, number>>('arrivals')
    const split = latencySamples.filter(x => arrivals[x.seq] != null)
    const toHub = summarize(split.map(x => arrivals[x.seq] - x.sentAt)).median
    const fromHub = summarize(split.map(x => x.deliveredAt - arrivals[x.seq])).median
    log(`  messaging: publish → deliver ${summarize(lat).median.toFixed(1)} ms (p95 ${percentile(lat, 95).toFixed(1)}), call ${summarize(rpc).median.toFixed(1)} ms (p95 ${percentile(rpc, 95).toFixed(1)}), direct ping RTT ${rttMed.toFixed(1)} ms (ping.ping() ${summarize(pings).median.toFixed(1)} ms); publish split: publisher → hub accepted ${toHub.toFixed(1)} ms, hub → subscriber ${fromHub.toFixed(1)} ms`)

    await sleep(IDLE_SETTLE_MS)
    const withMembers = await hub.call<MemoryStats>('memory')
    const hubPeers = await hub.call<number>('peers')

    // the flood: meshes warmed first, then CPU read around the timed part
    const warmMs = await members.call<number>('warmFlood')
    const cpu = async (): Promise<CpuReading> => ({
      hub: await hub.cpuSeconds(),
      tor: await torCpu(hubTor.dataDir),
      members: await members.cpuSeconds(),
      hubWait: await runQueueWait(hub.pid),
      membersWait: await runQueueWait(members.pid),
      at: performance.now()
    })
    const before = await cpu()
    const flood = await members.call<Flood>('flood', opts.floodMessages, opts.floodBytes, opts.floodWindow)
    const after = await cpu()
    const afterFlood = await hub.call<MemoryStats>('memory')
    const wallS = (after.at - before.at) / 1000
    const perSecond = flood.complete / (flood.ms / 1000)
    const subscribers = connected.connected - 1
    const hubCpu = after.hub - before.hub
    const flows = {
      hubCpuMsPerMsg: round(flood.complete > 0 ? hubCpu * 1000 / flood.complete : NaN, 2),
      hubCpuPercent: round(100 * hubCpu / wallS, 0),
      hubTorCpuPercent: round(100 * (after.tor - before.tor) / wallS, 0),
      membersCpuPercent: round(100 * (after.members - before.members) / wallS, 0),
      // a process that wanted a CPU and did not get one: the machine, not the hub or Tor, set the pace
      hubRunQueuePercent: round(100 * (after.hubWait - before.hubWait) / wallS, 0),
      membersRunQueuePercent: round(100 * (after.membersWait - before.membersWait) / wallS, 0)
    }
    log(`  messaging: flood of ${flood.published} × ${opts.floodBytes} B to ${subscribers} subscribers: ${flood.complete} at all in ${flood.ms.toFixed(0)} ms = ${perSecond.toFixed(1)} msg/s ` +
      `(${(flood.deliveries / (flood.ms / 1000)).toFixed(0)} deliveries/s; publish → at all ${summarize(flood.allMs).median.toFixed(0)} ms median, p95 ${percentile(flood.allMs, 95).toFixed(0)}); hub CPU ${flows.hubCpuMsPerMsg} ms/msg, ${flows.hubCpuPercent}% of a core; hub's tor ${flows.hubTorCpuPercent}%, members ${flows.membersCpuPercent}%; waiting for a CPU: hub ${flows.hubRunQueuePercent}%, members ${flows.membersRunQueuePercent}% of the time` +
      `${flood.firstError != null ? `; first error: ${flood.firstError}` : ''}`)
    log(`  messaging: hub RSS idle ${idleRss.toFixed(1)} MB, with ${connected.connected} members ${(withMembers.rss / MB).toFixed(1)} MB, after the flood ${(afterFlood.rss / MB).toFixed(1)} MB; heap idle ${(idleMem.heapUsed / MB).toFixed(1)} MB, with members ${(withMembers.heapUsed / MB).toFixed(1)} MB`)
    const m5 = await sealedFloods(members, opts, subscribers, cpu, log)
    for (const e of [...new Set(errors)].slice(0, 3)) log(`    messaging failed: ${e}`)

    const failures = errors.length > 0 ? { errors: errors.length, firstError: errors[0] } : {}
    const m3: Row = {
      id: 'm3',
      name: `messages per second through one hub, ${opts.members} members (1 publisher, ${opts.members - 1} subscribers), ${opts.floodBytes} B each, ≤ ${opts.floodWindow} in flight`,
      unit: 'msg/s',
      p2p: summarize([perSecond]),
      goal: { op: 'report' },
      detail: {
        published: flood.published,
        complete: flood.complete,
        subscribers,
        deliveriesPerS: round(flood.deliveries / (flood.ms / 1000), 0),
        ...flows,
        toAllMedianMs: round(summarize(flood.allMs).median, 0),
        toAllP95Ms: round(percentile(flood.allMs, 95), 0),
        window: opts.floodWindow,
        warmMs: round(warmMs, 0),
        ...(flood.firstError != null ? { firstError: flood.firstError } : {})
      }
    }
    return [
      judged('m1', `messaging: publish → deliver through the hub (${PAYLOAD_BYTES} B; publisher, hub, subscriber on 3 tors) vs direct ping RTT publisher → subscriber's tor`, 'ms', lat, rtt, 1.5, {
        p95: round(percentile(lat, 95)),
        baseP95: round(percentile(rtt, 95)),
        pingPingMs: round(summarize(pings).median),
        publisherHubPingMs: round(summarize(hubPings.publisher).median),
        subscriberHubPingMs: round(summarize(hubPings.subscriber).median),
        publisherToHubMs: round(toHub),
        hubToSubscriberMs: round(fromHub),
        ...failures
      }),
      judged('m2', `messaging: RPC call round trip through the hub (${PAYLOAD_BYTES} B echoed) vs the same direct ping RTT`, 'ms', rpc, rtt, 2.5, {
        p95: round(percentile(rpc, 95)),
        baseP95: round(percentile(rtt, 95))
      }),
      m3,
      withAllMembers(judged('m4', `messaging: hub RSS with ${connected.connected} members connected and subscribed vs an idle hub (after GC)`, 'MB', [withMembers.rss / MB], [idleRss], 1.5, {
        members: connected.connected,
        memberErrors: connected.errors,
        ...(connected.firstError != null ? { firstError: connected.firstError } : {}),
        hubPeers,
        connectMs: round(connected.ms, 0),
        hubListenMs: round(listenMs, 0),
        afterFloodMB: round(afterFlood.rss / MB),
        // RSS moves by ±10 MB with what the allocator keeps; the heap says what the members themselves cost
        heapMB: round(withMembers.heapUsed / MB),
        idleHeapMB: round(idleMem.heapUsed / MB)
      }), opts.members),
      m5
    ]
  } finally {
    await Promise.allSettled(closing.map(async c => { await c.close() }))
  }
}
