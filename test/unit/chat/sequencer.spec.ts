/**
 * Sequencer: exactly once and in order per sender, a bounded buffer of early
 * arrivals, SequenceGapError beyond it, and snapshot/restore.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InvalidParametersError } from '@libp2p/interface'
import { Sequencer } from '../../../src/chat/sequencer.js'
import { SequenceGapError } from '../../../src/chat/core-errors.js'

describe('chat Sequencer', () => {
  it('delivers the expected number at once and advances', () => {
    const s = new Sequencer<string>()
    assert.equal(s.next, 1)
    assert.deepEqual(s.accept(1, 'a'), { deliver: ['a'], duplicate: false, buffered: false })
    assert.deepEqual(s.accept(2, 'b'), { deliver: ['b'], duplicate: false, buffered: false })
    assert.equal(s.next, 3)
  })

  it('buffers early arrivals and delivers them in order when the gap fills', () => {
    const s = new Sequencer<string>()
    assert.deepEqual(s.accept(3, 'c'), { deliver: [], duplicate: false, buffered: true })
    assert.deepEqual(s.accept(2, 'b'), { deliver: [], duplicate: false, buffered: true })
    assert.equal(s.next, 1)
    assert.deepEqual(s.accept(1, 'a'), { deliver: ['a', 'b', 'c'], duplicate: false, buffered: false })
    assert.equal(s.next, 4)
    assert.equal(s.size, 0)
  })

  it('stops at the first remaining gap', () => {
    const s = new Sequencer<number>()
    s.accept(2, 2)
    s.accept(4, 4)
    assert.deepEqual(s.accept(1, 1).deliver, [1, 2])
    assert.equal(s.next, 3)
    assert.deepEqual(s.snapshot(), { next: 3, buffered: [[4, 4]] })
  })

  it('reports duplicates: below next, and already buffered (the first copy is kept)', () => {
    const s = new Sequencer<string>()
    s.accept(1, 'a')
    assert.deepEqual(s.accept(1, 'a again'), { deliver: [], duplicate: true, buffered: false })
    s.accept(3, 'c')
    assert.deepEqual(s.accept(3, 'c again'), { deliver: [], duplicate: true, buffered: false })
    assert.deepEqual(s.accept(2, 'b').deliver, ['b', 'c'])
  })

  it('delivers falsy and undefined items too', () => {
    const s = new Sequencer<number | undefined>()
    s.accept(2, undefined)
    s.accept(3, 0)
    assert.deepEqual(s.accept(1, 1).deliver, [1, undefined, 0])
    assert.equal(s.next, 4)
  })

  it('refuses a number beyond next + maxBuffered with SequenceGapError and keeps nothing', () => {
    const s = new Sequencer<string>({ maxBuffered: 4 })
    assert.equal(s.accept(5, 'e').buffered, true) // next + 4: still fits
    assert.throws(() => s.accept(6, 'f'), (err: unknown) => {
      assert.ok(err instanceof SequenceGapError)
      assert.equal(err.name, 'SequenceGapError')
      assert.equal(err.seq, 6)
      assert.equal(err.next, 1)
      assert.equal(err.maxBuffered, 4)
      assert.match(err.message, /do not acknowledge/)
      return true
    })
    assert.deepEqual(s.snapshot(), { next: 1, buffered: [[5, 'e']] })
  })

  it('maxBuffered 0 accepts only the next number', () => {
    const s = new Sequencer<string>({ maxBuffered: 0 })
    assert.throws(() => s.accept(2, 'b'), SequenceGapError)
    assert.deepEqual(s.accept(1, 'a').deliver, ['a'])
  })

  it('refuses numbers that are not safe integers >= 1, and bad options', () => {
    const s = new Sequencer<string>()
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      assert.throws(() => s.accept(bad, 'x'), InvalidParametersError, String(bad))
    }
    assert.throws(() => new Sequencer({ next: 0 }), InvalidParametersError)
    assert.throws(() => new Sequencer({ maxBuffered: -1 }), InvalidParametersError)
    assert.throws(() => new Sequencer({ next: 5, buffered: [[5, 'x']] }), InvalidParametersError)
    assert.throws(() => new Sequencer({ next: 1, maxBuffered: 2, buffered: [[4, 'x']] }), InvalidParametersError)
    assert.throws(() => new Sequencer({ buffered: [[3, 'x'], [3, 'y']] }), InvalidParametersError)
  })

  it('starts at a given next and restores a snapshot', () => {
    const a = new Sequencer<string>({ next: 10 })
    assert.equal(a.accept(9, 'old').duplicate, true)
    a.accept(12, 'l')
    a.accept(11, 'k')
    a.accept(14, 'n')
    const snap = a.snapshot()
    assert.deepEqual(snap, { next: 10, buffered: [[11, 'k'], [12, 'l'], [14, 'n']] })
    const b = new Sequencer<string>(snap)
    assert.equal(b.accept(12, 'dup').duplicate, true)
    assert.deepEqual(b.accept(10, 'j').deliver, ['j', 'k', 'l'])
    assert.equal(b.next, 13)
  })

  it('property: any permutation of 1..n with duplicates delivers exactly 1..n in order', () => {
    const input = fc.integer({ min: 1, max: 200 }).chain(n => fc.tuple(
      fc.constant(n),
      fc.shuffledSubarray([...Array(n).keys()].map(i => i + 1), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 1, max: n }), { maxLength: n }),
      fc.array(fc.nat(), { maxLength: n })
    ))
    fc.assert(fc.property(input, ([n, order, dups, positions]) => {
      // insert duplicates at arbitrary positions of the permutation
      const arrivals = [...order]
      dups.forEach((d, i) => arrivals.splice((positions[i] ?? 0) % (arrivals.length + 1), 0, d))
      const s = new Sequencer<string>({ maxBuffered: n })
      const delivered: string[] = []
      let duplicates = 0
      for (const seq of arrivals) {
        const r = s.accept(seq, `m${seq}`)
        if (r.duplicate) duplicates++
        delivered.push(...r.deliver)
      }
      assert.deepEqual(delivered, [...Array(n).keys()].map(i => `m${i + 1}`))
      assert.equal(duplicates, dups.length)
      assert.equal(s.next, n + 1)
      assert.equal(s.size, 0)
    }))
  })
})
