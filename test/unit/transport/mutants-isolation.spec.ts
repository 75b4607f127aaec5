/**
 * StreamIsolation's credentials have a fixed shape: username 'p2p-tor' and
 * 32 lower-case hex characters (128 bits of a SHA-256), so they fit every
 * SOCKS5 field and reveal nothing of the key they came from.
 */
import assert from 'node:assert/strict'
import { StreamIsolation } from '../../../transports/tor/isolation.js'
import { TOR_BUILD_ADDRESS } from '../onion/vectors.js'

describe('StreamIsolation: credential shape', () => {
  it('gives username p2p-tor and a 32-hex-digit password in both isolating modes', () => {
    for (const mode of ['peer', 'connection'] as const) {
      const { username, password } = new StreamIsolation(mode).credentialsFor(TOR_BUILD_ADDRESS)
      assert.equal(username, 'p2p-tor')
      assert.match(password ?? '', /^[0-9a-f]{32}$/, mode)
    }
  })
})
