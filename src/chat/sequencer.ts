/**
 * Exactly once, in order, per sender (docs/chat.md, "Exactly once, in order").
 *
 * A sender numbers its messages to one contact 1, 2, 3, … inside the seal.
 * The receiver keeps one Sequencer per contact: the next number it expects,
 * and a bounded buffer of early arrivals. A number below `next`, or one
 * already buffered, is a duplicate (drop it, but acknowledge it again); the
 * expected number is delivered at once with every buffered number that
 * follows it without a gap; an early one waits. A number more than
 * `maxBuffered` ahead of `next` is refused with SequenceGapError, so the
 * buffer never holds more than `maxBuffered` items.
 *
 * Pure and synchronous: the caller persists `snapshot()` (and restores it
 * through the constructor) together with the delivered messages.
 */
import { InvalidParametersError } from '@libp2p/interface'
import { SequenceGapError } from './core-errors.js'

export const DEFAULT_SEQUENCER_MAX_BUFFERED = 1024

export interface SequencerOptions<T> {
  /** The next sequence number expected. @default 1 */
  next?: number
  /** How far ahead of `next` a number may be (and so how many items wait at most). @default 1024 */
  maxBuffered?: number
  /** Early arrivals to restore, from an earlier `snapshot()`; each must be above `next` and within `maxBuffered`. */
  buffered?: ReadonlyArray<readonly [number, T]>
}

export interface SequencerResult<T> {
  /** The items now deliverable, in sequence order (empty, one, or several when a gap filled). */
  deliver: T[]
  /** The number was seen before (below `next`, or already buffered): drop the item, acknowledge again. */
  duplicate: boolean
  /** The item arrived early and waits in the buffer for the gap to fill. */
  buffered: boolean
}

export interface SequencerSnapshot<T> {
  next: number
  /** In ascending sequence order. */
  buffered: Array<[number, T]>
}

function assertSeq (name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidParametersError(`${name} must be a safe integer >= 1, got ${String(n)}`)
}

export class Sequencer<T> {
  readonly maxBuffered: number
  private nextSeq: number
  private readonly early = new Map<number, T>()

  constructor (opts: SequencerOptions<T> = {}) {
    this.nextSeq = opts.next ?? 1
    this.maxBuffered = opts.maxBuffered ?? DEFAULT_SEQUENCER_MAX_BUFFERED
    assertSeq('next', this.nextSeq)
    if (!Number.isSafeInteger(this.maxBuffered) || this.maxBuffered < 0) {
      throw new InvalidParametersError(`maxBuffered must be a whole number >= 0, got ${String(this.maxBuffered)}`)
    }
    for (const [seq, item] of opts.buffered ?? []) {
      assertSeq('a buffered sequence number', seq)
      if (seq <= this.nextSeq || seq > this.nextSeq + this.maxBuffered || this.early.has(seq)) {
        throw new InvalidParametersError(`buffered sequence number ${seq} does not fit after next ${this.nextSeq} (at most ${this.maxBuffered} ahead, each once); the snapshot is damaged`)
      }
      this.early.set(seq, item)
    }
  }

  /** The next sequence number expected. */
  get next (): number {
    return this.nextSeq
  }

  /** How many early items wait. */
  get size (): number {
    return this.early.size
  }

  /**
   * Takes message `seq` carrying `item`. Throws InvalidParametersError for a
   * number that is not a safe integer >= 1, and SequenceGapError for one more
   * than `maxBuffered` ahead of `next` (nothing is kept then).
   */
  accept (seq: number, item: T): SequencerResult<T> {
    assertSeq('seq', seq)
    if (seq < this.nextSeq || this.early.has(seq)) return { deliver: [], duplicate: true, buffered: false }
    if (seq > this.nextSeq) {
      if (seq - this.nextSeq > this.maxBuffered) throw new SequenceGapError(seq, this.nextSeq, this.maxBuffered)
      this.early.set(seq, item)
      return { deliver: [], duplicate: false, buffered: true }
    }
    const deliver = [item]
    this.nextSeq++
    // bounded: each turn removes one of at most maxBuffered buffered items
    while (this.early.has(this.nextSeq)) {
      deliver.push(this.early.get(this.nextSeq) as T)
      this.early.delete(this.nextSeq)
      this.nextSeq++
    }
    return { deliver, duplicate: false, buffered: false }
  }

  /** The state to persist: `new Sequencer({ ...snapshot, maxBuffered })` restores it. */
  snapshot (): SequencerSnapshot<T> {
    return {
      next: this.nextSeq,
      buffered: [...this.early.entries()].sort((a, b) => a[0] - b[0])
    }
  }
}
