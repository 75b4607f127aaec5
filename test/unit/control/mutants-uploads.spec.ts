/**
 * watchUploads() on a stub control client (an EventEmitter with subscribe()
 * and `closed`): which HS_DESC actions count, when every started upload has
 * failed, what a wait on a closed connection or an aborted signal does, and
 * that a finished wait leaves no listener behind.
 */
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { UploadFailedError, UploadWaitClosedError } from '../../../src/control/errors.js'
import { watchUploads } from '../../../src/control/uploads.js'
import type { ControlClient } from '../../../src/control/client.js'
import type { HsDescEvent } from '../../../src/control/events.js'

const ID = 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd'
const OTHER = 'skpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad'

class StubClient extends EventEmitter {
  closed = false
  handler: ((e: HsDescEvent) => void) | undefined
  subscribed: string[] = []
  released = 0

  async subscribe (event: string, handler: (e: HsDescEvent) => void): Promise<() => Promise<void>> {
    this.subscribed.push(event)
    this.handler = handler
    return async () => { this.released++ }
  }

  emitHsDesc (action: string, hsDir: string, address = ID, reason?: string): void {
    const e: HsDescEvent = { action, address, authType: 'NO_AUTH', hsDir, args: reason != null ? { REASON: reason } : {}, raw: `HS_DESC ${action}` }
    if (reason != null) e.reason = reason
    this.handler?.(e)
  }

  close (cause?: Error): void {
    this.closed = true
    this.emit('close', cause)
  }
}

async function settledState (p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending'
  p.then(() => { state = 'resolved' }, () => { state = 'rejected' })
  await new Promise(resolve => setImmediate(resolve))
  return state
}

