/**
 * `p2p-tor dial <multiaddr>`: validate the address before any network
 * activity, connect through tor, ping N times, print each RTT and a summary.
 *
 * The dialer uses a fresh libp2p identity on every run, so a listener cannot
 * link two dials to the same person by peer id.
 */
import { interruptedBy, sinceStart, startOutputFor, StartDeadline, stopQuietly, sleep } from '../context.js'
import { classifyError, DialTimeoutError, ExitCode, InterruptedError } from '../errors.js'
import { ms } from '../json.js'
import { resolveDataDir, resolveTorChoice } from '../options.js'
import { rttStats } from '../stats.js'
import { checkEndpoints, obtainTor } from '../tor.js'
import type { CliContext } from '../context.js'
import type { SummaryEvent } from '../json.js'
import type { TorFlags } from '../options.js'
import type { Output } from '../output.js'
import type { TorNode } from '../../node.js'
import type { Connection } from '@libp2p/interface'

export interface DialOptions extends TorFlags {
  count: number
  /** Milliseconds between pings. */
  interval: number
  /** Milliseconds allowed for reaching tor (attach, authentication, bootstrap), for connecting, and for each ping. */
  timeout: number
  dataDir?: string
  json?: boolean
}

export const DEFAULT_COUNT = 5
export const DEFAULT_INTERVAL_MS = 1000
export const DEFAULT_TIMEOUT_MS = 120_000

interface Tally {
  peerId: string | null
  rtts: number[]
  sent: number
  timeToConnectMs: number | null
  timeToFirstPongMs: number | null
  dialMs: number | null
  lastError?: unknown
}

/** The summary event for a tally. */
export function summaryEvent (t: Tally): SummaryEvent {
  const s = rttStats(t.sent, t.rtts)
  return {
    event: 'summary',
    peerId: t.peerId,
    sent: s.sent,
    received: s.received,
    lossPercent: s.lossPercent,
    minRttMs: ms(s.min),
    avgRttMs: ms(s.avg),
    maxRttMs: ms(s.max),
    medianRttMs: ms(s.median),
    timeToConnectMs: ms(t.timeToConnectMs),
    timeToFirstPongMs: ms(t.timeToFirstPongMs),
    dialMs: ms(t.dialMs)
  }
}

/** Milliseconds for humans: whole ones as `48`, others to two decimals (`17.06`); JSON keeps the number. */
export function formatMs (value: number | null): string {
  if (value == null) return '-'
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}

/** The human summary, as ping(8) prints it, plus the connect figures. */
export function summaryLines (e: SummaryEvent, target: string): string[] {
  return [
    `--- ${target} ping statistics ---`,
    `${e.sent} pings sent, ${e.received} received, ${e.lossPercent}% loss`,
    `rtt min/avg/max/median = ${formatMs(e.minRttMs)}/${formatMs(e.avgRttMs)}/${formatMs(e.maxRttMs)}/${formatMs(e.medianRttMs)} ms`,
    `time to connect ${formatMs(e.timeToConnectMs)} ms (dial ${formatMs(e.dialMs)} ms), time to first pong ${formatMs(e.timeToFirstPongMs)} ms (since start)`
  ]
}

/** A signal that aborts on Ctrl-C or after `ms`, with a DialTimeoutError naming `what`. */
function deadline (ctx: CliContext, ms: number, what: string): AbortSignal {
  const timeout = new AbortController()
  const timer = setTimeout(() => { timeout.abort(new DialTimeoutError(ms, what)) }, ms)
  timer.unref()
  return AbortSignal.any([ctx.signal, timeout.signal])
}

/** libp2p rejects with its own AbortError; report why the signal fired instead. */
function reasonOr (signal: AbortSignal, err: unknown): unknown {
  return signal.aborted ? signal.reason : err
}

