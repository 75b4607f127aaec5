/**
 * Issue 12: every control command has a deadline and takes an AbortSignal.
 * A command that times out or is aborted drops the connection (a late reply
 * would otherwise be matched to the next command in the FIFO), so every
 * other pending command fails with ControlConnectionClosedError.
 */
import assert from 'node:assert/strict'
import { ControlClient, DEFAULT_COMMAND_TIMEOUT_MS } from '../../../src/control/client.js'
import { ControlConnectionClosedError, ControlTimeoutError } from '../../../src/control/errors.js'
import * as cap from '../../unit/control/captured.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'

const VERSION_REPLY = '250-version=0.4.9.11\r\n250 OK\r\n'

describe('control client: deadlines and abort', () => {
  let fake: FakeTorControl
  let client: ControlClient | undefined

  beforeEach(async () => { fake = await FakeTorControl.start() })
  afterEach(async () => {
    await client?.close()
    client = undefined
    await fake.close()
  })

  async function connect (commandTimeoutMs?: number): Promise<ControlClient> {
    client = await ControlClient.connect(fake.endpoint, { commandTimeoutMs })
    return client
  }

  it('has a default deadline of 30 s per command', () => {
    assert.equal(DEFAULT_COMMAND_TIMEOUT_MS, 30_000)
  })

  it('a command tor never answers rejects with ControlTimeoutError naming the verb, and drops the connection', async () => {
    fake.script(['GETINFO version', VERSION_REPLY], ['GETINFO config-text', null])
    const c = await connect()
    await c.getInfo('version')
    const closed = new Promise<Error | undefined>(resolve => c.once('close', resolve))
    const err = await c.getInfo('config-text', { timeoutMs: 100 }).then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof ControlTimeoutError, String(err))
    assert.equal(err.command, 'GETINFO')
    assert.equal(err.timeoutMs, 100)
    assert.equal(err.endpoint, fake.address)
    assert.match(err.message, /did not answer GETINFO within 0\.1 s/)
    assert.ok((await closed) === err)
    assert.equal(c.closed, true)
    await fake.waitForDisconnect()
  })

  it('the per-client commandTimeoutMs applies to every command', async () => {
    fake.script(['SIGNAL NEWNYM', null])
    const c = await connect(100)
    await assert.rejects(c.signal('NEWNYM'), (err: Error) => err instanceof ControlTimeoutError && err.command === 'SIGNAL' && err.timeoutMs === 100)
  })

  it('a timed-out command fails every other pending command with ControlConnectionClosedError, and no late reply is matched to a later command', async () => {
    fake.script(['GETINFO version', null], [/^ADD_ONION /, null])
    const c = await connect()
    const first = c.getInfo('version', { timeoutMs: 100 })
    const second = c.addOnion({ ports: [{ virtualPort: 80 }] })
    await assert.rejects(first, ControlTimeoutError)
    await assert.rejects(second, (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'ADD_ONION' && err.cause instanceof ControlTimeoutError)
    // the late reply to GETINFO would have answered the next command; the connection is gone instead
    await assert.rejects(c.getInfo('version'), ControlConnectionClosedError)
  })

  it('aborting a pending command rejects at once with the reason, and drops the connection', async () => {
    fake.script(['GETINFO version', null], ['SIGNAL NEWNYM', null])
    const c = await connect()
    const ac = new AbortController()
    const first = c.getInfo('version', { signal: ac.signal })
    const second = c.signal('NEWNYM')
    await fake.waitForLines(2)
    const reason = new Error('given up')
    ac.abort(reason)
    await assert.rejects(first, (err: Error) => err === reason)
    await assert.rejects(second, (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'SIGNAL' && err.cause === reason)
    assert.equal(c.closed, true)
  })

  it('an abort without a reason is an AbortError naming the verb', async () => {
    fake.script(['GETINFO version', null])
    const c = await connect()
    const ac = new AbortController()
    const p = c.getInfo('version', { signal: ac.signal })
    await fake.waitForLines(1)
    ac.abort()
    await assert.rejects(p, { name: 'AbortError' })
  })

  it('an already aborted signal sends nothing and keeps the connection', async () => {
    fake.script(['GETINFO version', VERSION_REPLY])
    const c = await connect()
    await assert.rejects(c.getInfo('version', { signal: AbortSignal.abort(new Error('too late')) }), /too late/)
    assert.equal(fake.received, '')
    assert.equal(c.closed, false)
    assert.deepEqual(await c.getInfo('version'), { version: '0.4.9.11' })
  })

  it('an answered command leaves no timer or listener behind', async () => {
    fake.script(['GETINFO version', VERSION_REPLY])
    const c = await connect()
    const ac = new AbortController()
    await c.getInfo('version', { signal: ac.signal, timeoutMs: 100 })
    ac.abort(new Error('after the answer'))
    await new Promise(resolve => setTimeout(resolve, 150))
    assert.equal(c.closed, false)
  })

  it('authenticate(): a port that accepts and never answers fails with ControlTimeoutError saying so', async () => {
    fake.script(['PROTOCOLINFO 1', null])
    const c = await connect()
    const err = await c.authenticate({ timeoutMs: 100 }).then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof ControlTimeoutError, String(err))
    assert.equal(err.command, 'PROTOCOLINFO')
    assert.match(err.message, /accepted the connection but never answered PROTOCOLINFO within 0\.1 s: is it tor's ControlPort\?/)
    assert.equal(c.closed, true)
  })

  it('authenticate(): its signal aborts a stuck AUTHENTICATE', async () => {
    fake.script(['PROTOCOLINFO 1', cap.PROTOCOLINFO_NULL], ['AUTHENTICATE', null])
    const c = await connect()
    const ac = new AbortController()
    const p = c.authenticate({ signal: ac.signal })
    await fake.waitForLines(2)
    ac.abort(new Error('stop'))
    await assert.rejects(p, /stop/)
    assert.equal(c.closed, true)
  })
})
