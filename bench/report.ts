/**
 * Turns benchmark rows into the printed table, the markdown for the README
 * and the results JSON. Pure: no I/O.
 */
import type { Goal, Row } from './rows.js'
import type { Summary } from './stats.js'

export interface Machine {
  cores: number
  cpu: string
  memGB: number
  os: string
  node: string
  tor: string
  /** 1-minute load average when the run began: other work on the machine makes numbers noisy. */
  loadAtStart: number
}

export interface SchedulerRun {
  scheduler: 'KIST' | 'Vanilla'
  network: { basePort: number, relays: number, clients: number, startMs: number, alreadyRunning: boolean }
  wallMs: number
  rows: Row[]
  /** Calls that failed on the shared circuit, per side. */
  errors: { p2p: string[], raw: string[] }
}

export interface Results {
  date: string
  startedAt: string
  wallMs: number
  machine: Machine
  options: Record<string, unknown>
  runs: SchedulerRun[]
}

const HEAD = ['#', 'measurement', 'p2p-tor', 'raw Tor', 'ratio', 'goal', 'met?']

function num (x: number, unit: string): string {
  if (!Number.isFinite(x)) return '—'
  if (unit === 'CPU s/MB') return x.toFixed(4)
  if (unit === 'MB/s') return x.toFixed(2)
  if (unit === 'MB' || unit === 'msg/s') return x.toFixed(1)
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)
}

function cell (s: Summary | undefined, unit: string): string {
  if (s == null || s.n === 0) return '—'
  const u = unit === 'CPU s/MB' ? '' : ` ${unit}`
  if (s.n === 1) return `${num(s.median, unit)}${u}`
  return `${num(s.median, unit)}${u} (${num(s.min, unit)}–${num(s.max, unit)})`
}

function goalText (g: Goal, unit: string): string {
  // an absolute goal is on the median itself, in the row's unit; the others on the ratio
  const u = g.op !== 'zero-errors' && g.op !== 'report' && g.absolute === true ? ` ${unit}` : ''
  if (g.op === '<=') return `≤ ${g.value.toFixed(2)}${u}`
  if (g.op === '>=') return `≥ ${g.value.toFixed(2)}${u}`
  return g.op === 'zero-errors' ? '0 errors' : 'report'
}

function cells (row: Row): string[] {
  const d = row.detail ?? {}
  let p2p = cell(row.p2p, row.unit)
  let raw = cell(row.raw, row.unit)
  if (row.id === '5') {
    p2p += `, ${String(d.connected)}/${String(Number(d.connected) + Number(d.errors))} connected; hub RSS ${String(d.hubRssBeforeMB)} → ${String(d.hubRssAfterMB)} MB`
  } else if (row.id.startsWith('4') && (Number(d.p2pFailed) > 0 || Number(d.rawFailed) > 0)) {
    p2p += `, ${String(d.p2pFailed)} failed`
    raw += `, ${String(d.rawFailed)} failed`
  } else if ((row.id === 'm1' || row.id === 'm2') && d.p95 != null) {
    p2p += `, p95 ${num(Number(d.p95), row.unit)}`
    raw += `, p95 ${num(Number(d.baseP95), row.unit)}`
  } else if (row.id === 'm3') {
    p2p += ` (${String(d.complete)}/${String(d.published)} at all ${String(d.subscribers)}); hub CPU ${String(d.hubCpuMsPerMsg)} ms/msg, ${String(d.hubCpuPercent)}% of a core; hub's tor ${String(d.hubTorCpuPercent)}%`
  } else if (row.id === 'm4') {
    raw += ' (idle hub)'
  } else if (row.id === 'm5') {
    p2p += ` sealed; members' CPU ${String(d.membersCpuMsPerMsgSealed)} ms/msg`
    raw += ` plain; members' CPU ${String(d.membersCpuMsPerMsgPlain)} ms/msg`
    if (Number(d.incompleteFloods) > 0) p2p += `, ${String(d.incompleteFloods)} floods incomplete`
  } else if (/^s\d+$/.test(row.id) && d.p95 != null) {
    p2p += `, p95 ${num(Number(d.p95), row.unit)}; ${String(d.sealedBytes)} B sealed`
  } else if ((row.id === 'c1' || row.id === 'c2') && d.p90 != null) {
    p2p += `, p90 ${num(Number(d.p90), row.unit)}`
    if (row.id === 'c1') raw += `, p90 ${num(Number(d.floorP90), row.unit)} (ping.ping() RTT/2)`
    if (Number(d.failed) > 0) p2p += `, ${String(d.failed)} failed`
  } else if (row.id === 'c2b' && d.startMs != null) {
    p2p += ` (start ${num(Number(d.startMs), row.unit)} ms + fetch ${num(Number(d.fetchMs), row.unit)} ms; ${String(d.received)} received, ${String(d.viaMailbox)} via the mailbox)`
  } else if (row.id === '6') {
    p2p += `, ${String(d.p2pErrors)} errors`
    raw += `, ${String(d.rawErrors)} errors`
  }
  const met = row.met == null ? '—' : row.met ? 'yes' : 'NO'
  return [row.id, row.name, p2p, raw, Number.isFinite(row.ratio) ? (row.ratio as number).toFixed(2) : '—', goalText(row.goal, row.unit), met]
}

