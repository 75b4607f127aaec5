/**
 * More TorListener behaviour against the fake Tor, each exercised inside the
 * test (per-test coverage does not see hooks): ADD_ONION's 550 collision
 * (a leftover of our own connection removed and added again, another
 * controller's service, DEL_ONION failing otherwise), other ADD_ONION
 * errors passed through, every descriptor upload failing, republish()
 * waiting for the upload, the inbound sockets (direction, the upgrade's
 * signal, a failed upgrade, a socket that arrives while closing, sockets
 * closed by close()), the local server closed and its unix directory gone,
 * DEL_ONION's answers on close, and what DEBUG=libp2p:tor:listener shows
 * (a recording ComponentLogger: the component names, format strings and
 * arguments).
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { ControlReplyError } from '../../../src/control/index.js'
import { generateOnionKey, onionAddressToMultiaddr } from '../../../src/onion/index.js'
import { TorTransport } from '../../../transports/tor/transport.js'
import { TorListener } from '../../../transports/tor/listener.js'
import { ListenerClosedError, OnionInUseError, OnionPublishFailedError, OnionPublishTimeoutError } from '../../../transports/tor/errors.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { FakeTor, FakeTorOptions } from '../../fixtures/fake-tor.js'
import type { TorTransportInit } from '../../../transports/tor/init.js'
import type { ControlClient } from '../../../src/control/index.js'
import type { OnionKey } from '../../../src/onion/index.js'
import type { ComponentLogger, Logger, MultiaddrConnection, Upgrader } from '@libp2p/interface'

interface LogCall { component: string, level: 'log' | 'error', format: string, args: unknown[] }

/** A ComponentLogger that records every call: which component, the format string and its arguments. */
function recordingLogger (): { logger: ComponentLogger, calls: LogCall[], components: string[] } {
  const calls: LogCall[] = []
  const components: string[] = []
  const forComponent = (component: string): Logger => {
    components.push(component)
    const log = Object.assign((format: string, ...args: unknown[]) => { calls.push({ component, level: 'log', format, args }) }, {
      error: (format: string, ...args: unknown[]) => { calls.push({ component, level: 'error', format, args }) },
      trace: () => {},
      newScope: (name: string) => forComponent(`${component}:${name}`),
      enabled: true
    })
    return log as unknown as Logger
  }
  return { logger: { forComponent }, calls, components }
}

/** An upgrader that records each inbound connection and its options, and settles as told. */
function recordingUpgrader (settle: 'never' | Error = 'never'): { upgrader: Upgrader, inbound: Array<{ maConn: MultiaddrConnection, signal?: AbortSignal }> } {
  const inbound: Array<{ maConn: MultiaddrConnection, signal?: AbortSignal }> = []
  const upgrader = {
    upgradeInbound: async (maConn: MultiaddrConnection, opts: { signal?: AbortSignal }) => {
      inbound.push({ maConn, signal: opts.signal })
      if (settle !== 'never') throw settle
      await new Promise(() => {})
    }
  } as unknown as Upgrader
  return { upgrader, inbound }
}

