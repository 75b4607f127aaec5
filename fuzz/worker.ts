/**
 * A worker thread that runs the batches of one or more targets (engine.ts),
 * one after the other, so the parent can stop a parser that never returns.
 * Before each input it writes which parser runs, the input's index and the
 * counts so far to shared memory; defects and finished parsers go by message.
 */
import '../src/polyfill.js'
import { parentPort, workerData } from 'node:worker_threads'
import { loadCorpus } from './corpus.js'
import { runBatch } from './engine.js'
import { SLOT, type WorkerInput, type WorkerMessage } from './slots.js'
import type { FuzzTarget } from './target.js'

const input = workerData as WorkerInput
const { TARGETS } = await import(input.targetsUrl) as { TARGETS: readonly FuzzTarget[] }
const progress = new Int32Array(input.progress)
const post = (m: WorkerMessage): void => parentPort?.postMessage(m)

for (const [k, parser] of input.parsers.entries()) {
  const target = TARGETS.find(t => t.name === parser)
  if (target == null) throw new RangeError(`no fuzz target named ${parser}`)
  const start = k === 0 ? input.start : 0
  const { counts } = runBatch(target, {
    seed: input.seed,
    start,
    count: input.end - start,
    hangMs: input.hangMs,
    maxDefects: k === 0 ? input.firstMaxDefects : input.maxDefects,
    corpus: loadCorpus(target.corpus),
    onInput: (index, c) => {
      Atomics.store(progress, SLOT.inputs, c.inputs)
      Atomics.store(progress, SLOT.accepted, c.accepted)
      Atomics.store(progress, SLOT.rejected, c.rejected)
      Atomics.store(progress, SLOT.parser, k)
      Atomics.store(progress, SLOT.index, index)
    },
    onDefect: defect => post({ type: 'defect', defect })
  })
  post({ type: 'parser-done', parser, counts })
}