/** A fixed-width table for the terminal. */
export function textTable (run: SchedulerRun): string {
  const rows = [HEAD, ...run.rows.map(cells)]
  const widths = HEAD.map((_, i) => Math.max(...rows.map(r => [...r[i]].length)))
  const line = (r: string[]): string => r.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join(' | ')
  return [line(rows[0]), widths.map(w => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n')
}

function markdownTable (run: SchedulerRun): string {
  const line = (r: string[]): string => `| ${r.join(' | ')} |`
  return [line(HEAD), line(HEAD.map(() => '---')), ...run.rows.map(r => line(cells(r)))].join('\n')
}

function schedulerTitle (s: SchedulerRun['scheduler']): string {
  return s === 'KIST' ? 'KIST scheduler (tor\'s default: writes batched every 10 ms)' : 'Vanilla scheduler (`Schedulers Vanilla`: no batching, so our own overhead shows)'
}

function breakdown (run: SchedulerRun): string[] {
  const d = run.rows.find(r => r.id === '2')?.detail
  const out: string[] = []
  if (d != null) {
    out.push(`row 2 split (medians): p2p-tor SOCKS ${String(d.p2pSocksMs)} ms + multistream/noise/yamux ${String(d.p2pUpgradeMs)} ms + ping ${String(d.p2pPingMs)} ms; raw SOCKS ${String(d.rawSocksMs)} ms + echo ${String(d.rawEchoMs)} ms`)
  }
  const c = run.rows.find(r => r.id === '7b')?.detail
  if (c != null) {
    out.push(`row 7b by direction (CPU s/MB): p2p-tor down ${String(c.p2pDown)}, up ${String(c.p2pUp)}; raw down ${String(c.rawDown)}, up ${String(c.rawUp)}`)
  }
  const m1 = run.rows.find(r => r.id === 'm1')?.detail
  if (m1 != null) {
    out.push(`row m1 split (medians): publisher → hub accepted ${String(m1.publisherToHubMs)} ms, hub → subscriber's handler ${String(m1.hubToSubscriberMs)} ms; ping.ping() (new stream, as a path check) publisher ↔ hub ${String(m1.publisherHubPingMs)} ms, subscriber ↔ hub ${String(m1.subscriberHubPingMs)} ms, baseline publisher's tor → subscriber's tor ${String(m1.pingPingMs)} ms`)
  }
  const m3 = run.rows.find(r => r.id === 'm3')?.detail
  if (m3 != null) {
    out.push(`row m3 CPU during the flood (share of one core): hub process ${String(m3.hubCpuPercent)}%, hub's tor ${String(m3.hubTorCpuPercent)}%, members' process ${String(m3.membersCpuPercent)}%; waiting on a run queue for a CPU: hub ${String(m3.hubRunQueuePercent)}%, members ${String(m3.membersRunQueuePercent)}% of the time; ${String(m3.deliveriesPerS)} deliveries/s; publish → at every subscriber ${String(m3.toAllMedianMs)} ms median, p95 ${String(m3.toAllP95Ms)} ms, ≤ ${String(m3.window)} in flight`)
  }
  const m4 = run.rows.find(r => r.id === 'm4')?.detail
  if (m4 != null) {
    out.push(`row m4: hub heap ${String(m4.heapMB)} MB with ${String(m4.members)} members vs ${String(m4.idleHeapMB)} MB idle; RSS ${String(m4.afterFloodMB)} MB after the flood of m3`)
  }
  const m5 = run.rows.find(r => r.id === 'm5')?.detail
  if (m5 != null) {
    out.push(`row m5: ${String(m5.floods)} sealed and ${String(m5.floods)} plain floods of ${String(m5.messagesEach)} messages, interleaved; CPU per message, members' process (the publisher seals to ${String(m5.recipients)}, each subscriber opens) sealed ${String(m5.membersCpuMsPerMsgSealed)} ms vs plain ${String(m5.membersCpuMsPerMsgPlain)} ms, hub sealed ${String(m5.hubCpuMsPerMsgSealed)} ms vs plain ${String(m5.hubCpuMsPerMsgPlain)} ms${m5.dropped != null ? `; dropped ${JSON.stringify(m5.dropped)}` : ''}`)
  }
  const c1 = run.rows.find(r => r.id === 'c1')?.detail
  if (c1 != null) {
    out.push(`rows c1–c2b: set-up ${String(c1.startMs)} ms (mailbox, alice and bob listening), request at bob ${String(c1.requestMs)} ms, accept at alice ${String(c1.acceptMs)} ms; c1 ping.ping() RTT ${String(c1.pingRttMs)} ms (p90 ${String(c1.pingRttP90)}), alice.send() returns in ${String(c1.sendReturnsMs)} ms, ${String(c1.connections)} connection(s) alice → bob`)
  }
  for (const r of run.rows) {
    const first = r.detail?.firstError ?? r.detail?.p2pFirstError
    if (first != null) out.push(`row ${r.id} first error: ${String(first)}`)
  }
  for (const kind of ['p2p', 'raw'] as const) {
    const errors = run.errors[kind]
    if (errors.length > 0) out.push(`${kind === 'p2p' ? 'p2p-tor' : 'raw'} calls that failed (${errors.length}): ${[...new Set(errors)].slice(0, 3).join('; ')}`)
  }
  return out
}

/** What every table needs to be read right; the per-run figures are above them. */
const NOTES = [
  'Row 3 compares each side on its own fresh circuit, so path luck shows in min–max. Tor sets no TCP_NODELAY on relay connections: when both halves of a rendezvous circuit cross one relay-to-relay connection, a strict ping-pong waits ~40 ms per direction for a delayed ACK (raw shows it). p2p-tor\'s yamux window updates flow back right after each message and ACK those connections early, so its RTT can come out below raw\'s; the minima are the stall-free floor.',
  'Row 3b is what `node.services.ping.ping()` costs: a new stream and multistream-select (one more round trip, by design of libp2p) before the 32-byte echo; raw opens a new Tor stream on the same circuit.',
  'Row 4 uses 10 MB per transfer, not 50 MB: 20 transfers of 50 MB per scheduler do not fit the 10-minute budget on 2 cores. Throughput is per stream, in MB/s, on a circuit shared by both sides.',
  'Row 7a: both are Node processes; an idle Node 20 with one TCP server is ~45 MB of either figure.',
  'Rows m1–m4 (messaging, bench/messaging.ts): the "raw Tor" column holds their baseline. m1, m2: a hub on client tor 0 in its own process, the publisher member on tor 1, the subscriber member on tor 2 (members are dial-only); the baseline is the RTT of 32 B echoed on an open stream of a direct libp2p connection from the publisher\'s tor to a plain listening node on the subscriber\'s tor; samples interleaved. m3: the publisher keeps a window of messages in flight (64 by default); a message counts once every subscriber has it; CPU is the share of one core used during the flood. m4: the same hub process kind with the same realm and no member is the baseline. m5: the baseline is plain floods of the same messages through the same hub, interleaved with the sealed ones; ratio = sealed msg/s over plain msg/s.',
  'Rows c1–c2b (chat, bench/chat.ts): alice on client tor 0, bob on 1, bob\'s mailbox on 2, each a ChatClient on its own onion service with the client\'s default options (mailbox fetched only when timed), in one process (one clock). c1: alice.send() → bob\'s \'message\' event, one message at a time on a warmed connection; each send opens a new stream (multistream-select, hello frames, deliver, ack). Its "raw Tor" column is the floor: half the RTT of node.services.ping.ping() alice → bob on the same connection (also a new stream), interleaved; ratio = c1 median / that. c2: bob stopped; alice.send() → state \'sent\' (the mailbox accepted the blob), one at a time; each send first tries bob directly and deposits when that fails. c2b: bob starts again (same keys and store) → every c2 message at bob through checkMailbox().',
  'Rows s1–s8 (sealing, bench/sealed.ts): time to seal, and to open, one message with src/seal (HPKE Auth mode, a random content key wrapped per recipient), in the bench\'s parent process, no network; medians over the timed runs after a warm-up; each open is the first open of a distinct message, by its last recipient. Their goal (1 KiB to 1 recipient) is absolute, in ms, not a ratio.'
]

export function machineLine (m: Machine): string {
  return `${m.cores} cores (${m.cpu}), ${m.memGB} GB, ${m.os}, Node ${m.node}, tor ${m.tor}, load average ${m.loadAtStart.toFixed(2)} at start`
}

/** bench/README-TABLE.md: what the README carries. */
export function markdown (res: Results): string {
  const o = res.options
  const parts = [
    `### Benchmark: p2p-tor vs raw Tor (${res.date})`,
    '',
    `Machine: ${machineLine(res.machine)}. Total bench wall time ${(res.wallMs / 1000).toFixed(0)} s, networks included.`,
    '',
    `Each scheduler runs on its own private Tor network on 127.0.0.1 (3 authorities, ${String(res.runs[0]?.network.relays ?? '?')} relays, ${String(res.runs[0]?.network.clients ?? '?')} client tors). ` +
    'p2p-tor: a `createTorNode` node (tor() + noise + yamux) listens on client tor 0 and is dialed by a node on client tor 1. ' +
    'Raw Tor: the same tors and the same kind of onion circuit, a plain TCP server behind `ADD_ONION` and a plain SOCKS5 stream, no libp2p. ' +
    'Each side runs in its own Node process. ' +
    `Pairs are interleaved (p2p, raw, p2p, raw …): medians (min–max) of ${String(o.samples)} pairs for rows 1, 2 and 4, ${String(o.rttSamples)} for row 3. ` +
    'Rows 1–3: each side publishes its own fresh onion address, dials it, and times round trips on that circuit. ' +
    'Rows 4 and 6: both sides on the very same rendezvous circuit (the raw service also maps a port to the p2p-tor listener, and both dialers connect without isolation credentials), ' +
    `a new one for each of the ${String(o.samples)} samples, since one circuit's throughput depends on its path. ` +
    'Ratio = p2p-tor median / raw median. MB = 10^6 bytes. ' +
    'CPU counts the dialer and service Node processes, not tor.'
  ]
  for (const run of res.runs) {
    parts.push('', `#### ${schedulerTitle(run.scheduler)}`, '', markdownTable(run), '')
    for (const b of breakdown(run)) parts.push(`- ${b}`)
  }
  parts.push('', ...NOTES.map(n => `- ${n}`))
  return parts.join('\n') + '\n'
}

/** The console report: one table per scheduler and the goals summary. */
export function printable (res: Results): string {
  const parts = [`p2p-tor benchmark ${res.date} — ${machineLine(res.machine)}`]
  for (const run of res.runs) {
    parts.push('', `== ${schedulerTitle(run.scheduler)} — network started in ${(run.network.startMs / 1000).toFixed(1)} s, measured in ${(run.wallMs / 1000).toFixed(0)} s`, textTable(run))
    for (const b of breakdown(run)) parts.push(`  ${b}`)
  }
  parts.push('', `total wall time ${(res.wallMs / 1000).toFixed(0)} s`)
  return parts.join('\n')
}
