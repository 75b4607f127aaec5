/**
 * A worker thread that runs one target's batch (engine.ts), so the parent
 * can stop a parser that never returns. It reports each input's index (and
 * the counts so far) through shared memory before running it, and each
 * defect by message.
 */
import '../src/polyfill.js'
import { parentPort, workerData } from 'node:worker_threads'
import { loadCorpus } from './corpus.js'
import { runBatch } from './engine.js'
import { SLOT, type WorkerInput } from './slots.js'
import type { FuzzTarget } from './target.js'

const input = workerData as WorkerInput
const { TARGETS } = await import(input.targetsUrl) as { TARGETS: readonly FuzzTarget[] }
const target = TARGETS.find(t => t.name === input.parser)
if (target == null) throw new RangeError(`no fuzz target named ${input.parser}`)
const progress = new Int32Array(input.progress)
const { counts } = runBatch(target, {
  seed: input.seed,
  start: input.start,
  count: input.count,
  hangMs: input.hangMs,
  maxDefects: input.maxDefects,
  corpus: loadCorpus(target.corpus),
  onInput: (index, c) => {
    Atomics.store(progress, SLOT.inputs, c.inputs)
    Atomics.store(progress, SLOT.accepted, c.accepted)
    Atomics.store(progress, SLOT.rejected, c.rejected)
    Atomics.store(progress, SLOT.index, index)
  },
  onDefect: defect => parentPort?.postMessage({ type: 'defect', defect })
})
parentPort?.postMessage({ type: 'done', counts })
