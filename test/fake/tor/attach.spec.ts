/**
 * attachTor() against the fake control server: which endpoint it uses, how
 * it finds SOCKS, and what it leaves behind when something fails.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { attachTor, TorNotFoundError } from '../../../src/tor/index.js'
import { ATTACH_COMMAND_TIMEOUT_MS } from '../../../src/tor/attach.js'
import type { TorHandle } from '../../../src/tor/index.js'
import * as cap from '../../unit/control/captured.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'

function protocolInfo (methods: string): string {
  return `250-PROTOCOLINFO 1\r\n250-AUTH METHODS=${methods}\r\n250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n`
}

/** A loopback port that refuses connections (it was free a moment ago). */
async function refusedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const settled = await Promise.race([
    promise.then(() => true, () => true),
    new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, ms) })
  ])
  clearTimeout(timer)
  return settled
}

describe('attachTor against a fake control port', () => {
  let fake: FakeTorControl
  let handle: TorHandle | undefined

  beforeEach(async () => { fake = await FakeTorControl.start() })
  afterEach(async () => {
    await handle?.close()
    handle = undefined
    await fake.close()
  })

  it('uses the explicit control endpoint, authenticates, and close() leaves tor running', async () => {
    fake.script(['PROTOCOLINFO 1', protocolInfo('NULL')], ['AUTHENTICATE', cap.OK])
    handle = await attachTor({ control: fake.address, socks: '127.0.0.1:9999' })
    assert.equal(handle.mode, 'attach')
    assert.equal(handle.pid, undefined)
    assert.deepEqual(handle.controlEndpoint, fake.endpoint)
    assert.deepEqual(handle.socks, { host: '127.0.0.1', port: 9999 })
    assert.match(handle.description, new RegExp(`control ${fake.address} \\(NULL\\), socks 127\\.0\\.0\\.1:9999`))
    assert.equal(fake.received, 'PROTOCOLINFO 1\r\nAUTHENTICATE\r\n')
    await handle.close()
    await fake.waitForDisconnect()
    // attach mode sends nothing that would stop tor (no SIGNAL, no TAKEOWNERSHIP)
    assert.equal(fake.received, 'PROTOCOLINFO 1\r\nAUTHENTICATE\r\n')
  })

  it('finds SOCKS through GETINFO net/listeners/socks, skipping unix listeners and mapping a wildcard bind to loopback', async () => {
    fake.script(
      ['PROTOCOLINFO 1', protocolInfo('NULL')],
      ['AUTHENTICATE', cap.OK],
      ['GETINFO net/listeners/socks', '250-net/listeners/socks="unix:/run/tor/socks" "0.0.0.0:19050"\r\n250 OK\r\n']
    )
    handle = await attachTor({ control: fake.endpoint })
    assert.deepEqual(handle.socks, { host: '127.0.0.1', port: 19050 })
    assert.equal(fake.remaining, 0)
    assert.deepEqual(fake.unexpected, [])
  })

  it('with SOCKS given explicitly, does not ask tor for its listeners', async () => {
    fake.script(['PROTOCOLINFO 1', protocolInfo('NULL')], ['AUTHENTICATE', cap.OK])
    handle = await attachTor({ control: fake.endpoint, socks: { host: '127.0.0.1', port: 19051 } })
    assert.deepEqual(handle.socks, { host: '127.0.0.1', port: 19051 })
    assert.ok(!fake.lines.some(l => l.startsWith('GETINFO')), fake.lines.join(' | '))
  })

  it('a rejected password rejects with WrongPasswordError and closes the control connection', async () => {
    fake.script(['PROTOCOLINFO 1', protocolInfo('HASHEDPASSWORD')], ['AUTHENTICATE "wrong"', cap.WRONG_PASSWORD])
    await assert.rejects(attachTor({ control: fake.endpoint, socks: '9050', password: 'wrong' }), { name: 'WrongPasswordError' })
    assert.equal(fake.remaining, 0)
    await fake.waitForDisconnect()
    assert.equal(fake.sockets.size, 0)
  })

  it('an auth failure before any exchange (no usable method) rejects and still closes the control connection', async () => {
    // the control client keeps the connection open after this error; attachTor must close it
    fake.script(['PROTOCOLINFO 1', protocolInfo('HASHEDPASSWORD')])
    await assert.rejects(attachTor({ control: fake.endpoint, socks: '9050' }), { name: 'NoUsableAuthMethodError' })
    await fake.waitForDisconnect()
    assert.equal(fake.received, 'PROTOCOLINFO 1\r\n')
  })

  it('a control endpoint that refuses connections gives TorNotFoundError listing what was tried', async () => {
    const port = await refusedPort()
    const err = await attachTor({ control: `127.0.0.1:${port}`, socks: '9050' }).then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof TorNotFoundError, String(err))
    assert.equal(err.kind, 'control')
    assert.deepEqual(err.tried, [`127.0.0.1:${port}`])
    assert.match(err.message, new RegExp(`tried 127\\.0\\.0\\.1:${port}\\)`))
  })

  // Issue 12: the connect timeout covered only the TCP connect, so a port
  // that accepts and never answers PROTOCOLINFO left attachTor() pending
  // forever, even after its signal aborted. Now the signal reaches
  // PROTOCOLINFO and AUTHENTICATE, and each has a deadline.
  it('a control port that accepts and never answers: aborting rejects at once with the reason and drops the connection', async () => {
    fake.script(['PROTOCOLINFO 1', null])
    const ac = new AbortController()
    const attaching = attachTor({ control: fake.endpoint, socks: '9050', signal: ac.signal })
    attaching.catch(() => {})
    await fake.waitForLines(1)
    ac.abort(new Error('given up'))
    assert.equal(await settlesWithin(attaching, 1000), true, 'attachTor ignored its signal while PROTOCOLINFO was unanswered')
    await assert.rejects(attaching, /given up/)
    await fake.waitForDisconnect()
  })

  it('a control port that accepts and never answers fails within the deadline, saying it never answered', async () => {
    fake.script(['PROTOCOLINFO 1', null])
    const err = await attachTor({ control: fake.endpoint, socks: '9050', commandTimeoutMs: 200 }).then(() => undefined, (e: Error) => e)
    assert.equal(err?.name, 'ControlTimeoutError', String(err))
    assert.match(err.message, new RegExp(`^${fake.address.replace(/\./g, '\\.')} accepted the connection but never answered PROTOCOLINFO within 0\\.2 s: is it tor's ControlPort\\?`))
    await fake.waitForDisconnect()
  })

  it('a stuck AUTHENTICATE is bounded too', async () => {
    fake.script(['PROTOCOLINFO 1', protocolInfo('NULL')], ['AUTHENTICATE', null])
    await assert.rejects(attachTor({ control: fake.endpoint, socks: '9050', commandTimeoutMs: 200 }), (err: Error) =>
      err.name === 'ControlTimeoutError' && (err as any).command === 'AUTHENTICATE' && /tor did not answer AUTHENTICATE within 0\.2 s/.test(err.message))
    await fake.waitForDisconnect()
  })

  it('by default, attach allows each authentication command 10 s', () => {
    assert.equal(ATTACH_COMMAND_TIMEOUT_MS, 10_000)
  })
})
