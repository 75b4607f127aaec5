import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { socksConnect } from '../../../src/socks/index.js'
import {
  InvalidParametersError,
  OnionServiceNotFoundError,
  SocksAuthError,
  SocksProtocolError,
  SocksProxyUnreachableError,
  SocksReplyError,
  socksReplyError
} from '../../../src/socks/index.js'
import { FakeSocksServer } from '../../fixtures/fake-socks.js'

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'
const PORT = 7777
const USER = 'stream-isolation-1'
const PASS = 'secret-pass-do-not-log'

/** Read from `socket` until `n` bytes have arrived. */
async function readBytes (socket: net.Socket, n: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      total += chunk.length
      if (total >= n) { socket.off('data', onData); socket.off('error', reject); resolve(Buffer.concat(chunks)) }
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
}

/** The rejection of `promise`, which must reject. */
async function rejection (promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    (value) => {
      if (value instanceof net.Socket) value.destroy()
      assert.fail('expected a rejection')
    },
    (err: Error) => err
  )
}

function assertNoCredentials (err: Error): void {
  for (const text of [JSON.stringify(err), inspect(err, { depth: 5 }), err.message]) {
    assert.ok(!text.includes(PASS) && !text.includes(USER), `${err.name} leaks a credential: ${text}`)
  }
}

