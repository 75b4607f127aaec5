/**
 * The builder: subscribes to `<topic>.<event>` sealed from the relay,
 * re-verifies GitHub's signature on every record with its own copy of the
 * secret (so neither a stolen relay key nor the hub can make it build), filters
 * by event and ref, and runs one command at a time.
 *
 * - Catch-up: it subscribes with `sinceId` = the last message it finished
 *   with (kept in its data directory), so after a restart the hub's history
 *   hands it what it missed; delivery ids it has built are skipped, and so
 *   are bodies it has built (by their signature) under a new delivery id.
 * - Collapse: events accepted while a build runs wait as ONE follow-up build
 *   that uses the newest of them; so do the events replayed while catching up
 *   (one build for everything missed).
 * - A build that outlives `buildTimeoutMs` gets SIGTERM, then SIGKILL after
 *   `killGraceMs`; the command runs in its own process group so its children
 *   go too.
 * - `lastId` only moves past a message once its outcome is final (rejected,
 *   ignored, or its build finished), so a builder stopped mid-build sees the
 *   unbuilt events again on its next start.
 */
import { spawn } from 'node:child_process'
import { logger } from '@libp2p/logger'
import { validateUri } from '../messaging/index.js'
import { afterOf, isEventName, refOf, verifySignature, GITHUB_MAX_BODY_BYTES } from './github.js'
import { decodeRecord } from './record.js'
import { positive } from './options.js'
import { BuilderState, stateFileName } from './state.js'
import type { WebhookRecord } from './record.js'
import type { ChildProcess } from 'node:child_process'

const log = logger('p2p-tor:webhook:builder')

/** One message as a subscriber hands it over (a messaging `Delivery` fits). */
export interface WebhookMessage {
  topic: string
  /** The verified sender's PeerId. */
  from: string
  /** The message id (hex), for `sinceId`. */
  id: string
  data: Uint8Array
  /** true when it came from the hub's retained history. */
  replayed: boolean
}

/** What the builder needs of a member: `Member` fits it once sealed payloads (issue 14) land. */
export interface WebhookSubscriber {
  subscribe: (topic: string, handler: (msg: WebhookMessage) => void, opts: { sealedFrom?: string[], sinceId?: string }) => Promise<{ replayed: number, unsubscribe: () => Promise<void> }>
}

/** One structured line per event, and per build; never holds the body or the secret. */
export interface BuilderLogEntry {
  /**
   * accepted (a build starts for it), collapsed (a build is running: it joins
   * the one follow-up build), ignored (other ref, already built), rejected
   * (not a record, bad signature, wrong sender or event), build-started,
   * build-finished, error (the state file could not be written, ...)
   */
  kind: 'accepted' | 'collapsed' | 'ignored' | 'rejected' | 'build-started' | 'build-finished' | 'error'
  /** The message id. */
  id?: string
  event?: string
  delivery?: string
  ref?: string
  after?: string
  replayed?: boolean
  reason?: string
  /** build-*: the deliveries this build covers (the newest last). */
  deliveries?: string[]
  /** build-finished: the exit code, or null when a signal ended it. */
  exitCode?: number | null
  signal?: string | null
  timedOut?: boolean
  durationMs?: number
}

export interface BuilderOptions {
  /** Subscribes on the builder's behalf (a messaging Member). */
  subscriber: WebhookSubscriber
  /** The relay's PeerId(s): only records sealed by them are taken. */
  from: string | string[]
  /** The webhook secret, the same as GitHub's: every record's signature is checked with it. */
  secret: string
  /** The command and its arguments; it gets the JSON body on stdin. */
  command: string[]
  /** Where the state file lives (created if absent). */
  dataDir: string
  /** @default 'push' */
  event?: string
  /** Only events about this ref build; null builds every ref. @default 'refs/heads/main' */
  ref?: string | null
  /** @default 'webhook.github' */
  topic?: string
  /** A build running longer gets SIGTERM. @default 30 min */
  buildTimeoutMs?: number
  /** ... then SIGKILL this much later. @default 5 s */
  killGraceMs?: number
  /** Where the command's stdout and stderr go. @default 'inherit' */
  output?: 'inherit' | 'ignore' | 'stderr'
  /** The command's working directory. @default the process's */
  cwd?: string
  /** Extra environment for the command (over process.env). */
  env?: Record<string, string>
  /** The largest body taken. @default 25 MiB */
  maxBodyBytes?: number
  /** Built delivery ids remembered. @default 10000 */
  builtWindow?: number
  /** Messages waiting to be checked, at most; beyond that they are dropped until a restart replays them. @default 1000 */
  backlogCap?: number
  /** How long to wait, after subscribing, for the replayed messages the hub announced (opened asynchronously). @default 30 s */
  catchUpTimeoutMs?: number
  log?: (entry: BuilderLogEntry) => void
}