describe('control watchUploads (unit, stub client)', () => {
  it('subscribes HS_DESC and shows every event, of any service and action, to onEvent', async () => {
    const client = new StubClient()
    const seen: string[] = []
    await watchUploads(client as unknown as ControlClient, { onEvent: e => seen.push(`${e.action} ${e.address.slice(0, 4)}`) })
    assert.deepEqual(client.subscribed, ['HS_DESC'])
    client.emitHsDesc('CREATED', 'UNKNOWN')
    client.emitHsDesc('UPLOAD', '$A~a', OTHER)
    client.emitHsDesc('RECEIVED', '$A~a')
    assert.deepEqual(seen, ['CREATED e57t', 'UPLOAD skpy', 'RECEIVED e57t'])
  })

  it('resolves for an UPLOADED seen before the wait began', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    client.emitHsDesc('UPLOAD', '$A~a')
    client.emitHsDesc('UPLOADED', '$A~a')
    await watch.waitForUpload(ID, { timeoutMs: 60_000 })
  })

  it('a FAILED before any UPLOAD does not end the wait', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    const waiting = watch.waitForUpload(ID, { timeoutMs: 60_000 })
    client.emitHsDesc('FAILED', '$Z~z', ID, 'QUERY_NO_HSDIR')
    assert.equal(await settledState(waiting), 'pending', 'no upload started yet')
    client.emitHsDesc('UPLOADED', '$Y~y')
    await waiting
  })

  it('rejects only once every started upload FAILED, with each reason (UNKNOWN when none came)', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    const waiting = watch.waitForUpload(ID, { timeoutMs: 60_000 })
    client.emitHsDesc('UPLOAD', '$A~a')
    client.emitHsDesc('UPLOAD', '$B~b')
    client.emitHsDesc('UPLOAD', '$C~c')
    client.emitHsDesc('UPLOAD', '$C~c') // the same directory twice is one upload
    client.emitHsDesc('FAILED', '$A~a', ID, 'UPLOAD_REJECTED')
    client.emitHsDesc('FAILED', '$B~b')
    assert.equal(await settledState(waiting), 'pending', 'two of three failed')
    client.emitHsDesc('FAILED', '$C~c', ID, 'UPLOAD_REJECTED')
    await assert.rejects(waiting, (err: Error) => {
      assert.ok(err instanceof UploadFailedError)
      assert.equal(err.serviceId, ID)
      assert.deepEqual(err.reasons, ['UPLOAD_REJECTED', 'UNKNOWN', 'UPLOAD_REJECTED'])
      return true
    })
  })

  it('actions other than UPLOAD, UPLOADED and FAILED change nothing', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    client.emitHsDesc('UPLOAD', '$A~a')
    const waiting = watch.waitForUpload(ID, { timeoutMs: 60_000 })
    for (const action of ['CREATED', 'REQUESTED', 'RECEIVED', 'IGNORE', 'UPLOADED_X', 'upload']) client.emitHsDesc(action, '$A~a', ID, 'X')
    assert.equal(await settledState(waiting), 'pending')
    client.emitHsDesc('UPLOADED', '$A~a')
    await waiting
  })

  it('UPLOADED wins even after every upload failed before the wait', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    client.emitHsDesc('UPLOAD', '$A~a')
    client.emitHsDesc('UPLOADED', '$B~b')
    client.emitHsDesc('FAILED', '$A~a')
    await watch.waitForUpload(ID, { timeoutMs: 60_000 })
  })

  it('rejects at once with the reason of an already aborted signal, before looking at the state', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    client.emitHsDesc('UPLOADED', '$A~a')
    const reason = new Error('gone')
    await assert.rejects(watch.waitForUpload(ID, { signal: AbortSignal.abort(reason), timeoutMs: 60_000 }), (err: Error) => err === reason)
  })

  it('rejects with UploadWaitClosedError on a client already closed, and carries the cause of a later close', async () => {
    const closed = new StubClient()
    const watchClosed = await watchUploads(closed as unknown as ControlClient)
    closed.closed = true
    await assert.rejects(watchClosed.waitForUpload(ID, { timeoutMs: 60_000 }), (err: Error) => err instanceof UploadWaitClosedError && err.cause === undefined && !('cause' in err))

    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    const waiting = watch.waitForUpload(ID, { timeoutMs: 60_000 })
    const cause = new Error('ECONNRESET')
    client.close(cause)
    await assert.rejects(waiting, (err: Error) => err instanceof UploadWaitClosedError && err.serviceId === ID && err.cause === cause)
  })

  it('a finished wait removes its close and abort listeners, and later events do not touch it', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    const ac = new AbortController()
    let abortListeners = 0
    const add = ac.signal.addEventListener.bind(ac.signal)
    const remove = ac.signal.removeEventListener.bind(ac.signal)
    ac.signal.addEventListener = ((...args: Parameters<typeof add>) => { if (args[0] === 'abort') abortListeners++; add(...args) }) as typeof add
    ac.signal.removeEventListener = ((...args: Parameters<typeof remove>) => { if (args[0] === 'abort') abortListeners--; remove(...args) }) as typeof remove
    const waiting = watch.waitForUpload(ID, { signal: ac.signal, timeoutMs: 60_000 })
    assert.equal(client.listenerCount('close'), 1)
    assert.equal(abortListeners, 1)
    client.emitHsDesc('UPLOADED', '$A~a')
    await waiting
    assert.equal(client.listenerCount('close'), 0)
    assert.equal(abortListeners, 0)
    // a second wait for the same service resolves at once and leaves nothing either
    await watch.waitForUpload(ID, { timeoutMs: 60_000 })
    assert.equal(client.listenerCount('close'), 0)
    ac.abort()
    client.close()
  })

  it('stop() releases the subscription once, and not at all on a closed client', async () => {
    const client = new StubClient()
    const watch = await watchUploads(client as unknown as ControlClient)
    await watch.stop()
    await watch.stop()
    assert.equal(client.released, 1)

    const closed = new StubClient()
    const watchClosed = await watchUploads(closed as unknown as ControlClient)
    closed.closed = true
    await watchClosed.stop()
    assert.equal(closed.released, 0)
  })
})