describe('socksConnect against a fake SOCKS5 proxy', () => {
  let server: FakeSocksServer
  const sockets: net.Socket[] = []

  beforeEach(async () => {
    server = await FakeSocksServer.start()
  })

  afterEach(async () => {
    sockets.splice(0).forEach(s => s.destroy())
    await server.close()
  })

  it('connects, sets noDelay, and carries data both ways (echo)', async () => {
    const setNoDelay = net.Socket.prototype.setNoDelay
    const noDelayOn = new Set<net.Socket>()
    net.Socket.prototype.setNoDelay = function (this: net.Socket, enable?: boolean) {
      if (enable === true) noDelayOn.add(this)
      return setNoDelay.call(this, enable)
    }
    let socket: net.Socket
    try {
      socket = await socksConnect({ proxy: server.proxy, host: ONION, port: PORT })
    } finally {
      net.Socket.prototype.setNoDelay = setNoDelay
    }
    sockets.push(socket)
    assert.ok(noDelayOn.has(socket), 'setNoDelay(true) was not called on the returned socket')
    assert.equal(socket.listenerCount('readable'), 0)
    assert.equal(socket.listenerCount('connect'), 0)

    socket.write('hello tor')
    assert.equal((await readBytes(socket, 9)).toString(), 'hello tor')
  })

  it('sends the onion name as ATYP 3 with the port, never a resolved address', async () => {
    sockets.push(await socksConnect({ proxy: server.proxy, host: ONION, port: PORT }))
    const conn = await server.connection()
    assert.deepEqual(conn.methods, [0x00])
    assert.equal(conn.command, 0x01)
    assert.equal(conn.atyp, 3)
    assert.equal(conn.host, ONION)
    assert.equal(conn.port, PORT)
  })

  it('delivers bytes the peer sent right behind the reply before anything else', async () => {
    server.options.trailing = Buffer.from('early-bytes|')
    const socket = await socksConnect({ proxy: server.proxy, host: ONION, port: PORT })
    sockets.push(socket)
    socket.write('echo')
    assert.equal((await readBytes(socket, 16)).toString(), 'early-bytes|echo')
  })

  it('authenticates with the isolation credentials the proxy checks', async () => {
    server.options.credentials = { username: USER, password: PASS }
    sockets.push(await socksConnect({ proxy: server.proxy, host: ONION, port: PORT, username: USER, password: PASS }))
    const conn = await server.connection()
    assert.deepEqual(conn.methods, [0x02])
    assert.equal(conn.username, USER)
    assert.equal(conn.password, PASS)
  })

  it('rejects with SocksAuthError when the proxy refuses the credentials', async () => {
    server.options.credentials = { username: USER, password: PASS }
    const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: PORT, username: USER, password: 'wrong-' + PASS }))
    assert.ok(err instanceof SocksAuthError)
    assert.equal(err.failure, 'REJECTED')
    assertNoCredentials(err)
  })

  it('maps every reply code received over the wire to its error', async () => {
    for (const code of [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0x42]) {
      server.options.replyCode = code
      const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: PORT, username: USER, password: PASS }))
      const expected = socksReplyError(code, `${ONION}:${PORT}`)
      assert.ok(err instanceof SocksReplyError, `code ${code}: ${err.name}`)
      assert.equal(err.constructor, expected.constructor)
      assert.equal(err.replyCode, code)
      assert.equal(err.reason, expected.reason)
      assertNoCredentials(err)
    }
    assert.equal(server.connections.length, 17)
  })

  it('names F0 as OnionServiceNotFoundError', async () => {
    server.options.replyCode = 0xF0
    const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: PORT }))
    assert.ok(err instanceof OnionServiceNotFoundError)
    assert.match(err.message, /descriptor not found \(F0\)/)
  })

  it('times out a stalled proxy with TimeoutError and closes the socket', async () => {
    server.options.stall = 'request'
    const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: PORT, username: USER, password: PASS, timeoutMs: 100 }))
    assert.equal(err.name, 'TimeoutError')
    assert.ok(err.message.includes(ONION))
    assertNoCredentials(err)
    await (await server.connection()).closed
  })

  it('aborts mid-handshake with AbortError and closes the socket', async () => {
    server.options.stall = 'greeting'
    const controller = new AbortController()
    const pending = rejection(socksConnect({ proxy: server.proxy, host: ONION, port: PORT, signal: controller.signal, timeoutMs: 60_000 }))
    const conn = await server.connection()
    await conn.greeted
    controller.abort()
    const err = await pending
    assert.equal(err.name, 'AbortError')
    await conn.closed
  })

  it('makes no connection at all when the signal is already aborted', async () => {
    const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: PORT, signal: AbortSignal.abort() }))
    assert.equal(err.name, 'AbortError')
    // A connection started by the aborted call would be accepted before this one.
    sockets.push(await socksConnect({ proxy: server.proxy, host: 'second.onion', port: PORT }))
    assert.equal(server.connections.length, 1)
    assert.equal(server.connections[0].host, 'second.onion')
  })

  it('refuses invalid options without connecting', async () => {
    const bad = [
      { host: ONION + '\r\nGET', port: PORT },
      { host: ONION, port: 0 },
      { host: ONION, port: PORT, username: USER },
      { host: ONION, port: PORT, timeoutMs: -1 }
    ]
    for (const opts of bad) {
      const err = await rejection(socksConnect({ proxy: server.proxy, ...opts }))
      assert.ok(err instanceof InvalidParametersError, err.name)
    }
    const noProxy = await rejection(socksConnect({ proxy: { host: '', port: 9050 }, host: ONION, port: PORT }))
    assert.ok(noProxy instanceof InvalidParametersError)
    sockets.push(await socksConnect({ proxy: server.proxy, host: 'probe.onion', port: PORT }))
    assert.equal(server.connections.length, 1)
    assert.equal(server.connections[0].host, 'probe.onion')
  })

  it('rejects with SocksProtocolError when the proxy closes mid-handshake', async () => {
    for (const closeAfter of ['greeting', 'request'] as const) {
      server.options.closeAfter = closeAfter
      const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: PORT }))
      assert.ok(err instanceof SocksProtocolError, `${closeAfter}: ${err.name}: ${err.message}`)
      assert.match(err.message, /closed the connection during the handshake/)
    }
  })

  it('rejects with SocksProxyUnreachableError naming host:port when nothing listens', async () => {
    const closed = net.createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as net.AddressInfo
    await new Promise<void>(resolve => closed.close(() => { resolve() }))

    const err = await rejection(socksConnect({ proxy: { host: '127.0.0.1', port }, host: ONION, port: PORT, username: USER, password: PASS }))
    assert.ok(err instanceof SocksProxyUnreachableError, err.name)
    assert.equal(err.proxy, `127.0.0.1:${port}`)
    assert.equal(err.code, 'ECONNREFUSED')
    assert.ok(err.message.includes(`127.0.0.1:${port}`))
    assertNoCredentials(err)
  })

  it('connects through a unix-socket SocksPort', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'p2p-tor-socks-'))
    const path = join(dir, 'socks.sock')
    const unix = await FakeSocksServer.start({}, path)
    try {
      const socket = await socksConnect({ proxy: { path }, host: ONION, port: PORT })
      sockets.push(socket)
      socket.write('via unix')
      assert.equal((await readBytes(socket, 8)).toString(), 'via unix')
      assert.equal((await unix.connection()).host, ONION)
    } finally {
      sockets.splice(0).forEach(s => s.destroy())
      await unix.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