export interface Builder {
  /** How many messages the hub replayed from its history when subscribing. */
  readonly replayed: number
  /** Whether a build is running now. */
  readonly building: boolean
  /** The state file. */
  readonly statePath: string
  /**
   * Unsubscribes, kills a running build (its events are not marked built, so
   * the next start builds them) and waits for the state to be written.
   */
  stop: () => Promise<void>
}

interface Batch {
  deliveries: string[]
  signatures: string[]
  newest: { record: WebhookRecord, id: string, ref?: string, after?: string }
}

/** A message's place in the order of messages: done once its outcome is final. */
interface LedgerEntry { id: string, batch?: Batch | 'pinned' }

interface Outcome { exitCode: number | null, signal: string | null, timedOut: boolean, error?: string }

/** A one-line, human-readable form of a log entry (the CLI prints this without --json). */
export function formatBuilderLog (e: BuilderLogEntry): string {
  const parts: string[] = [e.kind]
  if (e.event != null) parts.push(e.event)
  if (e.delivery != null) parts.push(e.delivery)
  if (e.ref != null) parts.push(e.ref)
  if (e.after != null) parts.push(`after ${e.after.slice(0, 12)}`)
  if (e.deliveries != null) parts.push(`deliveries ${e.deliveries.join(',')}`)
  if (e.kind === 'build-finished') {
    parts.push(e.timedOut === true ? 'timed out' : e.exitCode != null ? `exit ${e.exitCode}` : `signal ${e.signal ?? '?'}`)
    if (e.durationMs != null) parts.push(`${e.durationMs} ms`)
  }
  if (e.replayed === true) parts.push('(from history)')
  return e.reason != null ? `${parts.join(' ')}: ${e.reason}` : parts.join(' ')
}

/** Sends `sig` to the command's process group (it was started detached), or to the command alone. */
function killTree (child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid == null) return
  try {
    process.kill(-child.pid, sig)
  } catch {
    try { child.kill(sig) } catch {}
  }
}

/**
 * Starts a builder: loads its state, subscribes (replaying what it missed),
 * and resolves once the subscription stands.
 *
 * @throws {WebhookStateError} the state file is damaged or unreadable
 * @throws whatever the subscriber throws (NotAuthorizedError, HubUnavailableError, ...)
 */
