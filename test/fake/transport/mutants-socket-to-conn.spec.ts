/**
 * socketToConnection over a real loopback socket pair: the inactivity
 * deadline (default and given), how the connection ends when the peer ends
 * cleanly, fails, or goes quiet, and what close() and abort() do to the
 * socket. The compliance suite covers the data path; these are the ends.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { socketToConnection } from '../../../transports/tor/socket-to-conn.js'
import { fakeLogger } from '../../unit/transport/fake-logger.js'
import type { MultiaddrConnection } from '@libp2p/interface'

const REMOTE = multiaddr('/onion3/pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd:7777')

interface Pair { local: net.Socket, peer: net.Socket, close: () => Promise<void> }

async function pair (): Promise<Pair> {
  let accepted!: (s: net.Socket) => void
  const got = new Promise<net.Socket>(resolve => { accepted = resolve })
  const server = net.createServer(s => { s.on('error', () => {}); accepted(s) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const local = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1')
  await new Promise(resolve => local.once('connect', resolve))
  const peer = await got
  return {
    local,
    peer,
    close: async () => {
      local.destroy()
      peer.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

function closeEvent (conn: MultiaddrConnection): Promise<{ error?: Error, local?: boolean }> {
  return new Promise(resolve => conn.addEventListener('close', (evt: any) => { resolve({ error: evt.error, local: evt.local }) }, { once: true }))
}

function wrap (socket: net.Socket, inactivityTimeout?: number): MultiaddrConnection {
  return socketToConnection({ socket, direction: 'outbound', remoteAddr: REMOTE, inactivityTimeout, log: fakeLogger().forComponent('test') })
}

describe('socketToConnection: how a Tor stream ends', function () {
  this.timeout(10_000)
  let p: Pair

  beforeEach(async () => { p = await pair() })
  afterEach(async () => { await p.close() })

  it('sets a 10 minute inactivity deadline by default, or the one given', async () => {
    wrap(p.local)
    assert.equal(p.local.timeout, 600_000)
    const q = await pair()
    try {
      wrap(q.local, 1234)
      assert.equal(q.local.timeout, 1234)
    } finally {
      await q.close()
    }
  })

  it('a stream idle past its deadline is aborted with a TimeoutError saying so, and the socket destroyed', async () => {
    const conn = wrap(p.local, 50)
    const ended = await closeEvent(conn)
    assert.equal(ended.error?.name, 'TimeoutError')
    assert.equal(ended.error?.message, 'Tor stream was idle for too long')
    assert.equal(conn.status, 'aborted')
    assert.equal(p.local.destroyed, true)
  })

  it('a peer that ends cleanly closes the connection without an error', async () => {
    const conn = wrap(p.local)
    const ended = closeEvent(conn)
    p.peer.end()
    assert.equal((await ended).error, undefined)
    assert.equal(conn.status, 'closed')
  })

  it('a socket error aborts the connection with that error', async () => {
    const conn = wrap(p.local)
    const ended = closeEvent(conn)
    const boom = new Error('boom')
    p.local.destroy(boom)
    assert.equal((await ended).error, boom)
    assert.equal(conn.status, 'aborted')
  })

  it('data from the peer arrives as message events, and sends reach the peer', async () => {
    const conn = wrap(p.local)
    const got = new Promise<Uint8Array>(resolve => conn.addEventListener('message', (evt: any) => { resolve(evt.data.subarray()) }, { once: true }))
    p.peer.write(Uint8Array.of(1, 2, 3))
    assert.deepEqual([...await got], [1, 2, 3])
    const received = new Promise<Buffer>(resolve => p.peer.once('data', resolve))
    assert.equal(conn.send(Uint8Array.of(4, 5)), true)
    assert.deepEqual([...await received], [4, 5])
  })

  it('close() ends the socket gracefully and waits for it; abort() destroys it at once', async () => {
    const conn = wrap(p.local)
    const peerEnded = new Promise(resolve => p.peer.once('end', resolve))
    p.peer.resume()
    await conn.close()
    await peerEnded
    assert.equal(p.local.destroyed, true)
    assert.equal(conn.status, 'closed')

    const q = await pair()
    try {
      const c2 = wrap(q.local)
      c2.abort(new Error('stop'))
      assert.equal(q.local.destroyed, true)
    } finally {
      await q.close()
    }
  })

  it('pause() stops reading from the socket and resume() starts again', async () => {
    const conn = wrap(p.local)
    conn.pause()
    assert.equal(p.local.isPaused(), true)
    conn.resume()
    assert.equal(p.local.isPaused(), false)
  })
})
