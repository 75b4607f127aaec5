/**
 * What ControlClient writes to the debug log (DEBUG=libp2p:tor:control*):
 * enough to follow a session (the endpoint, each verb and its status, why a
 * command was given up and why the connection dropped), and never a reply's
 * text, a key, a cookie or an onion id (src/control/client.ts, file comment).
 */
import assert from 'node:assert/strict'
import { ControlClient } from '../../../src/control/client.js'
import { addOnionKeyBlob, generateOnionKey } from '../../../src/onion/index.js'
import { captureLog } from '../../fixtures/capture-log.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'

const NS = ['libp2p:tor:control', 'libp2p:tor:control:error']

describe('control client: debug log', () => {
  let fake: FakeTorControl

  beforeEach(async () => { fake = await FakeTorControl.start() })
  afterEach(async () => { await fake.close() })

  it('names the endpoint, each verb and its status, a given-up command and the drop, and no key, onion id or reply text', async () => {
    const key = generateOnionKey()
    const blob = addOnionKeyBlob(key)
    fake.script(
      [/^ADD_ONION /, `250-ServiceID=${key.serviceId}\r\n250 OK\r\n`],
      ['GETINFO version', null]
    )
    const ac = new AbortController()
    const { entries } = await captureLog(NS, async () => {
      const client = await ControlClient.connect(fake.endpoint)
      const closed = new Promise(resolve => client.once('close', resolve))
      assert.deepEqual(await client.addOnion({ key: blob, flags: ['DiscardPK'], ports: [{ virtualPort: 80 }] }), { serviceId: key.serviceId })
      // an event that does not parse is logged and dropped; the connection stays
      // the CIRC event is neither HS_DESC nor STATUS_CLIENT: nothing to parse, nothing logged
      const event = new Promise(resolve => client.on('event', (r) => { if (r.lines[0].text.startsWith('CIRC')) resolve(r) }))
      fake.push('650 HS_DESC UPLOADED\r\n650 CIRC 1 LAUNCHED\r\n')
      await event
      const pending = client.getInfo('version', { signal: ac.signal })
      await fake.waitForLines(2)
      ac.abort()
      await assert.rejects(pending, (err: Error) => err.name === 'AbortError')
      await closed
    })
    const ep = `127.0.0.1:${(fake.endpoint as { port: number }).port}`
    assert.deepEqual(entries.map(e => `${e.namespace} ${e.message}`), [
      `libp2p:tor:control connected to ${ep}`,
      'libp2p:tor:control sending ADD_ONION',
      'libp2p:tor:control ADD_ONION -> 250',
      'libp2p:tor:control:error ignoring a malformed event: ControlProtocolError: malformed reply on the Tor control connection: HS_DESC event has 1 of its 4 required fields; is the endpoint really a Tor control port?',
      'libp2p:tor:control sending GETINFO',
      'libp2p:tor:control giving up on GETINFO: AbortError',
      'libp2p:tor:control:error dropping the control connection: AbortError: This operation was aborted',
      `libp2p:tor:control control connection to ${ep} closed`
    ])
    const all = entries.map(e => e.raw).join('\n')
    assert.ok(!all.includes(key.serviceId), 'the onion id is logged')
    assert.ok(!all.includes(blob.slice('ED25519-V3:'.length, 40)), 'the private key is logged')
  })
})
