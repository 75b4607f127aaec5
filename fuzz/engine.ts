/**
 * The fuzz loop, in-process: builds input `index` of a target from the seed
 * (a corpus entry as is, a mutation of one, or random bytes), runs the
 * parser on it, and sorts what happens: accepted, rejected with one of the
 * parser's typed errors, or a defect (any other error, a broken invariant,
 * or an input slower than the hang limit). A parser that never returns is
 * caught one level up, by the watchdog in runner.ts.
 */
import { mutate, randomCuts, randomInput } from './mutate.js'
import { Rng } from './prng.js'
import { FuzzInvariantError } from './target.js'
import type { FuzzCase, FuzzTarget } from './target.js'

export type DefectKind = 'untyped-error' | 'invariant' | 'hang' | 'crash'

export interface Defect {
  parser: string
  kind: DefectKind
  seed: number
  index: number
  /** The input, as hex. */
  input: string
  cuts: number[]
  /** `Name: message` of what was thrown, or what the watchdog saw. */
  error: string
  /** The first lines of the stack, when there is one. */
  stack?: string
}

export interface Counts {
  inputs: number
  accepted: number
  rejected: number
}

/** Mutated inputs may grow to this many bytes unless the target says otherwise. */
export const DEFAULT_MAX_LENGTH = 4096
/** One input running longer than this is a defect (the issue's "hang over 1 s"). */
export const DEFAULT_HANG_MS = 1000

export function toHex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

export function fromHex (s: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new RangeError('input must be hex: an even number of 0-9a-f')
  return Uint8Array.from(Buffer.from(s, 'hex'))
}

/** The command that runs one defect's input again. */
export function replayCommand (d: Pick<Defect, 'parser' | 'input' | 'cuts'>): string {
  return `npm run fuzz -- --parser ${d.parser} --input ${d.input === '' ? '""' : d.input}${d.cuts.length > 0 ? ` --cuts ${d.cuts.join(',')}` : ''}`
}

/**
 * Input `index` of `target` under `seed`. The first inputs are the corpus
 * entries themselves; after that one in ten is random and the rest are
 * mutations of a random entry.
 */
export function makeCase (target: FuzzTarget, corpus: readonly Uint8Array[], seed: number, index: number): FuzzCase {
  const rng = Rng.forInput(seed, target.name, index)
  const opts = { dictionary: target.dictionary, maxLength: target.maxLength ?? DEFAULT_MAX_LENGTH }
  let data: Uint8Array
  if (index < corpus.length) data = corpus[index]
  else if (corpus.length === 0 || rng.chance(0.1)) data = randomInput(rng, opts)
  else data = mutate(rng, rng.pick(corpus), corpus, opts)
  return { data, cuts: target.chunked === true ? randomCuts(rng, data.length) : [] }
}

function describeThrown (err: unknown): { error: string, stack?: string } {
  if (err instanceof Error) {
    const stack = err.stack?.split('\n').slice(1, 6).join('\n')
    return { error: `${err.name}: ${err.message.slice(0, 300)}`, stack }
  }
  return { error: `a non-Error was thrown: ${String(err).slice(0, 300)}` }
}

export type RunResult = { outcome: 'accepted' | 'rejected' } | { outcome: 'defect', kind: DefectKind, error: string, stack?: string }

/** Runs one input and sorts the result (no timing: see runTimed). */
export function runOne (target: FuzzTarget, input: FuzzCase): RunResult {
  try {
    return { outcome: target.run(input) === 'rejected' ? 'rejected' : 'accepted' }
  } catch (err) {
    if (err instanceof FuzzInvariantError) return { outcome: 'defect', kind: 'invariant', ...describeThrown(err) }
    if (target.errors.some(E => err instanceof E)) return { outcome: 'rejected' }
    return { outcome: 'defect', kind: 'untyped-error', ...describeThrown(err) }
  }
}

export interface BatchOptions {
  seed: number
  /** The first input index. */
  start: number
  count: number
  corpus: readonly Uint8Array[]
  /** @default DEFAULT_HANG_MS */
  hangMs?: number
  /** The clock, in ms. @default performance.now */
  now?: () => number
  /** Told the index of each input before it runs (the watchdog's heartbeat). */
  onInput?: (index: number, counts: Counts) => void
  /** Told each defect as it is found. */
  onDefect?: (defect: Defect) => void
  /** Stop after this many defects (a systematic bug would repeat for every input). @default Infinity */
  maxDefects?: number
}

/**
 * Runs inputs start .. start+count-1. An input slower than `hangMs` is run
 * once more and is a defect only if it is slow again, so a pause of the
 * process (GC, a busy machine) is not mistaken for a slow parser.
 */
export function runBatch (target: FuzzTarget, opts: BatchOptions): { counts: Counts, defects: Defect[] } {
  const hangMs = opts.hangMs ?? DEFAULT_HANG_MS
  const now = opts.now ?? (() => performance.now())
  const counts: Counts = { inputs: 0, accepted: 0, rejected: 0 }
  const defects: Defect[] = []
  const timed = (input: FuzzCase): { result: RunResult, ms: number } => {
    const t0 = now()
    const result = runOne(target, input)
    return { result, ms: now() - t0 }
  }
  for (let index = opts.start; index < opts.start + opts.count; index++) {
    opts.onInput?.(index, counts)
    const input = makeCase(target, opts.corpus, opts.seed, index)
    let { result, ms } = timed(input)
    if (ms > hangMs) ({ result, ms } = timed(input))
    counts.inputs++
    let defect: Omit<Defect, 'parser' | 'seed' | 'index' | 'input' | 'cuts'> | undefined
    if (result.outcome === 'defect') defect = { kind: result.kind, error: result.error, stack: result.stack }
    else if (ms > hangMs) defect = { kind: 'hang', error: `took ${Math.round(ms)} ms (limit ${hangMs} ms), twice` }
    else counts[result.outcome]++
    if (defect != null) {
      const d: Defect = { parser: target.name, seed: opts.seed, index, input: toHex(input.data), cuts: input.cuts, ...defect }
      defects.push(d)
      opts.onDefect?.(d)
      if (defects.length >= (opts.maxDefects ?? Infinity)) break
    }
  }
  return { counts, defects }
}
