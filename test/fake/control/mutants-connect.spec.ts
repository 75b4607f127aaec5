/**
 * openControlSocket: a connected socket carries none of its listeners, and
 * an unreachable endpoint keeps the system error as its cause.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { openControlSocket } from '../../../src/control/connect.js'
import { ControlUnreachableError } from '../../../src/control/errors.js'

describe('control openControlSocket: edge cases', () => {
  it('resolves with a socket that has no connect or error listener left', async () => {
    const server = net.createServer(s => { s.on('error', () => {}) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    const socket = await openControlSocket({ type: 'tcp', host: '127.0.0.1', port }, `127.0.0.1:${port}`, { timeoutMs: 30_000 })
    try {
      assert.equal(socket.listenerCount('connect'), 0)
      assert.equal(socket.listenerCount('error'), 0)
    } finally {
      socket.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  })

  it('an unreachable endpoint keeps the system error as its cause', async () => {
    const err = await openControlSocket({ type: 'unix', path: '/nonexistent/p2p-tor/control' }, 'unix:/nonexistent/p2p-tor/control', {}).then(
      () => assert.fail('connected'), (e: Error) => e)
    assert.ok(err instanceof ControlUnreachableError)
    assert.equal(err.endpoint, 'unix:/nonexistent/p2p-tor/control')
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT')
  })
})
