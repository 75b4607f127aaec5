/**
 * socksConnect details the other fake-proxy specs leave open: every shape
 * of a bad proxy option, the messages and causes of each failure, a reset
 * during the handshake, a greeting answered in pieces, a reply split over
 * several reads, and no listener left behind on success.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { socksConnect } from '../../../src/socks/index.js'
import { InvalidParametersError, SocksNotSocks5Error, SocksProtocolError, SocksProxyUnreachableError } from '../../../src/socks/index.js'
import { FakeSocksServer } from '../../fixtures/fake-socks.js'

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'
const PORT = 7777

async function rejection (p: Promise<unknown>): Promise<Error & Record<string, any>> {
  return await p.then((value) => {
    if (value instanceof net.Socket) value.destroy()
    return assert.fail('resolved')
  }, (err: Error) => err as Error & Record<string, any>)
}

/** A server whose connection handler is `onSocket`; closes every socket on close(). */
async function rawServer (onSocket: (s: net.Socket) => void): Promise<{ port: number, close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(s => {
    sockets.add(s)
    s.on('error', () => {})
    onSocket(s)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

/** Closed port: nothing listens there. */
async function closedPort (): Promise<number> {
  const s = net.createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as net.AddressInfo
  await new Promise(resolve => s.close(resolve))
  return port
}

describe('socksConnect: edge cases', () => {
  it('refuses every malformed proxy option as InvalidParametersError("proxy") before connecting', async () => {
    const bad: unknown[] = [null, '127.0.0.1:9050', { path: '' }, { path: ['/run/tor/socks'] }, { host: ['127.0.0.1'], port: 9050 }, { host: '', port: 9050 }, { host: '127.0.0.1', port: 0 }]
    for (const proxy of bad) {
      const err = await rejection(socksConnect({ proxy: proxy as { host: string, port: number }, host: ONION, port: PORT }))
      assert.ok(err instanceof InvalidParametersError, `${JSON.stringify(proxy)}: ${String(err)}`)
      assert.equal(err.parameter, 'proxy')
      assert.match(err.message, /^SOCKS proxy must be \{ host, port \} with port 1\.\.65535, or \{ path \} of a unix SocksPort/)
    }
  })

  it('names the deadline option that is wrong, and what it got', async () => {
    const proxy = { host: '127.0.0.1', port: 9 }
    const t = await rejection(socksConnect({ proxy, host: ONION, port: PORT, timeoutMs: Infinity }))
    assert.equal(t.parameter, 'timeoutMs')
    assert.equal(t.message, 'SOCKS timeoutMs must be a positive finite number of milliseconds, got Infinity')
    const g = await rejection(socksConnect({ proxy, host: ONION, port: PORT, greetingTimeoutMs: -5 }))
    assert.equal(g.parameter, 'greetingTimeoutMs')
    assert.equal(g.message, 'SOCKS greetingTimeoutMs must be a positive finite number of milliseconds, got -5')
  })

  it('says whether the abort came before or during the connect', async () => {
    const before = await rejection(socksConnect({ proxy: { host: '127.0.0.1', port: 9 }, host: ONION, port: PORT, signal: AbortSignal.abort() }))
    assert.equal(before.name, 'AbortError')
    assert.equal(before.message, 'the SOCKS connect was aborted before it started')
    const server = await FakeSocksServer.start({ stall: 'request' })
    try {
      const ac = new AbortController()
      const pending = socksConnect({ proxy: server.proxy, host: ONION, port: PORT, signal: ac.signal })
      await (await server.connection()).greeted
      ac.abort()
      const during = await rejection(pending)
      assert.equal(during.name, 'AbortError')
      assert.equal(during.message, 'the SOCKS connect was aborted')
    } finally {
      await server.close()
    }
  })

  it('an unreachable proxy keeps the system error as its cause, and a unix proxy is named unix:<path>', async () => {
    const port = await closedPort()
    const tcp = await rejection(socksConnect({ proxy: { host: '127.0.0.1', port }, host: ONION, port: PORT }))
    assert.ok(tcp instanceof SocksProxyUnreachableError)
    assert.equal((tcp.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED')
    const unix = await rejection(socksConnect({ proxy: { path: '/nonexistent/p2p-tor/socks.sock' }, host: ONION, port: PORT }))
    assert.ok(unix instanceof SocksProxyUnreachableError)
    assert.equal(unix.proxy, 'unix:/nonexistent/p2p-tor/socks.sock')
    assert.equal(unix.code, 'ENOENT')
  })

  it('a connection reset during the handshake is a SocksProtocolError with the code and the cause', async () => {
    const server = await rawServer(s => { s.once('data', () => { s.resetAndDestroy() }) })
    try {
      const err = await rejection(socksConnect({ proxy: { host: '127.0.0.1', port: server.port }, host: ONION, port: PORT }))
      assert.equal(err.constructor, SocksProtocolError)
      assert.equal(err.message, `the connection to tor's SOCKS port 127.0.0.1:${server.port} failed during the handshake (ECONNRESET): check tor's log and retry`)
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNRESET')
    } finally {
      await server.close()
    }
  })

  it('a socket error without an errno code during the handshake says "failed" and adds no code suffix', async () => {
    // Node gives a code to every OS error, but a stream destroyed with a
    // plain Error (a wrapping layer, a bug) has none: the message must not
    // end up saying "(undefined)". Only reachable through the client socket,
    // so net.connect is wrapped to hand it to the test.
    const server = await rawServer(() => {})
    const original = net.connect
    let socket: net.Socket | undefined
    net.connect = ((...args: Parameters<typeof net.connect>) => { socket = original(...args); return socket }) as typeof net.connect
    try {
      const pending = rejection(socksConnect({ proxy: { host: '127.0.0.1', port: server.port }, host: ONION, port: PORT }))
      net.connect = original
      const s = socket as net.Socket
      await new Promise(resolve => s.once('connect', resolve))
      const injected = new Error('injected')
      s.destroy(injected)
      const err = await pending
      assert.equal(err.constructor, SocksProtocolError)
      assert.equal(err.message, `the connection to tor's SOCKS port 127.0.0.1:${server.port} failed during the handshake: check tor's log and retry`)
      assert.equal(err.cause, injected)
    } finally {
      net.connect = original
      await server.close()
    }
  })

  it('half a greeting answer does not stop the greeting deadline', async () => {
    const server = await rawServer(s => { s.once('data', () => { s.write(Uint8Array.of(5)) }) })
    try {
      const err = await rejection(socksConnect({ proxy: { host: '127.0.0.1', port: server.port }, host: ONION, port: PORT, greetingTimeoutMs: 100, timeoutMs: 30_000 }))
      assert.ok(err instanceof SocksNotSocks5Error, String(err))
      assert.match(err.message, /did not answer the greeting within 0\.1 s/)
    } finally {
      await server.close()
    }
  })

  it('connects when the proxy sends its answers a byte at a time, and leaves no listener of its own', async () => {
    // greeting answer, then a CONNECT reply for an IPv4 bind address, each byte in its own write
    const server = await rawServer(s => {
      const drip = async (bytes: number[]): Promise<void> => {
        for (const b of bytes) {
          s.write(Uint8Array.of(b))
          await new Promise(resolve => setTimeout(resolve, 2))
        }
      }
      let step = 0
      s.on('data', () => {
        step++
        if (step === 1) void drip([5, 0])
        else if (step === 2) void drip([5, 0, 0, 1, 127, 0, 0, 1, 0x1e, 0x61])
      })
    })
    const ac = new AbortController()
    let abortListeners = 0
    const add = ac.signal.addEventListener.bind(ac.signal)
    const remove = ac.signal.removeEventListener.bind(ac.signal)
    ac.signal.addEventListener = ((...args: Parameters<typeof add>) => { if (args[0] === 'abort') abortListeners++; add(...args) }) as typeof add
    ac.signal.removeEventListener = ((...args: Parameters<typeof remove>) => { if (args[0] === 'abort') abortListeners--; remove(...args) }) as typeof remove
    try {
      const socket = await socksConnect({ proxy: { host: '127.0.0.1', port: server.port }, host: ONION, port: PORT, signal: ac.signal })
      try {
        assert.equal(abortListeners, 0)
        for (const event of ['connect', 'readable', 'error', 'close']) assert.equal(socket.listenerCount(event), 0, event)
      } finally {
        socket.destroy()
      }
    } finally {
      await server.close()
    }
  })
})
