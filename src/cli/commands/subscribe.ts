/**
 * `p2p-tor subscribe <topic> --hub <multiaddr>`: print each message of a
 * topic until Ctrl-C. `subscribed` comes once the hub accepted the
 * subscription (a refusal exits 5, NOT_AUTHORIZED); `--since` first replays
 * what the hub retained after a message id or a time.
 */
import { aborted, interruptedBy, StartDeadline, startOutputFor } from '../context.js'
import { ExitCode, UsageError } from '../errors.js'
import { checkUri, dataFields, openMember, type MemberFlags } from '../member.js'
import type { CliContext } from '../context.js'
import type { Delivery } from '../../messaging/member.js'

export interface SubscribeCommandOptions extends MemberFlags {
  /** A message id (32 hex digits), an ISO time, or milliseconds since the epoch. */
  since?: string
  /** Accept messages from these PeerIds only. */
  from?: string[]
  sealedFrom?: string[]
}

/**
 * ISO 8601 as `--since` takes it: a date, or a date and time with optional
 * seconds, fraction and offset. Checked before Date.parse, whose fallback
 * parser reads almost anything ("x 1", "12.5", "-5") as some day of 2001,
 * which would silently replay everything the hub kept since then.
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/

/** `--since`: a message id or a time. */
export function parseSince (since: string | undefined): { sinceId?: string, sinceTime?: number } {
  if (since == null) return {}
  if (/^[0-9a-f]{32}$/.test(since)) return { sinceId: since }
  if (/^\d{1,15}$/.test(since)) return { sinceTime: Number(since) }
  const t = ISO_TIME.test(since) ? Date.parse(since) : NaN
  if (Number.isFinite(t)) return { sinceTime: t }
  throw new UsageError(`--since ${since}: expected a message id (32 hex digits, as subscribe prints it), an ISO time (2026-12-02T10:00:00Z) or milliseconds since the epoch`)
}

export async function subscribeCommand (topic: string, opts: SubscribeCommandOptions, ctx: CliContext): Promise<number> {
  await checkUri(topic)
  const since = parseSince(opts.since)
  const start = new StartDeadline(ctx.signal, opts.timeout)
  const output = startOutputFor(ctx, opts.json, start, 'joined')
  // the deadline clears itself on 'joined'; a failure before that must clear it too (an idle timer)
  const opened = await openMember(opts, ctx, output, 'subscribe', start.signal).catch((err: unknown) => { start.clear(); throw err })
  try {
    const print = (m: Delivery): void => {
      output.event({ event: 'message', topic: m.topic, from: m.from, id: m.id, time: m.time, receivedAt: m.receivedAt, contentType: m.contentType, replayed: m.replayed, ...dataFields(m.data) })
      if (!output.json) output.result(`${new Date(m.receivedAt).toISOString()} ${m.from} ${m.id}${m.replayed ? ' (history)' : ''}: ${new TextDecoder().decode(m.data)}`)
    }
    opened.member.addEventListener('dropped', (e) => {
      output.event({ event: 'dropped', topic: e.detail.topic, from: e.detail.from, reason: e.detail.reason })
      output.note(`${output.err('yellow', 'dropped')} a message on ${e.detail.topic} from ${e.detail.from}: ${e.detail.reason}`)
    })
    opened.member.addEventListener('gap', (e) => {
      output.event({ event: 'gap', topic: e.detail.topic, from: e.detail.from, missing: e.detail.missing })
      output.note(`${output.err('yellow', 'gap')}: messages ${e.detail.missing[0]}..${e.detail.missing[1]} of ${e.detail.from} on ${e.detail.topic} never arrived; asking the hub's history for them`)
    })
    const { replayed } = await opened.member.subscribe(topic, print, { ...since, from: opts.from, sealedFrom: opts.sealedFrom, signal: ctx.signal, timeoutMs: opts.timeout })
    output.event({ event: 'subscribed', topic, replayed })
    output.note(`subscribed to ${topic}${since.sinceId != null || since.sinceTime != null ? ` (${replayed} retained message(s) replayed)` : ''}; press Ctrl-C to stop`)
    await aborted(ctx.signal)
    output.event({ event: 'stopped', signal: (interruptedBy(ctx.signal) ?? 'SIGINT') as 'SIGINT', shutdownMs: 0 })
    return ExitCode.OK
  } finally {
    await opened.close()
  }
}
