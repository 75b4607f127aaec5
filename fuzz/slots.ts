/** What the runner hands a fuzz worker, and the shared slots the worker writes its progress to. */

export interface WorkerInput {
  /** The module whose TARGETS export holds the target (a file: URL). */
  targetsUrl: string
  parser: string
  seed: number
  start: number
  count: number
  hangMs: number
  maxDefects: number
  /** Int32 slots, see SLOT. */
  progress: SharedArrayBuffer
}

/** The Int32 slots of WorkerInput.progress: the index of the running input (-1 before the first), and the counts before it. */
export const SLOT = { index: 0, inputs: 1, accepted: 2, rejected: 3 } as const
export const SLOTS = 4
