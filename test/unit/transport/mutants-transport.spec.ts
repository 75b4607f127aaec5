/**
 * What libp2p reads off the transport object itself: the transport symbol,
 * the capability it provides, its tag, and the logger component it asks for.
 */
import assert from 'node:assert/strict'
import { serviceCapabilities, transportSymbol } from '@libp2p/interface'
import { TorTransport } from '../../../transports/tor/transport.js'
import { fakeLogger } from './fake-logger.js'
import type { ComponentLogger } from '@libp2p/interface'

describe('tor() transport: identity', () => {
  it('is a libp2p transport providing @libp2p/transport, tagged p2p-tor, logging as libp2p:tor', () => {
    const names: string[] = []
    const base = fakeLogger()
    const logger: ComponentLogger = { forComponent: (name: string) => { names.push(name); return base.forComponent(name) } }
    const t = new TorTransport({ logger }, { socks: '127.0.0.1:9050' })
    assert.equal(t[transportSymbol], true)
    assert.deepEqual(t[serviceCapabilities], ['@libp2p/transport'])
    assert.equal(t[Symbol.toStringTag], 'p2p-tor')
    assert.equal(Object.prototype.toString.call(t), '[object p2p-tor]')
    assert.deepEqual(names, ['libp2p:tor'])
  })
})
