/**
 * ControlClient details left by the other specs: which argument a refused
 * raw line is blamed on, a throwing event listener (surfaced as Node would,
 * after the rest of the read is delivered), and close() against a peer that
 * never closes its side (the 2 s grace) or one that does (no timer left).
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { ControlClient } from '../../../src/control/client.js'
import { InvalidControlArgumentError } from '../../../src/control/errors.js'
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
})
