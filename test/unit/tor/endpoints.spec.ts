import assert from 'node:assert/strict'
import { formatSocksEndpoint, parseSocksEndpoint, parseSocksListeners } from '../../../src/tor/endpoints.js'
import { InvalidEndpointError } from '../../../src/tor/errors.js'

describe('tor endpoints', () => {
  it('parses SOCKS endpoints: host:port, [v6]:port, a bare port', () => {
    assert.deepEqual(parseSocksEndpoint('127.0.0.1:9050'), { host: '127.0.0.1', port: 9050 })
    assert.deepEqual(parseSocksEndpoint('[::1]:9150'), { host: '::1', port: 9150 })
    assert.deepEqual(parseSocksEndpoint('9050'), { host: '127.0.0.1', port: 9050 })
    assert.equal(formatSocksEndpoint({ host: '::1', port: 9150 }), '[::1]:9150')
  })

  it('rejects unix sockets, bad ports and junk with InvalidEndpointError', () => {
    for (const bad of ['unix:/run/tor/socks', '127.0.0.1:0', '127.0.0.1:70000', 'tor', '']) {
      assert.throws(() => parseSocksEndpoint(bad), InvalidEndpointError, bad)
    }
  })

  it('reads GETINFO net/listeners/socks, skipping unix sockets and mapping wildcards to loopback', () => {
    assert.deepEqual(parseSocksListeners('"127.0.0.1:9050" "unix:/run/tor/socks" "[::]:9051" "0.0.0.0:9052"'), [
      { host: '127.0.0.1', port: 9050 },
      { host: '::1', port: 9051 },
      { host: '127.0.0.1', port: 9052 }
    ])
    assert.deepEqual(parseSocksListeners(''), [])
  })
})