async function pingLoop (node: TorNode, conn: Connection, opts: DialOptions, ctx: CliContext, output: Output, t: Tally): Promise<void> {
  for (let seq = 1; seq <= opts.count && !ctx.signal.aborted; seq++) {
    if (seq > 1) await sleep(opts.interval, ctx.signal)
    if (ctx.signal.aborted) break
    t.sent++
    const signal = deadline(ctx, opts.timeout, `waiting for pong ${seq}`)
    try {
      const rtt = await node.services.ping.ping(conn.remotePeer, { signal })
      t.timeToFirstPongMs ??= sinceStart()
      t.rtts.push(rtt)
      output.event({ event: 'ping', seq, rttMs: ms(rtt) })
      output.result(`pong from ${t.peerId}: seq=${seq} time=${formatMs(rtt)} ms`)
    } catch (err) {
      if (ctx.signal.aborted) { t.sent--; break }
      t.lastError = reasonOr(signal, err)
      const c = classifyError(t.lastError)
      output.event({ event: 'ping', seq, rttMs: null, code: c.code, message: c.message })
      output.result(`no pong: seq=${seq}: ${c.message}`)
    }
  }
}

export async function dialCommand (address: string, opts: DialOptions, ctx: CliContext): Promise<number> {
  const start = new StartDeadline(ctx.signal, opts.timeout)
  try {
    return await dial(address, opts, ctx, start)
  } finally {
    start.clear()
  }
}

async function dial (address: string, opts: DialOptions, ctx: CliContext, start: StartDeadline): Promise<number> {
  const output = startOutputFor(ctx, opts.json, start, 'connected')
  // Validation first: nothing below this block touches the network.
  const { onionAddressFromMultiaddrString } = await import('../../onion/index.js')
  const target = onionAddressFromMultiaddrString(address)
  const choice = resolveTorChoice(opts, ctx.env, 1)
  await checkEndpoints(choice)
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)

  const { createTorNode } = await import('../../node.js')
  const { multiaddr } = await import('@multiformats/multiaddr')
  const tor = await obtainTor(choice, { dataDir, command: 'dial', output, signal: start.signal, socksOnlyOk: true })
  // reaching tor is done: connecting and each ping have their own --timeout
  start.clear()
  const t: Tally = { peerId: target.peerId ?? null, rtts: [], sent: 0, timeToConnectMs: null, timeToFirstPongMs: null, dialMs: null }
  const label = target.peerId ?? `${target.serviceId}.onion`
  let node: TorNode | undefined
  try {
    output.note(tor.description)
    node = await createTorNode(tor.handle != null
      ? { tor: tor.handle, dialTimeoutMs: opts.timeout }
      : { socks: tor.socks, dialTimeoutMs: opts.timeout })

    output.progress('connect', null, `${label} through tor`)
    const signal = deadline(ctx, opts.timeout, 'connecting to the peer')
    const t0 = sinceStart()
    let conn: Connection
    try {
      conn = await node.dial(multiaddr(address), { signal })
    } catch (err) {
      throw reasonOr(signal, err)
    }
    t.dialMs = sinceStart() - t0
    t.timeToConnectMs = sinceStart()
    t.peerId = conn.remotePeer.toString()
    output.event({ event: 'connected', peerId: t.peerId, timeToConnectMs: ms(t.timeToConnectMs), dialMs: ms(t.dialMs) })
    output.note(`connected to ${t.peerId} in ${formatMs(t.dialMs)} ms`)

    await pingLoop(node, conn, opts, ctx, output, t)
    const summary = summaryEvent(t)
    output.event(summary)
    for (const line of summaryLines(summary, label)) output.result(line)

    const signal2 = interruptedBy(ctx.signal)
    if (signal2 != null) throw new InterruptedError(signal2)
    if (summary.received === 0) throw t.lastError ?? new DialTimeoutError(opts.timeout, 'waiting for a pong')
    return ExitCode.OK
  } finally {
    await stopQuietly(node)
    await tor.handle?.close()
  }
}
