/**
 * ReplayGuard (ids per sender within a window, timestamps within a skew
 * window, bounded memory that fails closed) and SequenceTracker (gaps,
 * duplicates, late arrivals, restarts; bounded).
 */
import assert from 'node:assert/strict'
import { ClockSkewError, ReplayError } from '../../../src/seal/errors.js'
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_REPLAY_WINDOW_MS, ReplayGuard } from '../../../src/seal/replay.js'
import { SEQUENCE_WINDOW, SequenceTracker } from '../../../src/seal/sequence.js'
import type { SealContext } from '../../../src/seal/envelope.js'

const id = (n: number): Uint8Array => new Uint8Array(16).fill(n)
const T = 1_800_000_000_000
const MIN = 60_000

describe('ReplayGuard', () => {
  it('defaults: a 10 minute replay window and a ±5 minute skew window', () => {
    const g = new ReplayGuard()
    assert.equal(g.windowMs, 10 * MIN)
    assert.equal(g.skewMs, 5 * MIN)
    assert.equal(DEFAULT_REPLAY_WINDOW_MS, 10 * MIN)
    assert.equal(DEFAULT_CLOCK_SKEW_MS, 5 * MIN)
  })

  it('accepts an id once per sender; the same id from another sender is a different message', () => {
    const g = new ReplayGuard()
    g.accept('A', id(1), T, T)
    assert.throws(() => g.accept('A', id(1), T, T + 1), ReplayError)
    g.accept('B', id(1), T, T + 1)
    g.accept('A', id(2), T, T + 1)
    assert.equal(g.size, 3)
  })

  it('refuses timestamps outside ±skew, either way, and accepts the edges', () => {
    const g = new ReplayGuard()
    assert.throws(() => g.accept('A', id(1), T - 5 * MIN - 1, T), (e: unknown) => e instanceof ClockSkewError && e.skewMs === -(5 * MIN + 1) && e.reason === 'clock-skew')
    assert.throws(() => g.accept('A', id(2), T + 5 * MIN + 1, T), (e: unknown) => e instanceof ClockSkewError && e.skewMs === 5 * MIN + 1)
    g.accept('A', id(3), T - 5 * MIN, T)
    g.accept('A', id(4), T + 5 * MIN, T)
    assert.equal(g.size, 2)
  })

  it('remembers an id for the whole window: a replay is caught for as long as its timestamp would pass', () => {
    const g = new ReplayGuard()
    // sealed 5 min in the future by a fast clock, first seen at T
    g.accept('A', id(1), T + 5 * MIN, T)
    // the last moment a copy passes the skew check: T + 10 min; still remembered
    assert.throws(() => g.accept('A', id(1), T + 5 * MIN, T + 10 * MIN - 1), ReplayError)
    // after the window the copy is too old anyway
    assert.throws(() => g.accept('A', id(1), T + 5 * MIN, T + 10 * MIN + 5 * MIN + 1), ClockSkewError)
  })

  it('forgets ids after the window (memory drains)', () => {
    const g = new ReplayGuard()
    for (let i = 0; i < 10; i++) g.accept('A', id(i), T, T)
    assert.equal(g.size, 10)
    g.accept('A', id(99), T + 10 * MIN, T + 10 * MIN)
    assert.equal(g.size, 1)
  })

  it('when full, forgets the oldest and refuses anything sealed at or before it (fails closed)', () => {
    const g = new ReplayGuard({ maxEntries: 3 })
    g.accept('A', id(1), T + 1, T)
    g.accept('A', id(2), T + 2, T)
    g.accept('A', id(3), T + 3, T)
    g.accept('A', id(4), T + 4, T)
    assert.equal(g.size, 3)
    // id 1 was forgotten, but its replay is still refused by the floor
    assert.throws(() => g.accept('A', id(1), T + 1, T), (e: unknown) => e instanceof ReplayError && /memory was full/.test(e.message))
    // and so is a new message sealed before the floor
    assert.throws(() => g.accept('B', id(9), T, T), ReplayError)
    g.accept('B', id(9), T + 5, T)
  })

  it('refuses a replay window shorter than twice the skew, and a bad maxEntries', () => {
    assert.throws(() => new ReplayGuard({ windowMs: 9 * MIN }), RangeError)
    assert.throws(() => new ReplayGuard({ windowMs: 2 * MIN, skewMs: MIN }).accept('A', id(1), T, T + 2 * MIN), ClockSkewError)
    assert.throws(() => new ReplayGuard({ maxEntries: 0 }), RangeError)
  })
})