async function until (done: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`waited ${ms} ms for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** Connects to the listener's local server (the port in the ADD_ONION line), as tor would. */
async function connectLocal (fake: FakeTor): Promise<net.Socket> {
  const add = fake.commands.filter(c => c.startsWith('ADD_ONION')).at(-1) ?? ''
  const port = Number(/,127\.0\.0\.1:(\d+)$/.exec(add)?.[1])
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return socket
}

async function closed (socket: net.Socket): Promise<void> {
  if (socket.destroyed) return
  await new Promise(resolve => socket.once('close', resolve))
}

describe('tor() listener: collisions, failures, inbound sockets and logs (fake Tor)', function () {
  this.timeout(20_000)
  let fake: FakeTor
  let transport: TorTransport | undefined
  let rec: ReturnType<typeof recordingLogger>
  const opened: net.Socket[] = []

  afterEach(async () => {
    for (const s of opened.splice(0)) s.destroy()
    await transport?.stop()
    transport = undefined
    await fake?.stop()
  })

  async function start (init: TorTransportInit, fakeOpts: FakeTorOptions = {}): Promise<TorTransport> {
    fake = await startFakeTor(fakeOpts)
    rec = recordingLogger()
    transport = new TorTransport({ logger: rec.logger }, { socks: fake.socks, control: fake.control, ...init })
    return transport
  }

  function listener (upgrader: Upgrader = recordingUpgrader().upgrader): TorListener {
    return (transport as TorTransport).createListener({ upgrader }) as TorListener
  }

  /** Opens the control connection (and leaves no service), so the next commands can be scripted in order. */
  async function warm (): Promise<ControlClient> {
    const other = generateOnionKey()
    ;(transport as any).keys.set(other.serviceId, other)
    const l = listener()
    await l.listen(onionAddressToMultiaddr({ serviceId: other.serviceId, port: 7777 }))
    await l.close()
    return await (transport as any).source.control()
  }

  function ma (key: OnionKey, port = 7777): ReturnType<typeof onionAddressToMultiaddr> {
    return onionAddressToMultiaddr({ serviceId: key.serviceId, port })
  }

  const listenerLogs = (): LogCall[] => rec.calls.filter(c => c.component === 'libp2p:tor:listener')
  const errorLogs = (): LogCall[] => listenerLogs().filter(c => c.level === 'error')

  describe('ADD_ONION answered 550 (onion address collision)', () => {
    it('a leftover service of our own connection is removed and added again, and the log says so', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      await warm()
      // the leftover: the same key, still held by our control connection
      const [ours] = fake.controlServer.sockets
      fake.services.set(key.serviceId, { owner: ours, ports: new Map(), detached: false })
      const from = fake.commands.length
      const l = listener()
      await l.listen(ma(key))
      const sent = fake.commands.slice(from).map(c => c.split(' ')[0] === 'ADD_ONION' ? 'ADD_ONION' : c)
      assert.deepEqual(sent.filter(c => c !== 'SETEVENTS HS_DESC' && c !== 'SETEVENTS'), ['ADD_ONION', `DEL_ONION ${key.serviceId}`, 'ADD_ONION'])
      assert.deepEqual(l.getAddrs().map(String), [ma(key).toString()])
      const formats = listenerLogs().map(c => [c.format, ...c.args.map(String)])
      assert.deepEqual(formats.slice(-2), [
        ['onion address collision for %s, removing the stale service', key.serviceId],
        ['listening on %a', ma(key).toString()]
      ])
      await l.close()
      assert.deepEqual(listenerLogs().at(-1)?.format, 'closed %s (published: %s)')
      assert.deepEqual(listenerLogs().at(-1)?.args, [ma(key).toString(), true])
    })

    it('another controller\'s service (DEL_ONION 552) is OnionInUseError; the failed listen logs no DEL_ONION failure and frees the id', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      fake.services.set(key.serviceId, { owner: new net.Socket(), ports: new Map(), detached: false })
      const l = listener()
      await assert.rejects(l.listen(ma(key)), (err: Error) => {
        assert.ok(err instanceof OnionInUseError, String(err))
        assert.equal(err.message, `${key.serviceId}.onion is already published by another tor controller (another p2p-tor process using the same key?); stop it, or use another key`)
        return true
      })
      assert.equal((transport as TorTransport).lastListenError instanceof OnionInUseError, true)
      // the teardown's DEL_ONION is answered 552 too: that is "already gone", not a failure
      assert.equal(fake.commands.filter(c => c === `DEL_ONION ${key.serviceId}`).length, 2)
      assert.deepEqual(errorLogs(), [])
      // the id is free again: the next listener gets the same answer, not OnionAlreadyListeningError
      await assert.rejects(listener().listen(ma(key)), { name: 'OnionInUseError' })
    })

    it('DEL_ONION failing with another code is passed through as that ControlReplyError', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      await warm()
      fake.controlServer.script(
        [/^SETEVENTS /, '250 OK\r\n'],
        [/^ADD_ONION /, '550 Onion address collision\r\n'],
        [`DEL_ONION ${key.serviceId}`, '551 Internal error\r\n'])
      await assert.rejects(listener().listen(ma(key)), (err: Error) => {
        assert.ok(err instanceof ControlReplyError, String(err))
        assert.equal(err.status, 551)
        assert.equal(err.command, 'DEL_ONION')
        return true
      })
    })
  })

  it('ADD_ONION refused with another code is passed through, without a DEL_ONION before the teardown', async () => {
    const key = generateOnionKey()
    await start({ keys: [key] })
    await warm()
    const from = fake.commands.length
    fake.controlServer.script([/^SETEVENTS /, '250 OK\r\n'], [/^ADD_ONION /, '512 Bad arguments to ADD_ONION\r\n'])
    await assert.rejects(listener().listen(ma(key)), (err: Error) => {
      assert.ok(err instanceof ControlReplyError, String(err))
      assert.equal(err.status, 512)
      assert.equal(err.command, 'ADD_ONION')
      return true
    })
    const sent = fake.commands.slice(from).filter(c => !c.startsWith('SETEVENTS'))
    assert.deepEqual(sent.map(c => c.split(' ')[0]), ['ADD_ONION', 'DEL_ONION'])
  })

  it('every descriptor upload failing is OnionPublishFailedError with tor\'s reasons and the cause', async () => {
    const key = generateOnionKey()
    await start({ keys: [key] }, { publish: false })
    const l = listener()
    await assert.rejects(l.listen(ma(key)), (err: Error) => {
      assert.ok(err instanceof OnionPublishFailedError, String(err))
      assert.equal(err.serviceId, key.serviceId)
      assert.deepEqual(err.reasons, ['UPLOAD_REJECTED'])
      assert.equal((err.cause as Error)?.name, 'UploadFailedError')
      return true
    })
    assert.deepEqual(listenerLogs().at(-1)?.args, [ma(key).toString(), false])
  })

  it('close() while publishing: ListenerClosedError caused by the abort, and the close log says not published', async () => {
    const key = generateOnionKey()
    await start({ keys: [key] })
    await warm()
    fake.controlServer.script([/^SETEVENTS /, '250 OK\r\n'], [/^ADD_ONION /, `250-ServiceID=${key.serviceId}\r\n250 OK\r\n`])
    const l = listener()
    const listening = l.listen(ma(key))
    await until(() => fake.controlServer.remaining === 0, 'ADD_ONION')
    await l.close()
    await assert.rejects(listening, (err: Error) => {
      assert.ok(err instanceof ListenerClosedError, String(err))
      assert.equal((err.cause as Error)?.name, 'AbortError')
      return true
    })
    assert.deepEqual(listenerLogs().at(-1)?.args, [ma(key).toString(), false])
  })

  it('waitForPublish: false listens without waiting, and its close log says not published', async () => {
    const key = generateOnionKey()
    await start({ keys: [key], waitForPublish: false })
    const l = listener()
    await l.listen(ma(key))
    await l.close()
    assert.deepEqual(listenerLogs().at(-1)?.args, [ma(key).toString(), false])
  })

  describe('republish()', () => {
    it('publishes again on the given connection, waits for the upload, and reports a duration', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const l = listener()
      await l.listen(ma(key))
      const control = await (transport as any).source.control() as ControlClient
      const t0 = Date.now()
      // the same connection still holds the service: the 550 path removes and adds it again
      const result = await l.republish(control)
      const elapsed = Date.now() - t0
      assert.equal(result?.serviceId, key.serviceId)
      assert.ok(result != null && result.publishMs >= 0 && result.publishMs <= elapsed, String(result?.publishMs))
      const again = listenerLogs().find(c => c.format === '%s.onion is reachable again after publishing for %d ms')
      assert.ok(again != null, JSON.stringify(listenerLogs()))
      assert.equal(again.args[0], key.serviceId)
      assert.ok(typeof again.args[1] === 'number' && again.args[1] >= 0 && again.args[1] <= elapsed, String(again.args[1]))
    })

    it('waits for the upload even with waitForPublish: false, and fails with OnionPublishTimeoutError when none comes', async () => {
      const key = generateOnionKey()
      await start({ keys: [key], waitForPublish: false, publishTimeoutMs: 500 })
      const control = await warm()
      // neither ADD_ONION is followed by an upload
      const silentAdd = (): Array<[RegExp, string]> => [[/^SETEVENTS /, '250 OK\r\n'], [/^ADD_ONION /, `250-ServiceID=${key.serviceId}\r\n250 OK\r\n`]]
      fake.controlServer.script(...silentAdd())
      const l = listener()
      await l.listen(ma(key))
      fake.controlServer.script(...silentAdd())
      await assert.rejects(l.republish(control), { name: OnionPublishTimeoutError.name })
    })

    it('a republish that close() interrupts leaves the close log at "not published"', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const l = listener()
      await l.listen(ma(key))
      const control = await (transport as any).source.control() as ControlClient
      fake.controlServer.script([/^SETEVENTS /, '250 OK\r\n'], [/^ADD_ONION /, '550 Onion address collision\r\n'], [/^DEL_ONION /, '250 OK\r\n'], [/^ADD_ONION /, `250-ServiceID=${key.serviceId}\r\n250 OK\r\n`])
      const republishing = l.republish(control)
      await until(() => fake.controlServer.remaining === 0, 'the second ADD_ONION')
      await l.close()
      await assert.rejects(republishing, { name: 'ListenerClosedError' })
      assert.deepEqual(listenerLogs().at(-1)?.args, [ma(key).toString(), false])
    })

    it('while listen() is still starting its local server, there is nothing to publish yet', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const control = await warm()
      const adds = fake.commands.filter(c => c.startsWith('ADD_ONION')).length
      const l = listener()
      const listening = l.listen(ma(key))
      // listen() has taken the id but not yet the port mapping
      assert.equal(await l.republish(control), undefined)
      await listening
      assert.equal(fake.commands.filter(c => c.startsWith('ADD_ONION')).length, adds + 1)
    })
  })

  describe('inbound sockets', () => {
    it('are inbound connections upgraded under the listener\'s shutdown signal, logged as libp2p:tor:connection', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const { upgrader, inbound } = recordingUpgrader()
      const l = listener(upgrader)
      await l.listen(ma(key))
      const client = await connectLocal(fake)
      opened.push(client)
      await until(() => inbound.length === 1, 'the upgrade')
      assert.equal(inbound[0].maConn.direction, 'inbound')
      assert.equal(inbound[0].maConn.remoteAddr.toString(), ma(key).toString())
      const signal = inbound[0].signal
      assert.ok(signal instanceof AbortSignal)
      assert.equal(signal.aborted, false)
      assert.ok(rec.components.includes('libp2p:tor:connection'), rec.components.join(', '))
      // close() aborts the upgrade, destroys the socket and waits for it
      await l.close()
      assert.equal(signal.aborted, true)
      await closed(client)
      assert.equal((l as any).sockets.size, 0)
    })

    it('a socket that closes is forgotten (no set of dead sockets grows on a long-lived listener)', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const { upgrader, inbound } = recordingUpgrader()
      const l = listener(upgrader)
      await l.listen(ma(key))
      const client = await connectLocal(fake)
      await until(() => inbound.length === 1, 'the upgrade')
      client.destroy()
      await until(() => (l as any).sockets.size === 0, 'the listener to forget the socket')
    })

    it('a half-closed socket is closed by the listener too (allowHalfOpen off)', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const { upgrader, inbound } = recordingUpgrader()
      const l = listener(upgrader)
      await l.listen(ma(key))
      const client = await connectLocal(fake)
      opened.push(client)
      await until(() => inbound.length === 1, 'the upgrade')
      client.end()
      await closed(client)
      assert.equal(client.readableEnded, true)
    })

    it('a failed upgrade is logged and aborts the connection', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const failure = new Error('handshake refused')
      const { upgrader } = recordingUpgrader(failure)
      const l = listener(upgrader)
      await l.listen(ma(key))
      const client = await connectLocal(fake)
      opened.push(client)
      await closed(client)
      await until(() => errorLogs().length > 0, 'the error log')
      assert.deepEqual(errorLogs().map(c => [c.format, c.args[0]]), [['inbound connection upgrade failed - %e', failure]])
    })

    it('a socket that arrives while close() waits for DEL_ONION is destroyed, not upgraded', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const { upgrader, inbound } = recordingUpgrader()
      const l = listener(upgrader)
      await l.listen(ma(key))
      fake.controlServer.script([`DEL_ONION ${key.serviceId}`, null])
      const closing = l.close()
      await until(() => fake.controlServer.remaining === 0, 'DEL_ONION')
      const client = await connectLocal(fake)
      opened.push(client)
      await closed(client)
      fake.controlServer.push('250 OK\r\n')
      await closing
      assert.equal(inbound.length, 0)
    })
  })

  describe('close()', () => {
    it('stops the local server: its port refuses connections afterwards', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const l = listener()
      await l.listen(ma(key))
      const probe = await connectLocal(fake)
      probe.destroy()
      await l.close()
      await assert.rejects(connectLocal(fake), { code: 'ECONNREFUSED' })
    })

    it('a unix socket directory that is already gone (a tmp cleaner) is no error', async () => {
      const key = generateOnionKey()
      await start({ keys: [key], localTarget: 'unix', unixSocketDir: os.tmpdir() })
      const l = listener()
      await l.listen(ma(key))
      const add = fake.commands.find(c => c.startsWith('ADD_ONION')) ?? ''
      const socketPath = /,unix:(\S+)$/.exec(add)?.[1] ?? ''
      assert.ok(socketPath !== '', add)
      await rm(path.dirname(socketPath), { recursive: true, force: true })
      await l.close()
    })

    it('a listener that never listened closes without DEL_ONION and logs "closed listener"', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const l = listener()
      const events: string[] = []
      l.addEventListener('close', () => { events.push('close') })
      await l.close()
      assert.deepEqual(events, ['close'])
      assert.equal(fake.commands.filter(c => c.startsWith('DEL_ONION')).length, 0)
      assert.deepEqual(listenerLogs().map(c => [c.format, ...c.args]), [['closed %s (published: %s)', 'listener', false]])
    })

    it('after the control connection dropped, no DEL_ONION is tried and nothing is logged as failed', async () => {
      const key = generateOnionKey()
      await start({ keys: [key], reconnect: false })
      const l = listener()
      await l.listen(ma(key))
      const control = await (transport as any).source.control() as ControlClient
      fake.controlServer.drop()
      await until(() => control.closed, 'the control connection to close')
      await l.close()
      assert.equal(fake.commands.filter(c => c.startsWith('DEL_ONION')).length, 0)
      assert.deepEqual(errorLogs(), [])
    })

    it('DEL_ONION failing with another code than 552 is logged, and close() still completes', async () => {
      const key = generateOnionKey()
      await start({ keys: [key] })
      const l = listener()
      await l.listen(ma(key))
      fake.controlServer.script([`DEL_ONION ${key.serviceId}`, '551 Internal error\r\n'])
      await l.close()
      assert.deepEqual(errorLogs().map(c => c.format), ['DEL_ONION failed - %e'])
      assert.equal((errorLogs()[0].args[0] as ControlReplyError).status, 551)
      assert.deepEqual(l.getAddrs(), [])
    })
  })

  it('tor refusing to release HS_DESC after the upload is logged, and listen() still succeeds', async () => {
    const key = generateOnionKey()
    await start({ keys: [key] })
    await warm()
    const uploaded = `650 HS_DESC UPLOADED ${key.serviceId} UNKNOWN $${'A'.repeat(40)}\r\n`
    fake.controlServer.script(
      [/^SETEVENTS HS_DESC$/, '250 OK\r\n'],
      [/^ADD_ONION /, `250-ServiceID=${key.serviceId}\r\n250 OK\r\n${uploaded}`],
      [/^SETEVENTS$/, '551 Unable to set events\r\n'])
    const l = listener()
    await l.listen(ma(key))
    assert.equal(fake.controlServer.remaining, 0)
    assert.deepEqual(errorLogs().map(c => c.format), ['releasing HS_DESC failed - %e'])
    assert.equal((errorLogs()[0].args[0] as ControlReplyError).status, 551)
    assert.deepEqual(l.getAddrs().map(String), [ma(key).toString()])
  })

  it('the server\'s later errors are the listener\'s \'error\' events', async () => {
    const key = generateOnionKey()
    await start({ keys: [key] })
    const l = listener()
    await l.listen(ma(key))
    const seen: unknown[] = []
    l.addEventListener('error', (e) => { seen.push((e as CustomEvent).detail) })
    const err = Object.assign(new Error('accept failed'), { code: 'EMFILE' })
    // the server is private; this is what node does when accept() fails (e.g. out of descriptors)
    ;(l as any).server.emit('error', err)
    assert.deepEqual(seen, [err])
  })

  it('listens as "libp2p:tor:listener" and says so; refuses a second listen() with a message', async () => {
    const key = generateOnionKey()
    await start({ keys: [key] })
    const l = listener()
    await l.listen(ma(key))
    assert.deepEqual(listenerLogs().map(c => [c.format, ...c.args.map(String)]), [['listening on %a', ma(key).toString()]])
    await assert.rejects(l.listen(ma(key)), { name: 'AlreadyStartedError', message: 'this listener is already listening' })
  })

  it('a TorListener made without onListenError fails listen() with the real cause', async () => {
    const key = generateOnionKey()
    const cause = new Error('no tor here')
    const l = new TorListener({
      upgrader: recordingUpgrader().upgrader,
      logger: recordingLogger().logger,
      keyFor: id => id === key.serviceId ? key : undefined,
      control: async () => { throw cause },
      active: new Set(),
      localTarget: 'tcp',
      waitForPublish: true,
      publishTimeoutMs: 1000
    })
    await assert.rejects(l.listen(ma(key)), (err: unknown) => err === cause)
    // no start(): make afterEach's stop a no-op
    fake = { stop: async () => {} } as unknown as FakeTor
  })
})
