/**
 * ControlClient.loadConf and hsPost on the wire: the exact bytes of a
 * multi-line "+" command, written in one piece and answered in FIFO order.
 * A minimal loopback server of its own (raw bytes in, scripted bytes out)
 * keeps this file independent of the shared fake control fixture.
 */
import assert from 'node:assert/strict'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { ControlClient } from '../../../src/control/client.js'
import { ControlConnectionClosedError, ControlReplyError, InvalidControlArgumentError } from '../../../src/control/errors.js'
import * as cap from '../../unit/control/captured.js'

const ID = 'jt4grrjwzyz3pjkylwfau5xnjaj23vxmhskqaeyfhrfylelw4hvxcuyd'
const WAIT_MS = 5_000
const POLL_MS = 10

/** Resolves once `ready()` holds; throws after WAIT_MS. */
async function until (what: string, ready: () => boolean): Promise<void> {
  for (let waited = 0; !ready(); waited += POLL_MS) {
    if (waited >= WAIT_MS) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}

describe('control client: multi-line "+" commands on the wire', () => {
  let server: Server
  let peer: Socket | undefined
  let received: string
  let client: ControlClient | undefined

  beforeEach(async () => {
    received = ''
    peer = undefined
    server = createServer(socket => {
      peer = socket
      socket.on('data', chunk => { received += chunk.toString('utf8') })
      socket.on('error', () => {})
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    client = await ControlClient.connect({ type: 'tcp', host: '127.0.0.1', port: (server.address() as AddressInfo).port })
    await until('the connection', () => peer != null)
  })

  afterEach(async () => {
    await client?.close()
    client = undefined
    peer?.destroy()
    await new Promise<void>(resolve => server.close(() => { resolve() }))
  })

  async function answerWhen (expected: string, wire: string): Promise<void> {
    // on a timeout, show what did arrive instead
    await until(JSON.stringify(expected), () => received.length >= expected.length).catch(() => {})
    assert.equal(received, expected)
    peer?.write(wire)
  }

  it('loadConf writes +LOADCONF and dot-stuffed data in one piece; the next command follows it and gets its own reply', async () => {
    const c = client as ControlClient
    const loaded = c.loadConf('SocksPort 0\n.\nContactInfo .x\n')
    const info = c.getInfo('version')
    await answerWhen('+LOADCONF\r\nSocksPort 0\r\n..\r\nContactInfo .x\r\n.\r\nGETINFO version\r\n', `${cap.OK}250-version=0.4.9.11\r\n250 OK\r\n`)
    assert.equal(await loaded, undefined)
    assert.deepEqual(await info, { version: '0.4.9.11' })
  })

  it('loadConf throws ControlReplyError (552, LOADCONF) when tor refuses the config', async () => {
    const c = client as ControlClient
    const loaded = c.loadConf('NoSuchOption 1')
    await answerWhen('+LOADCONF\r\nNoSuchOption 1\r\n.\r\n', cap.LOADCONF_UNKNOWN_OPTION)
    await assert.rejects(loaded, (err: Error) => err instanceof ControlReplyError && err.status === 552 && err.command === 'LOADCONF' && /Unknown option 'NoSuchOption'/.test(err.text))
  })

  it('hsPost writes +HSPOST with its arguments and the descriptor; 554 is a ControlReplyError', async () => {
    const c = client as ControlClient
    const posted = c.hsPost('hs-descriptor 3\r\n', { hsAddress: ID })
    await answerWhen(`+HSPOST HSADDRESS=${ID}\r\nhs-descriptor 3\r\n.\r\n`, cap.HSPOST_INVALID_DESCRIPTOR)
    await assert.rejects(posted, (err: Error) => err instanceof ControlReplyError && err.status === 554 && err.command === 'HSPOST')
  })

  it('refuses bad arguments before writing anything', async () => {
    const c = client as ControlClient
    await assert.rejects(c.loadConf('SocksPort 0\r.\rSIGNAL HALT'), InvalidControlArgumentError)
    await assert.rejects(c.loadConf('SocksPort 0\0'), InvalidControlArgumentError)
    await assert.rejects(c.hsPost('hs-descriptor 3\n', { hsAddress: `${ID}\r\nSIGNAL HALT` }), InvalidControlArgumentError)
    await assert.rejects(c.hsPost('hs-descriptor 3\n', { hsAddress: ID, server: 'x SIGNAL=HALT' }), InvalidControlArgumentError)
    await assert.rejects(c.rawCommand('+LOADCONF'), (err: Error) => err instanceof InvalidControlArgumentError && /loadConf\(\)/.test(err.message))
    const info = c.getInfo('version')
    await answerWhen('GETINFO version\r\n', '250-version=0.4.9.11\r\n250 OK\r\n')
    assert.deepEqual(await info, { version: '0.4.9.11' })
  })

  it('a pending loadConf fails with ControlConnectionClosedError naming LOADCONF when tor goes away, and so does a later one', async () => {
    const c = client as ControlClient
    const loaded = c.loadConf('SocksPort 0')
    await until('the data', () => received.endsWith('.\r\n'))
    peer?.destroy()
    await assert.rejects(loaded, (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'LOADCONF')
    await assert.rejects(c.loadConf('SocksPort 0'), (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'LOADCONF')
  })
})
