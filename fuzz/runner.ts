/**
 * Runs targets' batches in a worker thread under a watchdog. If the running
 * input's index stops moving for `watchdogMs`, the parser is stuck: the
 * worker is terminated, that input is recorded as a 'hang' defect, and a
 * fresh worker carries on from the next index (every input is rebuilt from
 * seed and index, so nothing is lost). A worker that dies (out of memory, a
 * native crash) is recorded as a 'crash' the same way.
 */
import { Worker } from 'node:worker_threads'
import { loadCorpus } from './corpus.js'
import { DEFAULT_HANG_MS, makeCase, toHex } from './engine.js'
import type { Counts, Defect, DefectKind } from './engine.js'
import { SLOT, SLOTS, type WorkerInput, type WorkerMessage } from './slots.js'
import type { FuzzTarget } from './target.js'

/** The targets of `npm run fuzz`. */
export const DEFAULT_TARGETS_URL = new URL('./targets/index.js', import.meta.url).href
const WORKER_URL = new URL('./worker.js', import.meta.url)

export interface FuzzRunOptions {
  seed: number
  /** Inputs per parser. */
  count: number
  /** One input slower than this is a defect. @default 1000 */
  hangMs?: number
  /** No progress for this long means a parser that never returns. @default 5 × hangMs */
  watchdogMs?: number
  /** A worker that has not started its first input by then is a harness failure. @default 60000 */
  startupMs?: number
  /** Stop a parser after this many defects. @default 20 */
  maxDefects?: number
  /** @default DEFAULT_TARGETS_URL */
  targetsUrl?: string
}

export interface FuzzRunResult {
  parser: string
  counts: Counts
  defects: Defect[]
  ms: number
}

/** The harness itself failed (a worker never started, or a target is unknown): not a parser defect. */
export class FuzzHarnessError extends Error {
  static override name = 'FuzzHarnessError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FuzzHarnessError'
  }
}

export async function loadTargets (targetsUrl: string = DEFAULT_TARGETS_URL): Promise<readonly FuzzTarget[]> {
  const { TARGETS } = await import(targetsUrl) as { TARGETS: readonly FuzzTarget[] }
  return TARGETS
}

/** Where a worker stopped: after all its parsers, or stuck or dead in one input. */
type WorkerEnd = { done: true } | { done: false, parser: number, index: number, counts: Counts, kind: DefectKind, error: string }

interface WorkerHooks {
  onDefect: (d: Defect) => void
  onParserDone: (parser: string, counts: Counts) => void
}

function runWorker (input: WorkerInput, hooks: WorkerHooks, watchdogMs: number, startupMs: number): Promise<WorkerEnd> {
  const progress = new Int32Array(input.progress)
  Atomics.store(progress, SLOT.index, -1)
  const slot = (s: number): number => Atomics.load(progress, s)
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: 512 } })
    let settled = false
    let last = '-1'
    let since = performance.now()
    let finished = 0
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearInterval(timer)
      void worker.terminate()
      fn()
    }
    const stopped = (kind: DefectKind, error: string): void => {
      const index = slot(SLOT.index)
      if (index < 0) {
        finish(() => reject(new FuzzHarnessError(`the fuzz worker for ${input.parsers.join(', ')} failed before its first input: ${error}`)))
        return
      }
      const counts = { inputs: slot(SLOT.inputs), accepted: slot(SLOT.accepted), rejected: slot(SLOT.rejected) }
      finish(() => resolve({ done: false, parser: slot(SLOT.parser), index, counts, kind, error }))
    }
    const timer = setInterval(() => {
      const now = `${slot(SLOT.parser)}:${slot(SLOT.index)}`
      const t = performance.now()
      if (now !== last) {
        last = now
        since = t
      } else if (t - since > (slot(SLOT.index) < 0 ? startupMs : watchdogMs)) {
        stopped('hang', `no result after ${Math.round(t - since)} ms; the worker was stopped`)
      }
    }, Math.min(100, watchdogMs / 4))
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'defect') {
        hooks.onDefect(m.defect)
        return
      }
      hooks.onParserDone(m.parser, m.counts)
      if (++finished === input.parsers.length) finish(() => resolve({ done: true }))
    })
    worker.on('error', err => stopped('crash', `the worker died: ${err.name}: ${err.message}`))
    worker.on('exit', code => stopped('crash', `the worker exited with code ${code}`))
  })
}

/**
 * Fuzzes each parser with `count` inputs, one after the other in one worker
 * (a new one after each hang or crash), and returns a result per parser.
 */
export async function fuzzTargets (parsers: readonly string[], opts: FuzzRunOptions): Promise<FuzzRunResult[]> {
  const targetsUrl = opts.targetsUrl ?? DEFAULT_TARGETS_URL
  const targets = await loadTargets(targetsUrl)
  for (const p of parsers) if (!targets.some(t => t.name === p)) throw new FuzzHarnessError(`no fuzz target named ${p}`)
  const hangMs = opts.hangMs ?? DEFAULT_HANG_MS
  const maxDefects = opts.maxDefects ?? 20
  const results = parsers.map((parser): FuzzRunResult => ({ parser, counts: { inputs: 0, accepted: 0, rejected: 0 }, defects: [], ms: 0 }))
  const add = (r: FuzzRunResult, c: Counts): void => {
    r.counts.inputs += c.inputs
    r.counts.accepted += c.accepted
    r.counts.rejected += c.rejected
  }
  let first = 0 // the parser to start with
  let start = 0 // its first input index
  while (first < parsers.length) {
    const remaining = parsers.slice(first)
    let clock = performance.now()
    const result = await runWorker({
      targetsUrl,
      parsers: remaining,
      seed: opts.seed,
      start,
      end: opts.count,
      hangMs,
      maxDefects,
      firstMaxDefects: maxDefects - results[first].defects.length,
      progress: new SharedArrayBuffer(SLOTS * 4)
    }, {
      onDefect: d => results[parsers.indexOf(d.parser, first)].defects.push(d),
      onParserDone: (parser, counts) => {
        const r = results[parsers.indexOf(parser, first)]
        add(r, counts)
        r.ms += performance.now() - clock
        clock = performance.now()
      }
    }, opts.watchdogMs ?? hangMs * 5, opts.startupMs ?? 60_000)
    if (result.done) break
    // The input the worker was stuck on (or died in), rebuilt from seed and index.
    const k = first + result.parser
    const r = results[k]
    add(r, result.counts)
    r.ms += performance.now() - clock
    const target = targets.find(t => t.name === r.parser) as FuzzTarget
    const stuck = makeCase(target, loadCorpus(target.corpus), opts.seed, result.index)
    r.defects.push({ parser: r.parser, kind: result.kind, seed: opts.seed, index: result.index, input: toHex(stuck.data), cuts: stuck.cuts, error: result.error })
    r.counts.inputs++
    // Carry on after that input, or with the next parser once this one has all its inputs or defects.
    if (result.index + 1 < opts.count && r.defects.length < maxDefects) {
      first = k
      start = result.index + 1
    } else {
      first = k + 1
      start = 0
    }
  }
  return results
}

/** Fuzzes one parser: fuzzTargets for a list of one. */
export async function fuzzTarget (parser: string, opts: FuzzRunOptions): Promise<FuzzRunResult> {
  return (await fuzzTargets([parser], opts))[0]
}
