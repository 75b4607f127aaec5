import assert from 'node:assert/strict'
import { aliasDebugNamespaces } from '../../../src/cli/debug.js'

describe('cli DEBUG alias: p2p-tor* means libp2p:tor*', () => {
  it('rewrites p2p-tor patterns, negated ones too, and keeps the others', () => {
    assert.equal(aliasDebugNamespaces('p2p-tor*'), 'libp2p:tor*')
    assert.equal(aliasDebugNamespaces('p2p-tor:*'), 'libp2p:tor:*')
    assert.equal(aliasDebugNamespaces('p2p-tor:control,libp2p:dialer'), 'libp2p:tor:control,libp2p:dialer')
    assert.equal(aliasDebugNamespaces('libp2p:* -p2p-tor:socks'), 'libp2p:*,-libp2p:tor:socks')
  })

  it('leaves DEBUG alone (undefined) when it names no p2p-tor pattern', () => {
    for (const value of [undefined, '', 'libp2p:*', '*']) assert.equal(aliasDebugNamespaces(value), undefined, String(value))
  })
})