export async function runBuilder (opts: BuilderOptions): Promise<Builder> {
  if (typeof opts.secret !== 'string' || opts.secret.length === 0) throw new TypeError('the builder needs its own copy of the webhook secret, to check every event GitHub signed')
  if (!Array.isArray(opts.command) || opts.command.length === 0 || opts.command[0] === '') throw new TypeError('the builder needs a command to run')
  const senders = Array.isArray(opts.from) ? [...opts.from] : [opts.from]
  if (senders.length === 0 || senders.some(s => typeof s !== 'string' || s === '')) throw new TypeError('the builder needs the relay\'s PeerId (from)')
  const event = opts.event ?? 'push'
  if (!isEventName(event)) throw new TypeError(`event ${JSON.stringify(event)} is not a GitHub event name (e.g. push)`)
  const topic = validateUri(`${opts.topic ?? 'webhook.github'}.${event}`)
  const wantRef = opts.ref === undefined ? 'refs/heads/main' : opts.ref
  const buildTimeoutMs = positive('buildTimeoutMs', opts.buildTimeoutMs, 30 * 60_000)
  const killGraceMs = positive('killGraceMs', opts.killGraceMs, 5_000)
  const maxBodyBytes = positive('maxBodyBytes', opts.maxBodyBytes, GITHUB_MAX_BODY_BYTES)
  const backlogCap = positive('backlogCap', opts.backlogCap, 1000)
  const catchUpTimeoutMs = positive('catchUpTimeoutMs', opts.catchUpTimeoutMs, 30_000)
  const secret = opts.secret
  const command = [...opts.command]
  const output = opts.output ?? 'inherit'
  const stdout = output === 'inherit' ? 'inherit' : output === 'stderr' ? process.stderr : 'ignore'
  const stderr = output === 'ignore' ? 'ignore' : 'inherit'

  const state = await BuilderState.open(opts.dataDir, stateFileName(opts.topic ?? 'webhook.github', event), positive('builtWindow', opts.builtWindow, 10_000))
  const emit = (entry: BuilderLogEntry): void => {
    try {
      opts.log?.(entry)
    } catch (err) {
      log.error('the log callback threw %e', err)
    }
  }
  const persist = (): void => {
    state.save().catch((err: Error) => { emit({ kind: 'error', reason: err.message }) })
  }

  let stopped = false
  // While the hub replays what was missed, accepted events only collect, so
  // that a builder that was down builds once for all of them.
  let catchingUp = true
  let running: { batch: Batch, child?: ChildProcess, done: Promise<void> } | undefined
  let pending: Batch | undefined
  const ledger: LedgerEntry[] = []
  let backlog = 0
  let chain: Promise<void> = Promise.resolve()

  /** Appends a message to the ledger, merging neighbours that finish together. */
  function record (id: string, batch?: Batch | 'pinned'): void {
    const last = ledger[ledger.length - 1]
    if (last != null && last.batch === batch && batch !== 'pinned') last.id = id
    else ledger.push({ id, batch })
    advance()
  }

  /** Moves lastId past every message whose outcome is final; true if it moved. */
  function advance (save = true): boolean {
    let moved = false
    while (ledger.length > 0 && ledger[0].batch == null) {
      state.setLastId(ledger.shift()?.id ?? '')
      moved = true
    }
    if (moved && save) persist()
    return moved
  }

  /** A batch's build finished: its messages are final. */
  function settle (batch: Batch): void {
    for (const entry of ledger) if (entry.batch === batch) entry.batch = undefined
    advance(false)
  }

  function queued (key: string, of: 'deliveries' | 'signatures'): boolean {
    return running?.batch[of].includes(key) === true || pending?.[of].includes(key) === true
  }

  /** Why this record must not build again, or undefined. */
  function seenBefore (rec: WebhookRecord): string | undefined {
    if (state.hasBuilt(rec.delivery)) return 'already built'
    if (queued(rec.delivery, 'deliveries')) return 'already waiting to build'
    // GitHub's signature covers the body only: the same body under another
    // delivery id is a replay (by a relay or a hub), never a new push
    if (state.hasBuiltBody(rec.signature)) return 'this body was already built under another delivery id: a replay'
    if (queued(rec.signature, 'signatures')) return 'this body is already waiting to build under another delivery id: a replay'
    return undefined
  }

  async function execute (batch: Batch, current: { child?: ChildProcess }): Promise<Outcome> {
    const { record: rec, ref, after } = batch.newest
    return await new Promise<Outcome>((resolve) => {
      let timedOut = false
      let killTimer: NodeJS.Timeout | undefined
      let child: ChildProcess
      try {
        child = spawn(command[0], command.slice(1), {
          cwd: opts.cwd,
          env: { ...process.env, ...opts.env, GITHUB_EVENT: rec.event, GITHUB_DELIVERY: rec.delivery, GITHUB_REF: ref ?? '', GITHUB_AFTER: after ?? '' },
          stdio: ['pipe', stdout, stderr],
          detached: true
        })
      } catch (err) {
        resolve({ exitCode: null, signal: null, timedOut: false, error: (err as Error).message })
        return
      }
      current.child = child
      const timer = setTimeout(() => {
        timedOut = true
        killTree(child, 'SIGTERM')
        killTimer = setTimeout(() => { killTree(child, 'SIGKILL') }, killGraceMs)
      }, buildTimeoutMs)
      const finish = (o: Outcome): void => {
        clearTimeout(timer)
        clearTimeout(killTimer)
        resolve(o)
      }
      child.once('error', (err) => { finish({ exitCode: null, signal: null, timedOut, error: err.message }) })
      child.once('exit', (code, signal) => { finish({ exitCode: code, signal, timedOut }) })
      // a command that does not read stdin closes it early: EPIPE is not a failure
      child.stdin?.on('error', () => {})
      child.stdin?.end(rec.body)
    })
  }

  function startBuild (batch: Batch): void {
    const started = Date.now()
    emit({ kind: 'build-started', event: batch.newest.record.event, delivery: batch.newest.record.delivery, ref: batch.newest.ref, after: batch.newest.after, deliveries: [...batch.deliveries] })
    const current: { batch: Batch, child?: ChildProcess, done: Promise<void> } = { batch, done: Promise.resolve() }
    running = current
    current.done = execute(batch, current).then((o) => {
      const durationMs = Date.now() - started
      const reason = o.error != null ? `the command could not start: ${o.error}` : o.timedOut ? `the build ran past ${buildTimeoutMs} ms and was killed` : undefined
      emit({ kind: 'build-finished', event: batch.newest.record.event, delivery: batch.newest.record.delivery, deliveries: [...batch.deliveries], exitCode: o.exitCode, signal: o.signal, timedOut: o.timedOut, durationMs, reason })
      running = undefined
      if (stopped) return
      // Built, whatever the exit status: a failing build is not retried for
      // the same deliveries (the next push builds again).
      state.addBuilt(batch.deliveries, batch.signatures)
      settle(batch)
      persist()
      const next = pending
      pending = undefined
      if (next != null) startBuild(next)
    })
  }

  async function check (msg: WebhookMessage): Promise<void> {
    const base = { id: msg.id, replayed: msg.replayed }
    const refuse = (reason: string, extra: Partial<BuilderLogEntry> = {}): void => {
      emit({ kind: 'rejected', ...base, ...extra, reason })
      record(msg.id)
    }
    if (!senders.includes(msg.from)) { refuse(`sent by ${msg.from}, not by the relay`); return }
    let rec: WebhookRecord
    try {
      rec = decodeRecord(msg.data, maxBodyBytes)
    } catch (err) {
      refuse((err as Error).message)
      return
    }
    const who = { event: rec.event, delivery: rec.delivery }
    if (rec.event !== event) { refuse(`a ${rec.event} event on the ${event} topic`, who); return }
    if (!await verifySignature(secret, rec.body, rec.signature)) {
      refuse('the GitHub signature does not verify with this builder\'s secret: GitHub did not send this body (or the secrets differ)', who)
      return
    }
    let body: unknown
    try {
      body = JSON.parse(new TextDecoder().decode(rec.body))
    } catch {
      refuse('the body is not JSON', who)
      return
    }
    const ref = refOf(rec.event, body)
    const after = afterOf(rec.event, body)
    const what = { ...base, ...who, ref, after }
    if (wantRef != null && ref !== wantRef) {
      emit({ kind: 'ignored', ...what, reason: `ref ${ref ?? '(none)'}, not ${wantRef}` })
      record(msg.id)
      return
    }
    const seen = seenBefore(rec)
    if (seen != null) {
      emit({ kind: 'ignored', ...what, reason: seen })
      record(msg.id)
      return
    }
    const newest = { record: rec, id: msg.id, ref, after }
    if (running == null && !catchingUp) {
      const batch: Batch = { deliveries: [rec.delivery], signatures: [rec.signature], newest }
      emit({ kind: 'accepted', ...what })
      record(msg.id, batch)
      startBuild(batch)
      return
    }
    pending ??= { deliveries: [], signatures: [], newest }
    pending.deliveries.push(rec.delivery)
    pending.signatures.push(rec.signature)
    pending.newest = newest
    emit({ kind: 'collapsed', ...what, reason: `${catchingUp ? 'catching up from history' : 'a build is running'}; ${pending.deliveries.length} event(s) wait for one build with the newest` })
    record(msg.id, pending)
  }

  // A Member opens sealed messages asynchronously, so the ones the hub
  // replayed can still be on their way when subscribe() resolves: catching up
  // ends once as many replayed messages arrived as the hub said it sent.
  let replayedSeen = 0
  let replayWanted = Infinity
  let replayDone: (() => void) | undefined
  const replayArrived = new Promise<void>((resolve) => { replayDone = resolve })

  function onMessage (msg: WebhookMessage): void {
    if (msg.replayed) {
      replayedSeen++
      if (replayedSeen >= replayWanted) replayDone?.()
    }
    if (stopped) return
    if (backlog >= backlogCap) {
      // lastId stays before this message, so the next start replays it
      emit({ kind: 'error', id: msg.id, replayed: msg.replayed, reason: `more than ${backlogCap} messages wait to be checked; this one is dropped until a restart replays it from history` })
      record(msg.id, 'pinned')
      return
    }
    backlog++
    chain = chain.then(async () => {
      if (!stopped) await check(msg)
    }).catch((err: Error) => {
      emit({ kind: 'error', id: msg.id, reason: err.message })
    }).finally(() => { backlog-- })
  }

  const sub = await opts.subscriber.subscribe(topic, onMessage, { sealedFrom: senders, sinceId: state.lastId })
  replayWanted = sub.replayed
  if (replayedSeen >= replayWanted) replayDone?.()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late') }, catchUpTimeoutMs) })
  if (await Promise.race([replayArrived, late]) === 'late') {
    // some were dropped on the way (not sealed by the relay, ...): build for what came
    emit({ kind: 'error', reason: `${replayedSeen} of the ${sub.replayed} replayed message(s) arrived within ${catchUpTimeoutMs} ms; building for those` })
  }
  clearTimeout(timer)
  await chain
  catchingUp = false
  if (running == null && pending != null && !stopped) {
    const next = pending
    pending = undefined
    startBuild(next)
  }

  return {
    get replayed () { return sub.replayed },
    get building () { return running != null },
    statePath: state.path,
    stop: async () => {
      if (stopped) return
      stopped = true
      pending = undefined
      const current = running
      if (current?.child != null) {
        killTree(current.child, 'SIGTERM')
        const grace = setTimeout(() => { if (current.child != null) killTree(current.child, 'SIGKILL') }, killGraceMs)
        await current.done
        clearTimeout(grace)
      }
      await sub.unsubscribe().catch((err: Error) => { log('unsubscribe failed %e', err) })
      await chain
      await state.flush()
    }
  }
}
