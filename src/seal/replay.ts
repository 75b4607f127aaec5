/**
 * Replay and freshness checks for opened messages, by sender.
 *
 * Two windows, both documented in docs/sealed-envelope.md:
 * - skew (default ±5 min): a sealed time further than this from our clock is
 *   refused (ClockSkewError). This bounds how long any message stays
 *   acceptable at all.
 * - replay (default 10 min): a (sender, id) accepted once is remembered this
 *   long and refused again (ReplayError). The window must be at least twice
 *   the skew: a message sealed at t is acceptable while our clock is within
 *   t ± skew, so from its first acceptance (>= t - skew) to the last moment a
 *   copy could pass the skew check (t + skew) at most 2 × skew passes.
 *
 * Memory is bounded (`maxEntries`). When full, the oldest remembered id is
 * forgotten and its sealed time becomes a floor: from then on a message
 * sealed at or before that floor is refused as a possible replay. So memory
 * pressure makes the guard stricter (late messages drop), never weaker.
 *
 * Call `accept` only after the message authenticated: otherwise a forger
 * could fill the memory with ids that real messages later carry.
 */
import { ClockSkewError, ReplayError } from './errors.js'

export const DEFAULT_REPLAY_WINDOW_MS = 10 * 60 * 1000
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000
export const DEFAULT_REPLAY_MAX_ENTRIES = 100_000

export interface ReplayGuardOptions {
  /** How long an accepted (sender, id) is remembered. Must be >= 2 × skewMs. @default 10 minutes */
  windowMs?: number
  /** How far the sealed time may be from our clock, either way. @default 5 minutes */
  skewMs?: number
  /** Remembered ids at most (about 100 bytes each). @default 100000 */
  maxEntries?: number
}

interface Entry {
  /** when we forget it (our clock) */
  forgetAt: number
  /** the message's sealed time */
  time: number
}

export class ReplayGuard {
  readonly windowMs: number
  readonly skewMs: number
  readonly maxEntries: number
  // insertion order is (nearly) forgetAt order: eviction walks from the front
  private readonly seen = new Map<string, Entry>()
  private floor = -Infinity

  constructor (opts: ReplayGuardOptions = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_REPLAY_WINDOW_MS
    this.skewMs = opts.skewMs ?? DEFAULT_CLOCK_SKEW_MS
    this.maxEntries = opts.maxEntries ?? DEFAULT_REPLAY_MAX_ENTRIES
    if (!(this.skewMs >= 0) || !(this.windowMs >= 2 * this.skewMs)) {
      throw new RangeError(`the replay window (${this.windowMs} ms) must be at least twice the clock skew window (${this.skewMs} ms), or a replay could outlive its memory`)
    }
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be a whole number >= 1, got ${this.maxEntries}`)
  }

  /** How many (sender, id) pairs are remembered now. */
  get size (): number {
    return this.seen.size
  }

  /**
   * Checks and records one authenticated message. Throws ClockSkewError if
   * `time` is outside now ± skew, ReplayError if (sender, id) was accepted
   * within the window (or `time` is at or below the eviction floor).
   */
  accept (sender: string, id: Uint8Array, time: number, now: number): void {
    const skew = time - now
    if (Math.abs(skew) > this.skewMs) throw new ClockSkewError(skew, this.skewMs)
    this.forgetExpired(now)
    const key = `${sender}/${Buffer.from(id).toString('hex')}`
    if (this.seen.has(key)) throw new ReplayError(sender)
    if (time <= this.floor) throw new ReplayError(sender, 'it is older than the ids this node could still remember (replay memory was full)')
    this.seen.set(key, { forgetAt: now + this.windowMs, time })
    while (this.seen.size > this.maxEntries) {
      const [oldestKey, oldest] = this.seen.entries().next().value as [string, Entry]
      this.seen.delete(oldestKey)
      if (oldest.time > this.floor) this.floor = oldest.time
    }
  }

  private forgetExpired (now: number): void {
    for (const [key, entry] of this.seen) {
      if (entry.forgetAt > now) break
      this.seen.delete(key)
    }
  }
}
