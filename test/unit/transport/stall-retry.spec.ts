/**
 * connectRetryingStall alone, with a fake connect and a fake clock: a dial
 * on an isolation group used before gets the short stall deadline, and on
 * a TimeoutError exactly one retry on fresh credentials with the rest of
 * the budget; anything else is final.
 */
import assert from 'node:assert/strict'
import { TimeoutError } from '@libp2p/interface'
import { StreamIsolation } from '../../../transports/tor/isolation.js'
import { DIAL_STALL_MS, connectRetryingStall } from '../../../transports/tor/stall-retry.js'
import { OnionIntroFailedError } from '../../../src/socks/index.js'
import { TOR_BUILD_ADDRESS } from '../onion/vectors.js'
import type { SocksCredentials } from '../../../transports/tor/isolation.js'

const ID = TOR_BUILD_ADDRESS
const BUDGET = 120_000

interface Attempt { password?: string, timeoutMs: number }

/** A connect that answers from `script` in order: an Error rejects, anything else resolves; the clock advances by each attempt's `takes`. */
function fakeConnect (script: Array<{ result: Error | string, takes: number }>): { connect: (c: SocksCredentials, t: number) => Promise<string>, attempts: Attempt[], now: () => number } {
  let clock = 1_000
  const attempts: Attempt[] = []
  return {
    attempts,
    now: () => clock,
    connect: async (credentials, timeoutMs) => {
      const step = script[attempts.length]
      attempts.push({ password: credentials.password, timeoutMs })
      assert.ok(step != null, `unexpected attempt ${attempts.length}`)
      clock += step.takes
      if (step.result instanceof Error) throw step.result
      return step.result
    }
  }
}

describe('connectRetryingStall', () => {
  it('a first dial to a peer gets the whole budget, and its timeout is final', async () => {
    const iso = new StreamIsolation('peer')
    const fake = fakeConnect([{ result: new TimeoutError('t'), takes: BUDGET }])
    await assert.rejects(connectRetryingStall({ serviceId: ID, isolation: iso, timeoutMs: BUDGET, ...fake }), { name: 'TimeoutError' })
    assert.deepEqual(fake.attempts, [{ password: fake.attempts[0].password, timeoutMs: BUDGET }])
  })

  it('a dial on a used group stalls after DIAL_STALL_MS, then retries once on fresh credentials with the rest of the budget', async () => {
    const iso = new StreamIsolation('peer')
    const old = iso.credentialsFor(ID).password
    const fake = fakeConnect([{ result: new TimeoutError('stalled'), takes: DIAL_STALL_MS }, { result: 'socket', takes: 500 }])
    const stalls: number[] = []
    const socket = await connectRetryingStall({ serviceId: ID, isolation: iso, timeoutMs: BUDGET, onStall: ms => stalls.push(ms), ...fake })
    assert.equal(socket, 'socket')
    assert.equal(fake.attempts.length, 2)
    assert.deepEqual(fake.attempts[0], { password: old, timeoutMs: DIAL_STALL_MS })
    assert.notEqual(fake.attempts[1].password, old)
    assert.equal(fake.attempts[1].timeoutMs, BUDGET - DIAL_STALL_MS)
    assert.deepEqual(stalls, [DIAL_STALL_MS])
    // the next dial uses the new group (and treats it as used)
    assert.equal(iso.usedBefore(ID), true)
    assert.equal(iso.credentialsFor(ID).password, fake.attempts[1].password)
  })

  it('the retry\'s onion error is what the caller gets, and there is no third attempt', async () => {
    const iso = new StreamIsolation('peer')
    iso.credentialsFor(ID)
    const fake = fakeConnect([{ result: new TimeoutError('stalled'), takes: DIAL_STALL_MS }, { result: new OnionIntroFailedError(`${ID}.onion:7777`), takes: 4_000 }])
    await assert.rejects(connectRetryingStall({ serviceId: ID, isolation: iso, timeoutMs: BUDGET, ...fake }), { name: 'OnionIntroFailedError' })
    assert.equal(fake.attempts.length, 2)
  })

  it('a used group that fails with anything but a timeout is final (no retry)', async () => {
    const iso = new StreamIsolation('peer')
    iso.credentialsFor(ID)
    const fake = fakeConnect([{ result: new OnionIntroFailedError(`${ID}.onion:7777`), takes: 4_000 }])
    await assert.rejects(connectRetryingStall({ serviceId: ID, isolation: iso, timeoutMs: BUDGET, ...fake }), { name: 'OnionIntroFailedError' })
    assert.equal(fake.attempts.length, 1)
  })

  it('no retry once the caller\'s signal has aborted', async () => {
    const iso = new StreamIsolation('peer')
    iso.credentialsFor(ID)
    const controller = new AbortController()
    controller.abort()
    const fake = fakeConnect([{ result: new TimeoutError('stalled'), takes: DIAL_STALL_MS }])
    await assert.rejects(connectRetryingStall({ serviceId: ID, isolation: iso, timeoutMs: BUDGET, signal: controller.signal, ...fake }), { name: 'TimeoutError' })
    assert.equal(fake.attempts.length, 1)
  })

  it('a budget no longer than the stall deadline is one attempt with the whole budget', async () => {
    const iso = new StreamIsolation('peer')
    iso.credentialsFor(ID)
    const fake = fakeConnect([{ result: new TimeoutError('t'), takes: 5_000 }])
    await assert.rejects(connectRetryingStall({ serviceId: ID, isolation: iso, timeoutMs: 5_000, ...fake }), { name: 'TimeoutError' })
    assert.deepEqual(fake.attempts.map(a => a.timeoutMs), [5_000])
  })

  it("'connection' isolation never counts as reused: one attempt with the whole budget", async () => {
    const iso = new StreamIsolation('connection')
    iso.credentialsFor(ID)
    const fake = fakeConnect([{ result: new TimeoutError('t'), takes: BUDGET }])
    await assert.rejects(connectRetryingStall({ serviceId: ID, isolation: iso, timeoutMs: BUDGET, ...fake }), { name: 'TimeoutError' })
    assert.deepEqual(fake.attempts.map(a => a.timeoutMs), [BUDGET])
  })
})
