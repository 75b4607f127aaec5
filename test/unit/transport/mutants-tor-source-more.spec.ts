/**
 * TorSource once a tor is "opened" without any network: a SOCKS-only plan
 * (no handle at all) and a handle given as `tor` that is not supervised.
 * What listening and dialing get from each: control() refuses a SOCKS-only
 * tor with NoControlPortError, a plain handle's control and SOCKS port are
 * passed through, and `managed` stays false after opening.
 */
import assert from 'node:assert/strict'
import { TorSource } from '../../../transports/tor/tor-source.js'
import { NoControlPortError } from '../../../transports/tor/errors.js'
import type { ControlClient } from '../../../src/control/index.js'
import type { TorHandle } from '../../../src/tor/index.js'

describe('TorSource: a SOCKS-only tor and a given plain handle', () => {
  it('SOCKS only: socks() is the port, control() is NoControlPortError, and it is not managed once opened', async () => {
    const source = new TorSource({ socks: '127.0.0.1:9050' })
    assert.deepEqual(await source.socks(), { host: '127.0.0.1', port: 9050 })
    const opened = await source.get()
    assert.equal(opened.handle, undefined)
    // read after opening: the opened tor has no handle to ask for its mode
    assert.equal(source.managed, false)
    await assert.rejects(source.control(), (err: Error) => {
      assert.ok(err instanceof NoControlPortError, String(err))
      return true
    })
    await source.close()
  })

  it('a given handle without supervision: control() and socks() are its own, and close() leaves it open', async () => {
    const control = { closed: false } as unknown as ControlClient
    let closed = 0
    const handle = {
      mode: 'attach',
      socks: { host: '127.0.0.1', port: 19050 },
      control,
      description: 'a handle from the test',
      close: async () => { closed++ }
    } as unknown as TorHandle
    const source = new TorSource({ tor: handle })
    // a plain handle has no assertAvailable(): only a SupervisedTor is asked
    assert.equal(await source.control(), control)
    assert.deepEqual(await source.socks(), { host: '127.0.0.1', port: 19050 })
    assert.equal(source.managed, false)
    await source.close()
    assert.equal(closed, 0)
  })
})
