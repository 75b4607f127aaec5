/**
 * The chat rows (issue 16), in one child process (role 'chat',
 * chat-side.ts): alice on client tor 0, bob on 1, the mailbox on 2, each
 * with its own onion service, set up as test/e2e/chat.spec.ts does; alice
 * adds bob and bob accepts before anything is timed.
 *
 * - c1: alice.send() → bob's 'message' event, both online, on a warmed
 *   connection, `chatMessages` messages one after the other, against the
 *   floor of half a libp2p ping RTT alice → bob (node.services.ping.ping()
 *   on the same connection, interleaved with the messages). The suite's
 *   raw-Tor echo runs in other processes on other nodes, so it is not the
 *   same pair; ping.ping() is, and it opens a new stream with
 *   multistream-select as each chat send does (row 3b says what that costs).
 * - c2: bob stopped; alice.send() → the message's state is 'sent' (the
 *   mailbox accepted its blob), `chatMailboxMessages` messages one after the
 *   other. Each send first tries bob directly (the client's default
 *   directTimeoutMs, 60 s) and deposits when that fails, so the time is the
 *   failed direct attempt plus one deposit (a fresh dial-only node, a
 *   first contact with the mailbox's onion service, the deposit).
 * - c2b: bob starts again (same keys and store): start → every c2 message
 *   at bob, through checkMailbox(); one sample, split into start and fetch.
 */
import { percentile, summarize } from './stats.js'
import { timed, type TorEndpoints } from './sides.js'
import type { BobBack, DirectSample, MailboxSample } from './chat-side.js'
import type { Spawner } from './messaging.js'
import type { Row, SuiteOptions } from './rows.js'

/** Messages sent and pings done before c1's timed ones: the connection and both sides' code paths warm. */
const WARMUP = 3

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits

/** Failed samples (NaN) stay in the count: a row over the survivors alone would hide them. */
function failures (samples: number[]): Record<string, number> {
  const failed = samples.filter(x => !Number.isFinite(x)).length
  return failed > 0 ? { failed } : {}
}

/** Rows c1, c2, c2b. `tors`: at least 3 client tors (alice, bob, mailbox). */
export async function chatRows (tors: TorEndpoints[], opts: SuiteOptions, log: (l: string) => void, start: Spawner): Promise<Row[]> {
  const errors: string[] = []
  const side = await start('chat', tors.slice(0, 3))
  try {
    const startMs = await side.call<number>('start')
    const requestMs = await side.call<number>('request')
    const acceptMs = await side.call<number>('accept')
    log(`  chat: mailbox, alice and bob listening in ${(startMs / 1000).toFixed(1)} s; alice's request at bob in ${(requestMs / 1000).toFixed(1)} s, bob's accept at alice in ${(acceptMs / 1000).toFixed(1)} s`)

    // c1: messages and pings interleaved, the first WARMUP of each not kept
    const latency: number[] = []
    const queued: number[] = []
    const rtt: number[] = []
    for (let k = 0; k < WARMUP + opts.chatMessages; k++) {
      let sample: DirectSample | undefined
      const ms = await timed(errors, 'c1 send', async () => { sample = await side.call<DirectSample>('direct'); return sample.ms })
      const ping = await timed(errors, 'c1 ping', async () => await side.call<number>('ping'))
      if (k < WARMUP) continue
      latency.push(ms)
      queued.push(sample?.queuedMs ?? NaN)
      rtt.push(ping)
    }
    const connections = await side.call<number>('connections')
    const half = rtt.map(x => x / 2)
    const c1 = summarize(latency)
    const floor = summarize(half)
    log(`  chat c1: send → at bob ${c1.median.toFixed(1)} ms (p90 ${percentile(latency, 90).toFixed(1)}), ping.ping() RTT ${summarize(rtt).median.toFixed(1)} ms (p90 ${percentile(rtt, 90).toFixed(1)}): ${(c1.median / floor.median).toFixed(2)}× RTT/2; ${connections} connection(s) alice → bob`)

    // c2: bob away, each message to the mailbox
    const offlineMs = await side.call<number>('bobOffline')
    const away: number[] = []
    for (let k = 0; k < opts.chatMailboxMessages; k++) {
      away.push(await timed(errors, 'c2 send', async () => (await side.call<MailboxSample>('mailboxSend')).ms))
    }
    const c2 = summarize(away)
    log(`  chat c2: bob stopped in ${offlineMs.toFixed(0)} ms; send → accepted at the mailbox ${c2.median.toFixed(0)} ms (p90 ${percentile(away, 90).toFixed(0)}, ${c2.n}/${away.length})`)

    // c2b: bob back; one sample
    let back: BobBack | undefined
    const backMs = await timed(errors, 'c2b bob back', async () => { back = await side.call<BobBack>('bobBack'); return back.totalMs })
    if (back != null) log(`  chat c2b: bob back: started in ${back.startMs.toFixed(0)} ms, all ${back.received} messages ${back.fetchMs.toFixed(0)} ms later (${back.viaMailbox} via the mailbox in ${back.checkCalls} fetch(es), ${back.duplicates} twice)`)
    for (const e of [...new Set(errors)].slice(0, 3)) log(`    chat failed: ${e}`)
    const firstError = errors.length > 0 ? { errors: errors.length, firstError: errors[0] } : {}

    return [
      {
        id: 'c1',
        name: `chat: alice.send() → bob's 'message' event, both online, warmed connection, ${opts.chatMessages} messages one by one, vs half a ping.ping() RTT on the same connection`,
        unit: 'ms',
        p2p: c1,
        raw: floor,
        ratio: c1.median / floor.median,
        goal: { op: 'report' },
        detail: {
          p90: round(percentile(latency, 90)),
          floorP90: round(percentile(half, 90)),
          pingRttMs: round(summarize(rtt).median),
          pingRttP90: round(percentile(rtt, 90)),
          sendReturnsMs: round(summarize(queued).median, 2),
          connections,
          startMs: round(startMs, 0),
          requestMs: round(requestMs, 0),
          acceptMs: round(acceptMs, 0),
          ...failures(latency),
          ...firstError
        }
      },
      {
        id: 'c2',
        name: `chat: bob offline, alice.send() → accepted at bob's mailbox (state 'sent'), ${opts.chatMailboxMessages} messages one by one (each tries bob directly first)`,
        unit: 'ms',
        p2p: c2,
        goal: { op: 'report' },
        detail: { p90: round(percentile(away, 90), 0), bobStopMs: round(offlineMs, 0), ...failures(away) }
      },
      {
        id: 'c2b',
        name: `chat: bob back online: start → all ${opts.chatMailboxMessages} messages at bob through checkMailbox()`,
        unit: 'ms',
        p2p: summarize([backMs]),
        goal: { op: 'report' },
        detail: back != null
          ? { startMs: round(back.startMs, 0), fetchMs: round(back.fetchMs, 0), received: back.received, viaMailbox: back.viaMailbox, duplicates: back.duplicates, checkCalls: back.checkCalls }
          : { failed: 1 }
      }
    ]
  } finally {
    await side.close()
  }
}
