/**
 * Loss detection: each sender numbers its sealed messages per context (topic
 * or URI) 1, 2, 3, … inside the seal, where the hub can neither read nor
 * change the number. A receiver feeds every opened message to `observe` and
 * learns about gaps (messages the hub or a relay dropped), late arrivals that
 * fill an earlier gap, and duplicates.
 *
 * Bounded: per stream a 1024-bit window of recent numbers (128 bytes), and at
 * most `maxStreams` streams, least recently used forgotten first.
 * This only reports; duplicates are dropped by ReplayGuard (by id).
 */
import type { SealContext } from './envelope.js'

/** What one sequence number means for its (sender, context) stream. */
export type SequenceObservation =
  /** the first number seen on this stream: nothing to compare with */
  | { status: 'first' }
  /** the next number */
  | { status: 'ok' }
  /** numbers from..to (inclusive) were skipped: fetch them from history */
  | { status: 'gap', gap: [from: number, to: number] }
  /** fills part of an earlier gap (a reordered message) */
  | { status: 'late' }
  /** this number was already seen */
  | { status: 'duplicate' }
  /** too far behind the newest number to tell (more than the window) */
  | { status: 'old' }
  /** 1 again after higher numbers: the sender restarted; the stream starts over */
  | { status: 'restart' }

export const SEQUENCE_WINDOW = 1024
export const DEFAULT_MAX_STREAMS = 10_000

interface Stream {
  highest: number
  /** bit (seq mod WINDOW) set: seq was seen (valid for highest - WINDOW < seq <= highest) */
  bits: Uint8Array
}

function has (s: Stream, seq: number): boolean {
  const i = seq % SEQUENCE_WINDOW
  return (s.bits[i >> 3] & (1 << (i & 7))) !== 0
}

function set (s: Stream, seq: number): void {
  const i = seq % SEQUENCE_WINDOW
  s.bits[i >> 3] |= 1 << (i & 7)
}

function clear (s: Stream, seq: number): void {
  const i = seq % SEQUENCE_WINDOW
  s.bits[i >> 3] &= ~(1 << (i & 7))
}

function newStream (seq: number): Stream {
  const s = { highest: seq, bits: new Uint8Array(SEQUENCE_WINDOW / 8) }
  set(s, seq)
  return s
}

export class SequenceTracker {
  private readonly streams = new Map<string, Stream>()
  readonly maxStreams: number

  constructor (opts: { maxStreams?: number } = {}) {
    this.maxStreams = opts.maxStreams ?? DEFAULT_MAX_STREAMS
    if (!Number.isSafeInteger(this.maxStreams) || this.maxStreams < 1) throw new RangeError(`maxStreams must be a whole number >= 1, got ${this.maxStreams}`)
  }

  get size (): number {
    return this.streams.size
  }

  /** Records `seq` (a safe integer >= 1) from `sender` on `context` and says what it means. */
  observe (sender: string, context: SealContext, seq: number): SequenceObservation {
    if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`a sequence number is a safe integer >= 1, got ${seq}`)
    const key = `${sender}\n${context.kind}\n${context.name}`
    const s = this.streams.get(key)
    if (s == null) {
      this.remember(key, newStream(seq))
      return { status: 'first' }
    }
    // most recently used goes last
    this.streams.delete(key)
    this.streams.set(key, s)
    if (seq > s.highest) {
      const from = s.highest + 1
      // forget the bits that now fall out of the window (at most a window's worth)
      for (let n = Math.max(from, seq - SEQUENCE_WINDOW + 1); n <= seq; n++) clear(s, n)
      s.highest = seq
      set(s, seq)
      return seq === from ? { status: 'ok' } : { status: 'gap', gap: [from, seq - 1] }
    }
    if (seq === 1) {
      this.streams.set(key, newStream(seq))
      return { status: 'restart' }
    }
    if (s.highest - seq >= SEQUENCE_WINDOW) return { status: 'old' }
    if (has(s, seq)) return { status: 'duplicate' }
    set(s, seq)
    return { status: 'late' }
  }

  /** Forgets one sender (e.g. it left the realm). */
  forget (sender: string): void {
    for (const key of [...this.streams.keys()]) {
      if (key.startsWith(`${sender}\n`)) this.streams.delete(key)
    }
  }

  private remember (key: string, s: Stream): void {
    this.streams.set(key, s)
    while (this.streams.size > this.maxStreams) {
      const oldest = this.streams.keys().next().value as string
      this.streams.delete(oldest)
    }
  }
}
