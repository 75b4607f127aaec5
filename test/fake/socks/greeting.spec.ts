/**
 * Issue 12: `--tor-socks` pointed at something that is not a SOCKS5 proxy
 * (tor's ControlPort, a DirPort, any silent or chatty server) must fail fast
 * with SocksNotSocks5Error, not wait for the whole timeout and blame the peer.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { DEFAULT_SOCKS_GREETING_TIMEOUT_MS, socksConnect } from '../../../src/socks/index.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'
import { FakeSocksServer } from '../../fixtures/fake-socks.js'

const ONION = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'

async function rejection (p: Promise<unknown>): Promise<Error & Record<string, any>> {
  return await p.then(() => assert.fail('resolved'), (err: Error) => err as Error & Record<string, any>)
}

/** A server that answers whatever it is sent with `answer` (an HTTP DirPort, say). */
async function chattyServer (answer: string): Promise<net.Server> {
  const server = net.createServer(socket => {
    socket.on('error', () => {})
    socket.once('data', () => { socket.write(answer) })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return server
}

describe('socksConnect: an endpoint that does not speak SOCKS5', () => {
  it('gives the greeting 5 s by default', () => {
    assert.equal(DEFAULT_SOCKS_GREETING_TIMEOUT_MS, 5000)
  })

  it('a server that accepts and never answers the greeting fails within greetingTimeoutMs, long before timeoutMs', async () => {
    const server = await FakeSocksServer.start({ stall: 'greeting' })
    try {
      const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: 7777, greetingTimeoutMs: 100, timeoutMs: 60_000 }))
      assert.equal(err.name, 'SocksNotSocks5Error')
      assert.equal(err.proxy, `127.0.0.1:${server.port}`)
      assert.match(err.message, new RegExp(`^127\\.0\\.0\\.1:${server.port} does not speak SOCKS5: it did not answer the greeting within 0\\.1 s; point it at tor's SocksPort`))
      await (await server.connection()).closed
    } finally {
      await server.close()
    }
  })

  it("tor's ControlPort (which waits for a line) is recognised as not SOCKS5", async () => {
    const control = await FakeTorControl.start()
    try {
      const proxy = { host: '127.0.0.1', port: (control.endpoint as { port: number }).port }
      const err = await rejection(socksConnect({ proxy, host: ONION, port: 7777, greetingTimeoutMs: 100 }))
      assert.equal(err.name, 'SocksNotSocks5Error')
      await control.waitForDisconnect()
    } finally {
      await control.close()
    }
  })

  it('a server that answers with non-SOCKS bytes fails at once, showing what it answered', async () => {
    const server = await chattyServer('HTTP/1.0 400 Bad Request\r\n\r\n')
    try {
      const { port } = server.address() as net.AddressInfo
      const err = await rejection(socksConnect({ proxy: { host: '127.0.0.1', port }, host: ONION, port: 7777, greetingTimeoutMs: 60_000 }))
      assert.equal(err.name, 'SocksNotSocks5Error')
      assert.equal(err.proxy, `127.0.0.1:${port}`)
      assert.match(err.message, /does not speak SOCKS5: it answered the greeting with "HTTP\/1\.0 400 Bad/)
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  })

  it('a real SOCKS5 proxy that is slow after the greeting is bound by timeoutMs only (TimeoutError, as before)', async () => {
    const server = await FakeSocksServer.start({ stall: 'request' })
    try {
      const err = await rejection(socksConnect({ proxy: server.proxy, host: ONION, port: 7777, greetingTimeoutMs: 50, timeoutMs: 300 }))
      assert.equal(err.name, 'TimeoutError')
    } finally {
      await server.close()
    }
  })

  it('rejects a greetingTimeoutMs that is not a positive number', async () => {
    await assert.rejects(socksConnect({ proxy: { host: '127.0.0.1', port: 9 }, host: ONION, port: 7777, greetingTimeoutMs: 0 }), { name: 'InvalidParametersError' })
  })
})
