/**
 * Runs one target's batch in a worker thread under a watchdog. If the
 * running input's index stops moving for `watchdogMs`, the parser is stuck:
 * the worker is terminated, that input is recorded as a 'hang' defect, and a
 * fresh worker carries on from the next index (every input is rebuilt from
 * seed and index, so nothing is lost). A worker that dies (out of memory, a
 * native crash) is recorded as a 'crash' the same way.
 */
import { Worker } from 'node:worker_threads'
import { loadCorpus } from './corpus.js'
import { DEFAULT_HANG_MS, makeCase, toHex } from './engine.js'
import type { Counts, Defect, DefectKind } from './engine.js'
import { SLOT, SLOTS, type WorkerInput } from './slots.js'
import type { FuzzTarget } from './target.js'

/** The targets of `npm run fuzz`. */
export const DEFAULT_TARGETS_URL = new URL('./targets/index.js', import.meta.url).href
const WORKER_URL = new URL('./worker.js', import.meta.url)

export interface FuzzRunOptions {
  seed: number
  count: number
  /** The first input index. @default 0 */
  start?: number
  /** One input slower than this is a defect. @default 1000 */
  hangMs?: number
  /** No progress for this long means a parser that never returns. @default 5 × hangMs */
  watchdogMs?: number
  /** A worker that has not started its first input by then is a harness failure. @default 60000 */
  startupMs?: number
  /** Stop a target after this many defects. @default 20 */
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

type WorkerEnd = { done: true, counts: Counts } | { done: false, counts: Counts, index: number, kind: DefectKind, error: string }

function runWorker (input: WorkerInput, onDefect: (d: Defect) => void, watchdogMs: number, startupMs: number): Promise<WorkerEnd> {
  const progress = new Int32Array(input.progress)
  Atomics.store(progress, SLOT.index, -1)
  const counts = (): Counts => ({
    inputs: Atomics.load(progress, SLOT.inputs),
    accepted: Atomics.load(progress, SLOT.accepted),
    rejected: Atomics.load(progress, SLOT.rejected)
  })
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: 512 } })
    let settled = false
    let last = -1
    let since = performance.now()
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearInterval(timer)
      fn()
    }
    const stopped = (kind: DefectKind, error: string): void => {
      const index = Atomics.load(progress, SLOT.index)
      if (index < 0) {
        finish(() => reject(new FuzzHarnessError(`the fuzz worker for ${input.parser} failed before its first input: ${error}`)))
      } else {
        finish(() => resolve({ done: false, counts: counts(), index, kind, error }))
      }
      void worker.terminate()
    }
    const timer = setInterval(() => {
      const index = Atomics.load(progress, SLOT.index)
      const t = performance.now()
      if (index !== last) {
        last = index
        since = t
      } else if (t - since > (index < 0 ? startupMs : watchdogMs)) {
        stopped('hang', `no result after ${Math.round(t - since)} ms; the worker was stopped`)
      }
    }, Math.min(100, watchdogMs / 4))
    worker.on('message', (m: { type: 'defect', defect: Defect } | { type: 'done', counts: Counts }) => {
      if (m.type === 'defect') onDefect(m.defect)
      else finish(() => resolve({ done: true, counts: m.counts }))
    })
    worker.on('error', err => stopped('crash', `the worker died: ${err.name}: ${err.message}`))
    worker.on('exit', code => stopped('crash', `the worker exited with code ${code}`))
  })
}

/** Fuzzes one target with `count` inputs, in as many workers as hangs and crashes need. */
export async function fuzzTarget (parser: string, opts: FuzzRunOptions): Promise<FuzzRunResult> {
  const targetsUrl = opts.targetsUrl ?? DEFAULT_TARGETS_URL
  const target = (await loadTargets(targetsUrl)).find(t => t.name === parser)
  if (target == null) throw new FuzzHarnessError(`no fuzz target named ${parser}`)
  const hangMs = opts.hangMs ?? DEFAULT_HANG_MS
  const maxDefects = opts.maxDefects ?? 20
  const t0 = performance.now()
  const total: Counts = { inputs: 0, accepted: 0, rejected: 0 }
  const defects: Defect[] = []
  const end = (opts.start ?? 0) + opts.count
  let start = opts.start ?? 0
  while (start < end && defects.length < maxDefects) {
    const result = await runWorker({
      targetsUrl,
      parser,
      seed: opts.seed,
      start,
      count: end - start,
      hangMs,
      maxDefects: maxDefects - defects.length,
      progress: new SharedArrayBuffer(SLOTS * 4)
    }, d => defects.push(d), opts.watchdogMs ?? hangMs * 5, opts.startupMs ?? 60_000)
    total.inputs += result.counts.inputs
    total.accepted += result.counts.accepted
    total.rejected += result.counts.rejected
    if (result.done) break
    // The input the worker was stuck on (or died in), rebuilt from seed and index.
    const input = makeCase(target, loadCorpus(target.corpus), opts.seed, result.index)
    defects.push({ parser, kind: result.kind, seed: opts.seed, index: result.index, input: toHex(input.data), cuts: input.cuts, error: result.error })
    total.inputs++
    start = result.index + 1
  }
  return { parser, counts: total, defects, ms: performance.now() - t0 }
}
