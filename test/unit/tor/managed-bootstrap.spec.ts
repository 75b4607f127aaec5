/**
 * The pure parts of a managed tor's bootstrap wait (src/tor/managed.ts): when
 * tor's STATUS_CLIENT problem events mean "cannot reach any relay", and the
 * latest warning of its log.
 */
import assert from 'node:assert/strict'
import { parseStatusClientEvent } from '../../../src/control/index.js'
import { bootstrapProblemWatcher, latestLogWarning } from '../../../src/tor/managed.js'

function problem (count: number | string, recommendation: string): string {
  return `650 STATUS_CLIENT WARN BOOTSTRAP PROGRESS=14 TAG=handshake SUMMARY="Handshaking with a relay" WARNING="DONE" REASON=DONE COUNT=${count} RECOMMENDATION=${recommendation} HOSTID="F2044413DAC2E02E3D6BCF4735A19BCA1DE97281" HOST="131.188.40.189:443"`
}

describe('managed tor: giving up on a tor that cannot reach any relay', () => {
  function run (lines: string[], max = 10): Array<{ count: number, progress: number }> {
    const calls: Array<{ count: number, progress: number }> = []
    const watch = bootstrapProblemWatcher(max, (at, count) => { calls.push({ count, progress: at.progress }) })
    for (const line of lines) watch(parseStatusClientEvent(line))
    return calls
  }

  it('gives up at COUNT >= the threshold with RECOMMENDATION=warn (as captured from tor 0.4.9 without network)', () => {
    assert.deepEqual(run([problem(9, 'ignore'), problem(10, 'warn')]), [{ count: 10, progress: 14 }])
  })

  it('does not give up on RECOMMENDATION=ignore, below the threshold, on NOTICE events, or with a threshold of 0', () => {
    assert.deepEqual(run([problem(50, 'ignore')]), [])
    assert.deepEqual(run([problem(3, 'warn')]), [])
    assert.deepEqual(run(['650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=14 TAG=handshake SUMMARY="Handshaking with a relay"']), [])
    assert.deepEqual(run([problem(10, 'warn')], 0), [])
  })

  it('counts the events itself when COUNT is missing or malformed', () => {
    const noCount = (r: string): string => problem(1, r).replace(/ COUNT=1/, '')
    assert.deepEqual(run([noCount('warn'), noCount('warn'), noCount('warn')], 3), [{ count: 3, progress: 14 }])
    assert.deepEqual(run([problem('x', 'warn'), problem('x', 'warn')], 2), [{ count: 2, progress: 14 }])
  })

  it('latestLogWarning: the last [warn] or [err] line without its timestamp; undefined without one', () => {
    const log = [
      'Dec 02 09:32:34.000 [notice] Bootstrapped 14% (handshake): Handshaking with a relay',
      'Dec 02 09:33:18.000 [warn] Problem bootstrapping. Stuck at 14% (handshake): Handshaking with a relay. (DONE; DONE; count 10; recommendation warn)',
      'Dec 02 09:33:18.000 [notice] Bootstrapped 14% (handshake): Handshaking with a relay'
    ]
    assert.equal(latestLogWarning(log), 'Problem bootstrapping. Stuck at 14% (handshake): Handshaking with a relay. (DONE; DONE; count 10; recommendation warn)')
    assert.equal(latestLogWarning(log.filter(l => !l.includes('[warn]'))), undefined)
    assert.equal(latestLogWarning([]), undefined)
  })
})
