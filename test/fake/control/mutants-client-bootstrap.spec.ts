/**
 * ControlClient.waitForBootstrap, the glue around the pure waitForBootstrap:
 * which STATUS_CLIENT events it takes, how a closed connection ends it, and
 * when it gives back its STATUS_CLIENT subscription (awaited after success,
 * not after an abort, and a refusal only logged).
 */
import assert from 'node:assert/strict'
import { ControlClient } from '../../../src/control/client.js'
import { ControlConnectionClosedError, ControlProtocolError } from '../../../src/control/errors.js'
import * as cap from '../../unit/control/captured.js'
import { captureLog } from '../../fixtures/capture-log.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'

const PHASE_5 = '250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay"\r\n250 OK\r\n'
const DONE_EVENT = '650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"\r\n'

describe('control client: waitForBootstrap glue', () => {
  let fake: FakeTorControl
  let client: ControlClient | undefined

  beforeEach(async () => { fake = await FakeTorControl.start() })
  afterEach(async () => {
    await client?.close()
    client = undefined
    await fake.close()
  })

  it('ignores STATUS_CLIENT events that are not BOOTSTRAP (also one in the same read as the SETEVENTS reply), and returns only once tor took the release', async () => {
    // the first SETEVENTS is answered with a BOOTSTRAP event in the same
    // read, before the wait has hooked its handler: that event is left to the poll
    fake.script(
      ['SETEVENTS STATUS_CLIENT', '250 OK\r\n650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=2 TAG=x SUMMARY="early"\r\n'],
      ['GETINFO status/bootstrap-phase', PHASE_5],
      ['SETEVENTS', null]
    )
    const c = client = await ControlClient.connect(fake.endpoint)
    const closeListeners = c.listenerCount('close')
    const seen: number[] = []
    let settled = false
    const done = c.waitForBootstrap({ onProgress: s => seen.push(s.progress), timeoutMs: 60_000 })
    void done.then(() => { settled = true }, () => { settled = true })
    await fake.waitForLines(2)
    const other = new Promise(resolve => c.once('status_client', resolve))
    fake.push('650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED\r\n')
    assert.equal((await other as { action: string }).action, 'CIRCUIT_ESTABLISHED')
    fake.push(DONE_EVENT)
    await fake.waitForLines(3)
    // the release (SETEVENTS with no events) is sent but not answered yet
    assert.equal(settled, false)
    assert.deepEqual(c.events, ['STATUS_CLIENT'])
    fake.push(cap.OK)
    await done
    assert.deepEqual(seen, [5, 100])
    assert.deepEqual(c.events, [])
    assert.equal(c.listenerCount('close'), closeListeners)
    assert.deepEqual(fake.unexpected, [])
  })

  it('a connection dropped by a protocol error ends the wait as ControlConnectionClosedError("waitForBootstrap") caused by it', async () => {
    fake.script(['SETEVENTS STATUS_CLIENT', cap.OK], ['GETINFO status/bootstrap-phase', null])
    const c = client = await ControlClient.connect(fake.endpoint)
    const done = c.waitForBootstrap({ timeoutMs: 60_000 })
    await fake.waitForLines(2)
    fake.push('not a reply\r\n')
    await assert.rejects(done, (err: Error) => {
      assert.ok(err instanceof ControlConnectionClosedError, String(err))
      assert.equal(err.command, 'waitForBootstrap')
      assert.ok(err.cause instanceof ControlProtocolError, String(err.cause))
      return true
    })
  })

  it('a connection that simply ends stops the wait as ControlConnectionClosedError("waitForBootstrap") without a cause', async () => {
    fake.script(['SETEVENTS STATUS_CLIENT', cap.OK], ['GETINFO status/bootstrap-phase', null])
    const c = client = await ControlClient.connect(fake.endpoint)
    const done = c.waitForBootstrap({ timeoutMs: 60_000 })
    await fake.waitForLines(2)
    fake.drop()
    await assert.rejects(done, (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'waitForBootstrap' && err.cause === undefined)
  })

  it('after an abort it returns with the reason at once, without waiting for tor to take the release', async () => {
    fake.script(['SETEVENTS STATUS_CLIENT', cap.OK], ['GETINFO status/bootstrap-phase', PHASE_5], ['SETEVENTS', null])
    const c = client = await ControlClient.connect(fake.endpoint)
    const ac = new AbortController()
    const done = c.waitForBootstrap({ signal: ac.signal, timeoutMs: 60_000 })
    await fake.waitForLines(2)
    ac.abort(new Error('stop now'))
    await assert.rejects(done, /stop now/)
    await fake.waitForLines(3)
    assert.equal(fake.lines[2], 'SETEVENTS')
  })

  it('a refused release is logged, and the wait still succeeds', async () => {
    fake.script(
      ['SETEVENTS STATUS_CLIENT', cap.OK],
      ['GETINFO status/bootstrap-phase', '250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"\r\n250 OK\r\n'],
      ['SETEVENTS', '552 Unrecognized event\r\n']
    )
    const { entries } = await captureLog(['libp2p:tor:control:error'], async () => {
      const c = client = await ControlClient.connect(fake.endpoint)
      await c.waitForBootstrap({ timeoutMs: 60_000 })
    })
    assert.equal(entries.length, 1)
    assert.ok(entries[0].message.startsWith('could not release STATUS_CLIENT: ControlReplyError: tor answered SETEVENTS with 552 "Unrecognized event"'), entries[0].message)
  })
})
