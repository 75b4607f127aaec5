/** What the runner hands a fuzz worker, and the shared slots the worker writes its progress to. */

export interface WorkerInput {
  /** The module whose TARGETS export holds the targets (a file: URL). */
  targetsUrl: string
  /** Run in this order, one after the other. */
  parsers: string[]
  seed: number
  /** The first input index of the first parser; the others start at 0. */
  start: number
  /** The end (exclusive) of every parser's input indexes. */
  end: number
  hangMs: number
  /** Per parser: stop it after this many defects... */
  maxDefects: number
  /** ...and the first one after this many (it may have found some before a hang). */
  firstMaxDefects: number
  /** Int32 slots, see SLOT. */
  progress: SharedArrayBuffer
}

/**
 * The Int32 slots of WorkerInput.progress: which of the parsers runs, the
 * index of its running input (-1 before the first), and its counts before it.
 */
export const SLOT = { parser: 0, index: 1, inputs: 2, accepted: 3, rejected: 4 } as const
export const SLOTS = 5

/** Messages from a worker. */
export type WorkerMessage =
  | { type: 'defect', defect: import('./engine.js').Defect }
  | { type: 'parser-done', parser: string, counts: import('./engine.js').Counts }
