/**
 * ControlClient details the other fake-port specs leave open: the deadline
 * options it refuses, which raw command lines it accepts, the 2xx
 * boundaries, the verb named for a lower-case raw command, the cause on a
 * closed connection, and a reply nobody asked for.
 */
import assert from 'node:assert/strict'
import { ControlClient } from '../../../src/control/client.js'
import { ControlConnectionClosedError, ControlProtocolError, ControlReplyError, InvalidControlArgumentError } from '../../../src/control/errors.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'

describe('control client: edge cases', () => {
  let fake: FakeTorControl
  let client: ControlClient | undefined

  beforeEach(async () => { fake = await FakeTorControl.start() })
  afterEach(async () => {
    await client?.close()
    client = undefined
    await fake.close()
  })

  it('refuses a commandTimeoutMs or timeoutMs that is not a positive number, naming the option', async () => {
    for (const bad of [0, -1, Number.NaN, '100' as unknown as number]) {
      await assert.rejects(ControlClient.connect(fake.endpoint, { commandTimeoutMs: bad }), (err: Error) =>
        err.name === 'InvalidParametersError' && err.message === `commandTimeoutMs must be a positive number of milliseconds (or Infinity), got ${String(bad)}`)
    }
    client = await ControlClient.connect(fake.endpoint, { commandTimeoutMs: Infinity })
    await assert.rejects(client.getInfo('version', { timeoutMs: 0 }), (err: Error) =>
      err.name === 'InvalidParametersError' && err.message === 'timeoutMs must be a positive number of milliseconds (or Infinity), got 0')
    assert.deepEqual(fake.lines, [])
  })

  it('rawCommand accepts a bare keyword or keyword + space, and sends its line as is', async () => {
    fake.script(['GETINFO', '250 OK\r\n'], ['getinfo version', '552 Unrecognized key "x"\r\n'], ['AB_C x', '250 OK\r\n'])
    client = await ControlClient.connect(fake.endpoint)
    assert.equal((await client.rawCommand('GETINFO')).status, 250)
    assert.equal((await client.rawCommand('getinfo version')).status, 552)
    assert.equal((await client.rawCommand('AB_C x')).status, 250)
    for (const bad of [42, '', ' GETINFO', '1GETINFO', 'GET-INFO x', 'GETINFO\tversion', '+LOADCONF']) {
      await assert.rejects(client.rawCommand(bad as string), (err: Error) => err instanceof InvalidControlArgumentError && err.argument === 'command line' &&
        /must start with a command keyword/.test(err.message), String(bad))
    }
    assert.deepEqual(fake.lines, ['GETINFO', 'getinfo version', 'AB_C x'])
  })

  it('takes 200 and 299 as success and 199 and 300 as a ControlReplyError with every reply line', async () => {
    fake.script(['SIGNAL NEWNYM', '200 OK\r\n'], ['SIGNAL NEWNYM', '299 OK\r\n'], ['SIGNAL NEWNYM', '300-first\r\n300 second\r\n'], ['SIGNAL NEWNYM', '199 odd\r\n'])
    client = await ControlClient.connect(fake.endpoint)
    await client.signal('NEWNYM')
    await client.signal('NEWNYM')
    await assert.rejects(client.signal('NEWNYM'), (err: Error) => err instanceof ControlReplyError && err.status === 300 && err.text === 'first\nsecond')
    await assert.rejects(client.signal('NEWNYM'), (err: Error) => err instanceof ControlReplyError && err.status === 199)
  })

  it('a command on a dropped connection names its verb and the failure that dropped it', async () => {
    client = await ControlClient.connect(fake.endpoint)
    const closed = new Promise(resolve => client?.once('close', resolve))
    fake.push('250 nobody asked\r\n')
    await closed
    await assert.rejects(client.getInfo('version'), (err: Error) => {
      assert.ok(err instanceof ControlConnectionClosedError)
      assert.equal(err.command, 'GETINFO')
      assert.match(String((err.cause as Error)?.message), /a 250 reply arrived with no command waiting for it/)
      return true
    })
  })

  it('a command after a clean close has no cause', async () => {
    client = await ControlClient.connect(fake.endpoint)
    await client.close()
    await assert.rejects(client.getInfo('version'), (err: Error) => err instanceof ControlConnectionClosedError && err.cause === undefined && err.command === 'GETINFO')
    // a raw command's verb is its first word, upper-cased
    await assert.rejects(client.rawCommand('getinfo version'), (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'GETINFO')
  })

  it('a connection that ends in the middle of a reply fails the pending command with that as the cause', async () => {
    fake.script(['GETINFO version', '250-version=0.4.9.11\r\n'])
    client = await ControlClient.connect(fake.endpoint)
    const pending = client.getInfo('version')
    await fake.waitForLines(1)
    await new Promise(resolve => setTimeout(resolve, 20))
    fake.drop()
    await assert.rejects(pending, (err: Error) => {
      assert.ok(err instanceof ControlConnectionClosedError)
      assert.equal(err.command, 'GETINFO')
      assert.ok(err.cause instanceof ControlProtocolError, String(err.cause))
      assert.match(err.cause.message, /the connection ended in the middle of a reply/)
      return true
    })
  })

  it('a connection that ends between replies fails the pending command without a cause', async () => {
    fake.script(['GETINFO version', ''])
    client = await ControlClient.connect(fake.endpoint)
    const pending = client.getInfo('version')
    await fake.waitForLines(1)
    fake.drop()
    await assert.rejects(pending, (err: Error) => err instanceof ControlConnectionClosedError && err.cause === undefined)
  })

  it('with an Infinity deadline a slow answer still arrives, and an answered command leaves no abort listener', async () => {
    fake.script(['GETINFO version', null])
    client = await ControlClient.connect(fake.endpoint, { commandTimeoutMs: Infinity })
    const ac = new AbortController()
    let listeners = 0
    const add = ac.signal.addEventListener.bind(ac.signal)
    const remove = ac.signal.removeEventListener.bind(ac.signal)
    ac.signal.addEventListener = ((...args: Parameters<typeof add>) => { if (args[0] === 'abort') listeners++; add(...args) }) as typeof add
    ac.signal.removeEventListener = ((...args: Parameters<typeof remove>) => { if (args[0] === 'abort') listeners--; remove(...args) }) as typeof remove
    const pending = client.getInfo('version', { signal: ac.signal })
    assert.equal(listeners, 1)
    await fake.waitForLines(1)
    // setTimeout(Infinity) would fire after 1 ms: give it the chance before answering
    await new Promise(resolve => setTimeout(resolve, 30))
    fake.push('250-version=0.4.9.11\r\n250 OK\r\n')
    assert.deepEqual(await pending, { version: '0.4.9.11' })
    assert.equal(listeners, 0)
  })
})
