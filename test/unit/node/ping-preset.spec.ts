/**
 * The ping preset (TOR_PING_DEFAULTS) and where users meet it: the node
 * built by torNodeOptions(), the README's library example and
 * examples/library.ts. libp2p's connection monitor opens a ping stream of
 * its own; with ping()'s default maxOutboundStreams (1), a user's ping() at
 * the same moment gets the connection aborted and never settles
 * (docs/upstream/ping-never-settles.md). The e2e churn spec runs the
 * README's setup 1,000 times; these checks keep the setup itself right.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { TOR_CONNECTION_DEFAULTS, TOR_PING_DEFAULTS, torNodeOptions } from '../../../src/node.js'
import * as root from '../../../src/index.js'

/** Repository files, read from the source tree (tests run from dist/test/unit/node). */
function repoFile (rel: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../../${rel}`, import.meta.url)), 'utf8')
}

/** The arguments of every ping service built in `text` (`ping: ping(...)`). */
function pingFactoryCalls (text: string): string[] {
  return [...text.matchAll(/\bping:\s*ping\(([^)]*)\)/g)].map(m => m[1].trim())
}

describe('node: the ping preset', () => {
  it('leaves room for the connection monitor\'s ping beside a user\'s, and accepts a peer doing the same', () => {
    assert.ok(TOR_PING_DEFAULTS.maxOutboundStreams >= 2, `maxOutboundStreams ${TOR_PING_DEFAULTS.maxOutboundStreams}`)
    assert.ok(TOR_PING_DEFAULTS.maxInboundStreams >= 2 * TOR_PING_DEFAULTS.maxOutboundStreams, `maxInboundStreams ${TOR_PING_DEFAULTS.maxInboundStreams}`)
    assert.equal(TOR_PING_DEFAULTS.timeout, TOR_CONNECTION_DEFAULTS.protocolTimeout)
  })

  it('is exported from the package root', () => {
    assert.equal(root.TOR_PING_DEFAULTS, TOR_PING_DEFAULTS)
  })

  it('is what createTorNode()\'s ping service is built with', async () => {
    const options = await torNodeOptions({ socks: '127.0.0.1:9050' })
    const factory = options.services?.ping as unknown as (components: unknown) => Record<string, unknown>
    const service = factory({ registrar: {}, connectionManager: {} })
    assert.equal(service.maxOutboundStreams, TOR_PING_DEFAULTS.maxOutboundStreams)
    assert.equal(service.maxInboundStreams, TOR_PING_DEFAULTS.maxInboundStreams)
    assert.equal(service.timeout, TOR_PING_DEFAULTS.timeout)
  })

  for (const file of ['README.md', 'examples/library.ts']) {
    it(`${file}: every ping service is built with TOR_PING_DEFAULTS`, () => {
      const calls = pingFactoryCalls(repoFile(file))
      assert.ok(calls.length > 0, `${file} builds no ping service`)
      assert.deepEqual(calls.filter(args => args !== 'TOR_PING_DEFAULTS'), [], `${file} builds ping() without the preset`)
    })
  }

  it('the tor() TSDoc example builds its ping service with the preset', () => {
    const calls = pingFactoryCalls(repoFile('transports/tor/index.ts'))
    assert.ok(calls.length > 0, 'the tor() example builds no ping service')
    assert.deepEqual(calls.filter(args => args !== 'TOR_PING_DEFAULTS'), [])
  })
})
