/**
 * ControlClient details left by the other specs: which argument a refused
 * raw line is blamed on, a throwing event listener (surfaced as Node would,
 * after the rest of the read is delivered), and close() against a peer that
 * never closes its side (the 2 s grace) or one that does (no timer left).
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { ControlClient } from '../../../src/control/client.js'
import { ControlConnectionClosedError, ControlProtocolError, InvalidControlArgumentError } from '../../../src/control/errors.js'
import * as cap from '../../unit/control/captured.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'
import type { ControlReply } from '../../../src/control/parser.js'

function timers (): number {
  return process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
}

describe('control client: more edge cases', () => {
  let fake: FakeTorControl
  let client: ControlClient | undefined

  beforeEach(async () => { fake = await FakeTorControl.start() })
  afterEach(async () => {
    await client?.close()
    client = undefined
    await fake.close()
  })

  it('a raw line with a line break is refused as "<VERB> command", and nothing is sent', async () => {
    client = await ControlClient.connect(fake.endpoint)
    for (const line of ['GETINFO version\r\nSIGNAL HALT', 'getinfo a\nb', 'GETINFO \u0000']) {
      await assert.rejects(client.rawCommand(line), (err: Error) => {
        assert.ok(err instanceof InvalidControlArgumentError, String(err))
        assert.equal(err.argument, 'GETINFO command')
        assert.match(err.message, /^invalid GETINFO command: contains CR, LF or NUL/)
        return true
      })
    }
    assert.equal(fake.received, '')
  })

  it('a throwing event listener surfaces as an uncaught exception after the rest of the read is delivered', async () => {
    fake.script(['GETINFO version', null])
    client = await ControlClient.connect(fake.endpoint)
    const boom = new Error('listener bug')
    const seen: string[] = []
    client.on('event', (r: ControlReply) => {
      seen.push(r.lines[0].text)
      if (r.lines[0].text === 'CIRC 1 LAUNCHED') throw boom
    })
    // mocha's own handler would fail the test: take its place while the error is expected
    const mochas = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    let uncaught: unknown
    const caught = new Promise<void>(resolve => process.once('uncaughtException', err => { uncaught = err; resolve() }))
    try {
      const pending = client.getInfo('version')
      await fake.waitForLines(1)
      // one read: an event whose listener throws, another event, then the reply
      fake.push('650 CIRC 1 LAUNCHED\r\n650 CIRC 2 LAUNCHED\r\n250-version=0.4.9.11\r\n250 OK\r\n')
      assert.deepEqual(await pending, { version: '0.4.9.11' })
      await Promise.race([caught, new Promise(resolve => setTimeout(resolve, 2000))])
    } finally {
      process.removeAllListeners('uncaughtException')
      for (const l of mochas) process.on('uncaughtException', l)
    }
    assert.equal(uncaught, boom)
    assert.deepEqual(seen, ['CIRC 1 LAUNCHED', 'CIRC 2 LAUNCHED'])
    assert.equal(client.closed, false)
  })

  it('close() of a connection tor closes too leaves no timer behind', async () => {
    client = await ControlClient.connect(fake.endpoint)
    const before = timers()
    await client.close()
    assert.equal(client.closed, true)
    assert.equal(timers(), before)
  })

  it('close() ends a connection whose peer never closes its side, after the grace period', async function () {
    this.timeout(10_000)
    // a peer that keeps its half open after our FIN, as a stuck tor could
    const sockets: net.Socket[] = []
    let accepted!: (s: net.Socket) => void
    const first = new Promise<net.Socket>(resolve => { accepted = resolve })
    const server = net.createServer({ allowHalfOpen: true }, s => { sockets.push(s); s.on('error', () => {}); s.resume(); accepted(s) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as net.AddressInfo).port
      const c = await ControlClient.connect(`127.0.0.1:${port}`)
      const peer = await first
      const ended = new Promise(resolve => peer.once('end', resolve))
      await c.close()
      await ended
      // close() resolved although the peer never ended its side
      assert.equal(c.closed, true)
      assert.equal(peer.writableEnded, false)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  })

  it('an abort whose reason is not an Error rejects with an AbortError naming the verb', async () => {
    fake.script(['GETINFO version', null])
    client = await ControlClient.connect(fake.endpoint)
    const ac = new AbortController()
    const pending = client.getInfo('version', { signal: ac.signal })
    await fake.waitForLines(1)
    ac.abort('not an error')
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError' && err.message === 'GETINFO was aborted')
  })

  it('a refused commandTimeoutMs opens no connection at all', async () => {
    let accepted = 0
    fake.server.on('connection', () => { accepted++ })
    await assert.rejects(ControlClient.connect(fake.endpoint, { commandTimeoutMs: -5 }), (err: Error) => err.name === 'InvalidParametersError')
    // connections are accepted in order: once this one is in, an earlier one would have been counted
    const seen = new Promise(resolve => fake.server.once('connection', resolve))
    client = await ControlClient.connect(fake.endpoint)
    await seen
    assert.equal(accepted, 1)
  })

  it('a connection reset fails the pending command with the socket error as its cause', async () => {
    fake.script(['GETINFO version', null])
    client = await ControlClient.connect(fake.endpoint)
    const pending = client.getInfo('version')
    await fake.waitForLines(1)
    for (const s of fake.sockets) s.resetAndDestroy()
    await assert.rejects(pending, (err: Error) => {
      assert.ok(err instanceof ControlConnectionClosedError, String(err))
      assert.equal((err.cause as NodeJS.ErrnoException)?.code, 'ECONNRESET')
      return true
    })
  })

  it('unsubscribing after the connection closed resolves and sends nothing', async () => {
    fake.script(['SETEVENTS CIRC', cap.OK])
    client = await ControlClient.connect(fake.endpoint)
    const unsubscribe = await client.subscribe('CIRC')
    const closed = new Promise(resolve => client?.once('close', resolve))
    fake.drop()
    await closed
    await unsubscribe()
    assert.deepEqual(fake.lines, ['SETEVENTS CIRC'])
  })

  it('when a given-up command leaves half a reply, the other pending commands fail with the give-up as cause, not the half reply', async () => {
    fake.script(['GETINFO version', '250-version=0.4.9.11\r\n'], ['GETINFO config-file', null])
    client = await ControlClient.connect(fake.endpoint)
    const ac = new AbortController()
    const first = client.getInfo('version', { signal: ac.signal })
    const second = client.getInfo('config-file')
    await fake.waitForLines(2)
    // give the half reply time to be read (an event cannot be used as a marker: it may not sit inside a reply)
    await new Promise(resolve => setTimeout(resolve, 20))
    const reason = new Error('give up')
    ac.abort(reason)
    await assert.rejects(first, (err: Error) => err === reason)
    await assert.rejects(second, (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'GETINFO' && err.cause === reason)
  })

  it('a connection that ends inside an event with no command waiting closes without an error', async () => {
    client = await ControlClient.connect(fake.endpoint)
    const closed = new Promise<unknown[]>(resolve => client?.once('close', (...args) => { resolve(args) }))
    fake.push('650-CIRC 1 LAUNCHED\r\n')
    await new Promise(resolve => setTimeout(resolve, 20))
    fake.drop()
    assert.deepEqual(await closed, [undefined])
  })

  it('errors without a cause have no cause property at all (a clean close, before and after)', async () => {
    fake.script(['GETINFO version', ''], ['SETEVENTS STATUS_CLIENT', cap.OK], ['GETINFO status/bootstrap-phase', null])
    client = await ControlClient.connect(fake.endpoint)
    const pending = client.getInfo('version')
    await fake.waitForLines(1)
    const c2 = await ControlClient.connect(fake.endpoint)
    const boot = c2.waitForBootstrap({ timeoutMs: 60_000 })
    // both reject when the connection drops, before assert.rejects looks at them
    pending.catch(() => {})
    boot.catch(() => {})
    await fake.waitForLines(3)
    fake.drop()
    const noCause = (err: Error): boolean => err instanceof ControlConnectionClosedError && !('cause' in err) && !/\(/.test(err.message)
    await assert.rejects(pending, noCause)
    await assert.rejects(boot, noCause)
    await assert.rejects(client.getInfo('version'), noCause)
  })

  it('aborting the second of two pending commands gives up on it and drops the connection', async () => {
    fake.script(['GETINFO version', null], ['GETINFO config-file', null])
    client = await ControlClient.connect(fake.endpoint)
    const ac = new AbortController()
    const first = client.getInfo('version')
    const second = client.getInfo('config-file', { signal: ac.signal })
    await fake.waitForLines(2)
    const reason = new Error('not that one')
    ac.abort(reason)
    await assert.rejects(second, (err: Error) => err === reason)
    await assert.rejects(first, (err: Error) => err instanceof ControlConnectionClosedError && err.cause === reason)
  })

  it('rawCommand refuses non-strings whose text would pass (true, an array) as InvalidControlArgumentError', async () => {
    client = await ControlClient.connect(fake.endpoint)
    for (const bad of [true, ['GETINFO version'], { toString: () => 'GETINFO' }]) {
      await assert.rejects(client.rawCommand(bad as unknown as string), (err: Error) => err instanceof InvalidControlArgumentError && err.argument === 'command line', String(bad))
    }
    assert.equal(fake.received, '')
  })

  it('waitForBootstrap: a GETINFO answer without status/bootstrap-phase is a protocol error about that value', async () => {
    fake.script(['SETEVENTS STATUS_CLIENT', cap.OK], ['GETINFO status/bootstrap-phase', cap.OK], ['SETEVENTS', cap.OK])
    client = await ControlClient.connect(fake.endpoint)
    await assert.rejects(client.waitForBootstrap({ timeoutMs: 60_000 }), (err: Error) =>
      err instanceof ControlProtocolError && /status\/bootstrap-phase needs a severity and an action/.test(err.message))
  })
})
