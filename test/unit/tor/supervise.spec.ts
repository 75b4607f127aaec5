/**
 * SupervisedTor on stub handles: what it reports when the control
 * connection drops, how it reopens tor (capped backoff, until it works or is
 * closed), and that dials are refused at once while tor is down.
 */
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { TorUnavailableError } from '../../../src/tor/errors.js'
import { SupervisedTor, type TorUpEvent } from '../../../src/tor/supervise.js'
import type { TorHandle } from '../../../src/tor/handle.js'

class StubHandle {
  readonly control = new EventEmitter()
  closed = 0
  constructor (readonly socks = { host: '127.0.0.1', port: 9050 }, readonly mode: 'attach' | 'managed' = 'attach') {}
  readonly controlEndpoint = { type: 'tcp', host: '127.0.0.1', port: 9051 }
  readonly description = 'stub'
  async waitForBootstrap (): Promise<void> {}
  async close (): Promise<void> { this.closed++ }
  drop (cause?: Error): void { this.control.emit('close', cause) }
}

const asHandle = (h: StubHandle): TorHandle => h as unknown as TorHandle

async function next<T> (emitter: EventEmitter, event: string): Promise<T> {
  return await new Promise(resolve => emitter.once(event, resolve))
}

describe('SupervisedTor: surviving tor restarts', () => {
  it('reports down, refuses use while down, reopens, and follows the new tor\'s SOCKS port', async () => {
    const first = new StubHandle()
    const second = new StubHandle({ host: '127.0.0.1', port: 9999 })
    let calls = 0
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const tor = new SupervisedTor(asHandle(first), async () => { calls++; await gate; return asHandle(second) }, { initialDelayMs: 1, maxDelayMs: 4 })
    assert.equal(tor.available, true)
    tor.assertAvailable()

    const down = next(tor, 'down')
    const up = next<TorUpEvent>(tor, 'up')
    const cause = new Error('connection reset')
    first.drop(cause)
    assert.deepEqual(await down, { cause })
    assert.equal(tor.available, false)
    assert.throws(() => { tor.assertAvailable() }, TorUnavailableError)
    assert.equal(first.closed, 1, 'the dropped handle is cleaned up')

    release()
    const e = await up
    assert.equal(e.attempts, 1)
    assert.equal(e.control, second.control)
    assert.equal(calls, 1)
    assert.equal(tor.available, true)
    assert.deepEqual(tor.socks, { host: '127.0.0.1', port: 9999 })
    assert.equal(tor.control, second.control as unknown)
    await tor.close()
    assert.equal(second.closed, 1)
  })

  it('keeps trying with a doubling delay capped at maxDelayMs, and reports each failed attempt', async () => {
    const first = new StubHandle()
    const later = new StubHandle()
    const delays: number[] = []
    let calls = 0
    const tor = new SupervisedTor(asHandle(first), async () => {
      if (++calls < 5) throw new Error(`refused ${calls}`)
      return asHandle(later)
    }, { initialDelayMs: 1, maxDelayMs: 4 })
    tor.on('retry', (r) => { delays.push(r.delayMs) })
    const up = next<TorUpEvent>(tor, 'up')
    first.drop()
    assert.equal((await up).attempts, 5)
    assert.deepEqual(delays, [1, 2, 4, 4])
    await tor.close()
  })

  it('a second drop after recovery is handled the same way; a drop of an old handle is ignored', async () => {
    const handles = [new StubHandle(), new StubHandle(), new StubHandle()]
    let i = 0
    const tor = new SupervisedTor(asHandle(handles[0]), async () => asHandle(handles[++i]), { initialDelayMs: 1 })
    let ups = 0
    tor.on('up', () => { ups++ })
    let up = next(tor, 'up')
    handles[0].drop()
    await up
    handles[0].drop() // stale: must not trigger anything
    up = next(tor, 'up')
    handles[1].drop()
    await up
    assert.equal(ups, 2)
    assert.equal(tor.control, handles[2].control as unknown)
    await tor.close()
  })

  it('close() stops reconnecting and closes a handle that arrives afterwards', async () => {
    const first = new StubHandle()
    const late = new StubHandle()
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const tor = new SupervisedTor(asHandle(first), async () => { await gate; return asHandle(late) }, { initialDelayMs: 1 })
    let ups = 0
    tor.on('up', () => { ups++ })
    first.drop()
    await tor.close()
    assert.throws(() => { tor.assertAvailable() }, TorUnavailableError)
    release()
    await new Promise(resolve => setTimeout(resolve, 10))
    assert.equal(ups, 0)
    assert.equal(late.closed, 1, 'the handle opened after close() is closed at once')
  })
})
