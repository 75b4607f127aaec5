/**
 * The tor() transport's own filters, alone: a transport built directly with
 * a fake logger component, no libp2p node and no gater in front of it. What
 * it lets through is exactly what libp2p will hand it to dial or listen on.
 */
import assert from 'node:assert/strict'
import { tor } from '../../../transports/tor/index.js'
import { NOT_ONION, ONION, ONION_DNS } from '../node/addresses.js'
import { fakeLogger } from './fake-logger.js'

describe('tor() transport filters', () => {
  const transport = tor({ socks: '127.0.0.1:9' })({ logger: fakeLogger() })

  it('dialFilter keeps valid /onion3, with and without /p2p', () => {
    assert.deepEqual(transport.dialFilter(ONION).map(String), ONION.map(String))
  })

  it('dialFilter keeps /dns, /dns4 and /dns6 of a valid <id>.onion with /tcp (the torsocks spelling), with and without /p2p', () => {
    assert.deepEqual(transport.dialFilter(ONION_DNS).map(String), ONION_DNS.map(String))
  })

  it('listenFilter refuses the /dns4 .onion spelling: a node listens only on /onion3', () => {
    assert.deepEqual(transport.listenFilter(ONION_DNS), [])
  })

  it('listenFilter keeps valid /onion3', () => {
    assert.deepEqual(transport.listenFilter(ONION).map(String), ONION.map(String))
  })

  for (const [label, ma] of NOT_ONION) {
    it(`dialFilter and listenFilter refuse ${label}`, () => {
      assert.deepEqual(transport.dialFilter([ma]), [])
      assert.deepEqual(transport.listenFilter([ma]), [])
    })
  }

  it('from a mixed list, keeps only the /onion3 addresses, in order', () => {
    const mixed = [...NOT_ONION.map(([, ma]) => ma), ONION[0], NOT_ONION[0][1], ONION[1]]
    assert.deepEqual(transport.dialFilter(mixed).map(String), ONION.map(String))
    assert.deepEqual(transport.listenFilter(mixed).map(String), ONION.map(String))
  })
})