describe('SequenceTracker', () => {
  const topic: SealContext = { kind: 'topic', name: 't' }
  const other: SealContext = { kind: 'topic', name: 'u' }

  it('first, then ok in order; a drop in the middle of ten is reported as a gap', () => {
    const s = new SequenceTracker()
    const seen = [1, 2, 3, 4, 6, 7, 8, 9, 10].map(n => s.observe('A', topic, n))
    assert.deepEqual(seen[0], { status: 'first' })
    assert.deepEqual(seen.slice(1, 4), [{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }])
    assert.deepEqual(seen[4], { status: 'gap', gap: [5, 5] })
    assert.deepEqual(seen.slice(5), [{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }, { status: 'ok' }])
  })

  it('a multi-message gap, then the missing ones arriving late, then duplicates', () => {
    const s = new SequenceTracker()
    s.observe('A', topic, 1)
    assert.deepEqual(s.observe('A', topic, 5), { status: 'gap', gap: [2, 4] })
    assert.deepEqual(s.observe('A', topic, 3), { status: 'late' })
    assert.deepEqual(s.observe('A', topic, 3), { status: 'duplicate' })
    assert.deepEqual(s.observe('A', topic, 5), { status: 'duplicate' })
    assert.deepEqual(s.observe('A', topic, 1), { status: 'restart' })
    assert.deepEqual(s.observe('A', topic, 2), { status: 'ok' })
  })

  it('streams are per sender and per context (kind and name)', () => {
    const s = new SequenceTracker()
    s.observe('A', topic, 1)
    assert.deepEqual(s.observe('A', other, 7), { status: 'first' })
    assert.deepEqual(s.observe('B', topic, 7), { status: 'first' })
    assert.deepEqual(s.observe('A', { kind: 'call', name: 't' }, 3), { status: 'first' })
    assert.deepEqual(s.observe('A', topic, 2), { status: 'ok' })
    assert.equal(s.size, 4)
  })

  it('beyond the window a number is too old to judge; bits that left the window are cleared', () => {
    const s = new SequenceTracker()
    s.observe('A', topic, 2)
    s.observe('A', topic, 2 + SEQUENCE_WINDOW)
    assert.deepEqual(s.observe('A', topic, 2), { status: 'old' })
    // 3 is the oldest number still in the window; never seen, so 'late'
    // (its bit was cleared when the window moved, not left over from an old number)
    assert.deepEqual(s.observe('A', topic, 3), { status: 'late' })
    assert.deepEqual(s.observe('A', topic, 3), { status: 'duplicate' })
    assert.deepEqual(s.observe('A', topic, 1 + SEQUENCE_WINDOW), { status: 'late' })
    assert.deepEqual(s.observe('A', topic, 2 + SEQUENCE_WINDOW), { status: 'duplicate' })
  })

  it('a huge jump reports the whole gap and stays bounded', () => {
    const s = new SequenceTracker()
    s.observe('A', topic, 1)
    assert.deepEqual(s.observe('A', topic, 1_000_000), { status: 'gap', gap: [2, 999_999] })
    assert.deepEqual(s.observe('A', topic, 999_999), { status: 'late' })
  })

  it('keeps at most maxStreams, forgetting the least recently used', () => {
    const s = new SequenceTracker({ maxStreams: 2 })
    s.observe('A', topic, 1)
    s.observe('B', topic, 1)
    s.observe('A', topic, 2) // A is now the most recent
    s.observe('C', topic, 1) // B goes
    assert.equal(s.size, 2)
    assert.deepEqual(s.observe('A', topic, 3), { status: 'ok' })
    assert.deepEqual(s.observe('B', topic, 2), { status: 'first' })
  })

  it('forget(sender) drops its streams; bad numbers are refused', () => {
    const s = new SequenceTracker()
    s.observe('A', topic, 1)
    s.observe('A', other, 1)
    s.observe('B', topic, 1)
    s.forget('A')
    assert.equal(s.size, 1)
    assert.throws(() => s.observe('A', topic, 0), RangeError)
    assert.throws(() => s.observe('A', topic, 1.5), RangeError)
    assert.throws(() => new SequenceTracker({ maxStreams: 0 }), RangeError)
  })
})
