/**
 * Errors across the node-process boundary: a node process sends the names of
 * its error, the error's causes and an AggregateError's errors (never their
 * messages, which could hold anything), and the test side rebuilds them as a
 * RemoteError whose `cause` chain carries those names. Pure: no I/O.
 */

/** An error's name, its cause's and its inner errors', as plain data. */
export interface ErrorShape {
  name: string
  cause?: ErrorShape
  errors?: ErrorShape[]
}

const MAX_DEPTH = 5
const MAX_ERRORS = 16

/** The names in `err`, its `.cause` and its `.errors`, bounded in depth and breadth. */
export function errorShape (err: unknown, depth = 0): ErrorShape {
  const e = err as { name?: unknown, cause?: unknown, errors?: unknown } | null | undefined
  const shape: ErrorShape = { name: typeof e?.name === 'string' ? e.name : typeof err }
  if (depth >= MAX_DEPTH || e == null || typeof e !== 'object') return shape
  if (e.cause != null) shape.cause = errorShape(e.cause, depth + 1)
  if (Array.isArray(e.errors) && e.errors.length > 0) shape.errors = e.errors.slice(0, MAX_ERRORS).map(x => errorShape(x, depth + 1))
  return shape
}

/** An error a node process replied with; `cause` is its ErrorShape, so its names can be searched. */
export class RemoteError extends Error {
  static override name = 'RemoteError'

  constructor (message: string, shape?: ErrorShape) {
    super(message, shape != null ? { cause: shape } : undefined)
    this.name = 'RemoteError'
  }
}

/** The first error (or ErrorShape) named `name` in `err`, its causes or an AggregateError's errors. */
export function findErrorNamed (err: unknown, name: string, depth = 0): unknown {
  const e = err as { name?: unknown, cause?: unknown, errors?: unknown } | null | undefined
  if (e == null || typeof e !== 'object' || depth > MAX_DEPTH + 1) return undefined
  if (e.name === name) return e
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = findErrorNamed(inner, name, depth + 1)
    if (found != null) return found
  }
  return undefined
}

/** tor's F0: the onion service's descriptor was not found (yet) on the HS directory asked. */
export function isF0 (err: unknown): boolean {
  return findErrorNamed(err, 'OnionServiceNotFoundError') != null
}

export interface RetryF0Options {
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** Pause between attempts. */
  delayMs: number
  /** Told about each retry. */
  log: (message: string) => void
}

/**
 * Runs `fn` until it succeeds, retrying only F0 (isF0), at most
 * `maxAttempts` times in all, and logging each retry. Any other error, or
 * F0 on the last attempt, is thrown at once.
 */
export async function retryF0<T> (fn: (attempt: number) => Promise<T>, opts: RetryF0Options): Promise<{ value: T, attempts: number }> {
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt }
    } catch (err) {
      if (!isF0(err) || attempt >= opts.maxAttempts) throw err
      opts.log(`F0 on attempt ${attempt} of ${opts.maxAttempts} (descriptor not on that HS directory yet); retrying in ${opts.delayMs} ms`)
      await new Promise(resolve => setTimeout(resolve, opts.delayMs))
    }
  }
  throw new RangeError(`retryF0: maxAttempts must be at least 1, got ${opts.maxAttempts}`)
}
