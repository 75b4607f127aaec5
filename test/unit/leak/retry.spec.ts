/**
 * The leak scenario's F0 retry (test/e2e/leak/errors.ts): only
 * OnionServiceNotFoundError is retried, found by name at the top, in a
 * cause, in an AggregateError's errors, or in a node process's reply;
 * bounded; each retry logged. No timings: the delay is 0.
 */
import assert from 'node:assert/strict'
import { errorShape, findErrorNamed, isF0, RemoteError, retryF0 } from '../../e2e/leak/errors.js'

class OnionServiceNotFoundError extends Error {
  static override name = 'OnionServiceNotFoundError'
  constructor () {
    super('F0')
    this.name = 'OnionServiceNotFoundError'
  }
}

const f0 = (): Error => new OnionServiceNotFoundError()
const F0_FORMS: Array<[string, () => unknown]> = [
  ['the error itself', f0],
  ['a cause', () => new Error('dial failed', { cause: f0() })],
  ['an AggregateError\'s errors', () => new AggregateError([new Error('other'), f0()], 'all addresses failed')],
  ['a cause of an inner error', () => new AggregateError([new Error('x', { cause: f0() })])],
  ['a node process\'s reply', () => new RemoteError('dialer: DialError: x', errorShape(new Error('x', { cause: new AggregateError([f0()]) })))]
]

function run (failures: Array<() => unknown>, maxAttempts = 3): { logs: string[], calls: number[], result: Promise<{ value: string, attempts: number }> } {
  const logs: string[] = []
  const calls: number[] = []
  const result = retryF0(async (attempt) => {
    calls.push(attempt)
    const fail = failures[attempt - 1]
    if (fail != null) throw fail()
    return 'ok'
  }, { maxAttempts, delayMs: 0, log: (m) => { logs.push(m) } })
  return { logs, calls, result }
}

describe('leak scenario: F0 retry', () => {
  for (const [label, make] of F0_FORMS) {
    it(`retries F0 found in ${label}, logging the retry`, async () => {
      assert.equal(isF0(make()), true)
      const { logs, calls, result } = run([make])
      assert.deepEqual(await result, { value: 'ok', attempts: 2 })
      assert.deepEqual(calls, [1, 2])
      assert.equal(logs.length, 1)
      assert.match(logs[0], /^F0 on attempt 1 of 3/)
    })
  }

  it('fails at once on any other error, without a retry or a log line', async () => {
    for (const make of [() => new Error('boom'), () => new AggregateError([new Error('a')]), () => new RemoteError('dialer: TimeoutError: x', { name: 'TimeoutError' }), () => 'a string']) {
      const err = make()
      assert.equal(isF0(err), false)
      const { logs, calls, result } = run([() => err])
      await assert.rejects(result, (e: unknown) => e === err)
      assert.deepEqual(calls, [1])
      assert.deepEqual(logs, [])
    }
  })

  it('is bounded: F0 on every attempt throws the last F0 after maxAttempts', async () => {
    const { logs, calls, result } = run([f0, f0, f0, f0, f0], 3)
    await assert.rejects(result, (e: unknown) => isF0(e))
    assert.deepEqual(calls, [1, 2, 3])
    assert.equal(logs.length, 2)
  })

  it('an F0 then another error fails with the other error', async () => {
    const other = new Error('introduction failed')
    const { calls, result } = run([f0, () => other])
    await assert.rejects(result, (e: unknown) => e === other)
    assert.deepEqual(calls, [1, 2])
  })
})

describe('leak scenario: error shapes across the process boundary', () => {
  it('keeps names of causes and inner errors, and no messages', () => {
    const err = new AggregateError([new Error('secret-ish text', { cause: f0() })], 'top')
    const shape = errorShape(err)
    assert.deepEqual(shape, { name: 'AggregateError', errors: [{ name: 'Error', cause: { name: 'OnionServiceNotFoundError' } }] })
    assert.ok(!JSON.stringify(shape).includes('secret-ish'))
  })

  it('is bounded on a cause cycle', () => {
    const a: any = new Error('a')
    a.cause = a
    const shape = errorShape(a)
    let depth = 0
    for (let s: any = shape; s != null; s = s.cause) depth++
    assert.ok(depth <= 6, `depth ${depth}`)
    assert.equal(findErrorNamed(a, 'Nope'), undefined)
  })

  it('RemoteError is a typed error whose cause is the shape', () => {
    const err = new RemoteError('dialer: x', { name: 'OnionServiceNotFoundError' })
    assert.equal(err.name, 'RemoteError')
    assert.ok(err instanceof Error)
    assert.deepEqual(err.cause, { name: 'OnionServiceNotFoundError' })
  })
})
