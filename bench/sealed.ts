/**
 * The sealing micro rows (issue 14): the time to seal and to open one
 * message (src/seal, HPKE Auth mode: one content key per message, wrapped
 * per recipient) at 1 KiB and 1 MiB, to 1 and to 10 recipients. Pure CPU,
 * no network: they run in the bench's parent process, which is idle at that
 * point. Each message is sealed with a fresh id and sequence number, and the
 * messages sealed while timing `seal` are the ones opened while timing
 * `open` (by the last recipient, with one replay guard), so every open is a
 * real first open, never a replay.
 *
 * The sealed vs plain throughput through the hub is row m5 (messaging.ts).
 */
import { loadavg } from 'node:os'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateSealKeyPair, makeCard, open, ReplayGuard, seal, SealKeyRing, type KeyCard } from '../src/seal/index.js'
import { percentile, summarize } from './stats.js'
import type { Row, SuiteOptions } from './rows.js'
import type { PeerId } from '@libp2p/interface'

const KIB = 1024
const MIB = 1024 * 1024
/** The goal of issue 14: under 1 ms for 1 KiB to 1 recipient (seal, and open). */
export const SEAL_GOAL_MS = 1

interface Party { peerId: PeerId, keys: SealKeyRing, card: KeyCard }

async function party (): Promise<Party> {
  const identity = await generateKeyPair('Ed25519')
  const keys = new SealKeyRing(generateSealKeyPair())
  return { peerId: peerIdFromPrivateKey(identity), keys, card: await makeCard(identity, keys.current) }
}

export interface SealTimes {
  bytes: number
  recipients: number
  seal: number[]
  open: number[]
  sealedBytes: number
}

/** Times `warmup + runs` seals of a `bytes` payload to `recipients`, then opens the same messages; the warm-up is not kept. */
export async function timeSealOpen (sender: Party, recipients: Party[], bytes: number, warmup: number, runs: number): Promise<SealTimes> {
  const payload = new Uint8Array(bytes).map((_, i) => i & 0xff)
  const context = { kind: 'topic' as const, name: 'bench.sealed' }
  const cards = recipients.map(r => r.card)
  const me = recipients[recipients.length - 1]
  const sealedMessages: Uint8Array[] = []
  const sealMs: number[] = []
  for (let i = 0; i < warmup + runs; i++) {
    const t = performance.now()
    const m = await seal({ payload, context, sender: { peerId: sender.peerId, keys: sender.keys }, recipients: cards, seq: i + 1 })
    if (i >= warmup) sealMs.push(performance.now() - t)
    sealedMessages.push(m)
  }
  const replay = new ReplayGuard()
  const openMs: number[] = []
  for (let i = 0; i < sealedMessages.length; i++) {
    const t = performance.now()
    const opened = await open(sealedMessages[i], { context, me: { peerId: me.peerId, keys: me.keys }, senderCard: () => sender.card, replay })
    if (i >= warmup) openMs.push(performance.now() - t)
    // a wrong result is a broken benchmark, not a slow one
    if (opened.payload.byteLength !== bytes || opened.seq !== i + 1) throw new Error(`opened message ${i + 1} is not the one sealed (${opened.payload.byteLength} bytes, seq ${opened.seq})`)
  }
  return { bytes, recipients: recipients.length, seal: sealMs, open: openMs, sealedBytes: sealedMessages[0].byteLength }
}

const sizeName = (bytes: number): string => bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / KIB} KiB`
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits

/** One row per operation (seal, open) of one configuration; the 1 KiB, 1-recipient rows carry the < 1 ms goal. */
function rowsOf (t: SealTimes, first: number): Row[] {
  const goal = t.bytes === KIB && t.recipients === 1
  const out: Row[] = []
  for (const [k, op] of (['seal', 'open'] as const).entries()) {
    const s = summarize(t[op])
    out.push({
      id: `s${first + k}`,
      name: `sealing: ${op} one message, ${sizeName(t.bytes)} ${op === 'seal' ? 'to' : 'from a sender with'} ${t.recipients} recipient${t.recipients > 1 ? 's' : ''} (HPKE Auth, median per message)`,
      unit: 'ms',
      p2p: s,
      goal: goal ? { op: '<=', value: SEAL_GOAL_MS, absolute: true } : { op: 'report' },
      ...(goal ? { met: s.n === t[op].length && s.median <= SEAL_GOAL_MS } : {}),
      detail: { bytes: t.bytes, recipients: t.recipients, sealedBytes: t.sealedBytes, overheadBytes: t.sealedBytes - t.bytes, runs: t[op].length, p95: round(percentile(t[op], 95)) }
    })
  }
  return out
}

/** Rows s1–s8: seal and open at 1 KiB and 1 MiB, 1 and 10 recipients. */
export async function sealRows (opts: SuiteOptions, log: (l: string) => void): Promise<Row[]> {
  const sender = await party()
  const recipients: Party[] = []
  for (let i = 0; i < 10; i++) recipients.push(await party())
  const load = loadavg()[0]
  const rows: Row[] = []
  let id = 1
  for (const bytes of [KIB, MIB]) {
    for (const n of [1, 10]) {
      const big = bytes >= MIB
      const runs = big ? opts.sealRunsLarge : opts.sealRuns
      const t = await timeSealOpen(sender, recipients.slice(0, n), bytes, big ? 2 : Math.min(50, runs), runs)
      rows.push(...rowsOf(t, id))
      id += 2
      log(`  sealing: ${sizeName(bytes)} to ${n}: seal ${summarize(t.seal).median.toFixed(3)} ms, open ${summarize(t.open).median.toFixed(3)} ms (median of ${runs}; ${t.sealedBytes - bytes} B overhead)`)
    }
  }
  log(`  sealing: load average ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`)
  return rows
}
