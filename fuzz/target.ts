/**
 * What a fuzz target is: one pure parser, the typed errors it may throw, and
 * where its seed corpus lives. Shared by the engine and the targets.
 */

/** One input: the bytes, and where to cut them into chunks (chunked targets only). */
export interface FuzzCase {
  data: Uint8Array
  cuts: number[]
}

/** What a run made of an input when it threw nothing. */
export type Outcome = 'accepted' | 'rejected'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error

export interface FuzzTarget {
  /** The --parser name, e.g. 'control-reply'. */
  name: string
  /** The folder under fuzz/corpus holding its seeds (several targets may share one). */
  corpus: string
  /**
   * Our typed errors this parser may throw on bad input; anything else it
   * throws is a defect. Empty for parsers that report problems as values.
   */
  errors: readonly ErrorClass[]
  /** Cut each input into random chunks, as a socket delivers bytes. */
  chunked?: boolean
  /** Cap on a mutated input's length. @default 4096 */
  maxLength?: number
  /** Tokens the mutator inserts. */
  dictionary?: readonly string[]
  /**
   * Parses one input. Throws the parser's error on bad input, or returns
   * 'rejected' when the parser reports a problem as a value (or input never
   * reached it); returns 'accepted' (or nothing) otherwise. Checks of the
   * result that fail throw FuzzInvariantError.
   */
  run: (input: FuzzCase) => Outcome | undefined | void
}

/** A result broke a property that every accepted input must have (a round trip, a range). */
export class FuzzInvariantError extends Error {
  static override name = 'FuzzInvariantError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FuzzInvariantError'
  }
}

/** Throws FuzzInvariantError with `message` unless `ok`. */
export function check (ok: boolean, message: string): asserts ok {
  if (!ok) throw new FuzzInvariantError(message)
}

/**
 * Runs a check of a result; any error it throws (even one of ours, e.g. when
 * re-parsing the formatted value fails) breaks the invariant.
 */
export function holds (what: string, fn: () => boolean): void {
  let ok: boolean
  try {
    ok = fn()
  } catch (err) {
    throw new FuzzInvariantError(`${what}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err })
  }
  check(ok, what)
}

const decoder = new TextDecoder('utf-8')

/** The input as text (invalid UTF-8 becomes U+FFFD, the same way every time). */
export function text (data: Uint8Array): string {
  return decoder.decode(data)
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
