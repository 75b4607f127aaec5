/**
 * Our control client and SOCKS dialer against real tor on the private
 * network: an onion service published on client 0 and reached from client 1;
 * Tor's extended SOCKS errors F0 (not published) and F6 (bad checksum).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { ControlClient } from '../../src/control/index.js'
import { base32Encode } from '../../src/onion/base32.js'
import { generateOnionKey, serviceIdToBytes } from '../../src/onion/index.js'
import { BadOnionAddressError, OnionServiceNotFoundError, socksConnect } from '../../src/socks/index.js'
import type { TestnetInfo } from '../../src/testnet/index.js'
import { echoThroughTor, F0_MAX_ATTEMPTS, getTestnet, publishService, startEchoServer } from './fixture.js'

/** A service id with a valid version byte and a checksum that is certainly wrong. */
function badChecksumId (): string {
  const bytes = serviceIdToBytes(generateOnionKey().serviceId)
  bytes[32] ^= 0xff
  bytes[33] ^= 0xff
  return base32Encode(bytes)
}

describe('e2e: control + SOCKS against real tor (private network)', function () {
  this.timeout(120_000)
  let net: TestnetInfo
  let control: ControlClient
  let echo: Awaited<ReturnType<typeof startEchoServer>>

  before(async function () {
    this.timeout(120_000)
    net = await getTestnet()
    const c0 = net.clients[0]
    control = await ControlClient.connect({ type: 'tcp', host: '127.0.0.1', port: c0.controlPort })
    await control.authenticate({ cookieFile: c0.cookieFile })
    echo = await startEchoServer()
  })

  after(async () => {
    await control?.close()
    await echo?.close()
  })

  it('publishes an onion service on client 0 that client 1 reaches over socksConnect, bytes echoed both ways', async () => {
    const { serviceId, uploadMs } = await publishService(control, echo.port)
    console.log(`      ADD_ONION -> first HS_DESC UPLOADED: ${uploadMs.toFixed(0)} ms`)
    try {
      const data = randomBytes(64 * 1024)
      const first = await echoThroughTor(net.clients[1].socksPort, serviceId, data)
      console.log(`      first SOCKS connect to the fresh service: ${first.connectMs.toFixed(0)} ms, ${first.attempts} attempt(s) of ${F0_MAX_ATTEMPTS}`)
      assert.ok(first.attempts >= 1 && first.attempts <= F0_MAX_ATTEMPTS, `F0 retries out of bound: ${first.attempts}`)
      assert.ok(first.echoed.equals(data), 'echoed bytes equal the bytes sent')
      const second = await echoThroughTor(net.clients[1].socksPort, serviceId, Buffer.from('again'))
      console.log(`      second SOCKS connect: ${second.connectMs.toFixed(0)} ms, ${second.attempts} attempt(s)`)
      // the descriptor is cached now: no F0 retry
      assert.equal(second.attempts, 1)
      assert.equal(second.echoed.toString(), 'again')
    } finally {
      await control.delOnion(serviceId)
    }
  })

  it('a valid but unpublished onion address fails with F0 (OnionServiceNotFoundError)', async () => {
    const id = generateOnionKey().serviceId
    const t0 = performance.now()
    await assert.rejects(socksConnect({ proxy: { host: '127.0.0.1', port: net.clients[1].socksPort }, host: `${id}.onion`, port: 80, timeoutMs: 60_000 }), (err: Error) => {
      assert.ok(err instanceof OnionServiceNotFoundError, `${err.name}: ${err.message}`)
      assert.equal(err.replyCode, 0xF0)
      return true
    })
    console.log(`      F0 for an unpublished address after ${(performance.now() - t0).toFixed(0)} ms`)
  })

  it('an address with a bad checksum fails with F6 (BadOnionAddressError)', async () => {
    await assert.rejects(socksConnect({ proxy: { host: '127.0.0.1', port: net.clients[1].socksPort }, host: `${badChecksumId()}.onion`, port: 80, timeoutMs: 30_000 }), (err: Error) => {
      assert.ok(err instanceof BadOnionAddressError, `${err.name}: ${err.message}`)
      assert.equal(err.replyCode, 0xF6)
      return true
    })
  })
})
