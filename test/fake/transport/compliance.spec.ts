/**
 * The js-libp2p transport compliance suite, run against the real tor()
 * transport talking to a fake Tor (SOCKS5 + control) on loopback: the
 * suite's hard 1–5 s timeouts rule out real Tor (FACTS.md).
 *
 * The suite lives in an install of its own, test/compliance (it pulls in
 * aegir: about 1,800 packages and most of Node 20's EBADENGINE warnings), so
 * that a plain `npm install` and `npm run demo` never fetch it.
 * `npm run compliance:install` installs it, and `npm test` / `npm run test:fake`
 * run that first. It is loaded at run time from that folder; without it this
 * spec fails (it never skips).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { onionListenAddress, tor } from '../../../transports/tor/index.js'
import { generateOnionKey, Onion3 } from '../../../src/onion/index.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { MultiaddrMatcher } from '@multiformats/multiaddr-matcher'
import type { Libp2pInit } from 'libp2p'

// The suite's types, copied from @libp2p/interface-compliance-tests 7.0.16
// (dist/src/index.d.ts, dist/src/transport/index.d.ts). They cannot be
// imported: tsc would then need the nested install, and the demo's build
// (which compiles test/ too) must not.
interface TestSetup<T> {
  setup: (args?: Record<string, unknown>) => Promise<T>
  teardown: () => Promise<void>
}
interface TransportTestFixtures {
  dialAddrs?: [Multiaddr, Multiaddr]
  dialMultiaddrMatcher: MultiaddrMatcher
  listenMultiaddrMatcher: MultiaddrMatcher
  dialer: Libp2pInit
  listener?: Libp2pInit
}
type TransportSuite = (common: TestSetup<TransportTestFixtures>) => void

/**
 * test/compliance in the source tree (this file runs from
 * dist/test/fake/transport/). P2P_TOR_COMPLIANCE_DIR points elsewhere, for a
 * copy of the tree without that folder's node_modules (Stryker's sandbox).
 */
const COMPLIANCE_DIR = process.env.P2P_TOR_COMPLIANCE_DIR ?? fileURLToPath(new URL('../../../../test/compliance/', import.meta.url))
const SUITE_PACKAGE = join(COMPLIANCE_DIR, 'node_modules', '@libp2p', 'interface-compliance-tests', 'package.json')

/** The compliance suite is not installed (or does not load) where this spec looks for it. */
export class ComplianceSuiteMissingError extends Error {
  override name = 'ComplianceSuiteMissingError'
  constructor (dir: string, options?: ErrorOptions) {
    super(`the libp2p transport compliance suite is not installed in ${dir}: run \`npm run compliance:install\` (npm test and npm run test:fake do it first), then run this spec again`, options)
  }
}

async function loadSuite (): Promise<TransportSuite | ComplianceSuiteMissingError> {
  if (!existsSync(SUITE_PACKAGE)) return new ComplianceSuiteMissingError(COMPLIANCE_DIR)
  try {
    const mod = await import(pathToFileURL(join(COMPLIANCE_DIR, 'transport.mjs')).href) as { default: TransportSuite }
    return mod.default
  } catch (err) {
    return new ComplianceSuiteMissingError(COMPLIANCE_DIR, { cause: err })
  }
}

const suite = await loadSuite()

describe('tor() transport compliance (fake Tor on loopback)', () => {
  if (suite instanceof ComplianceSuiteMissingError) {
    it('loads the compliance suite from test/compliance', () => { throw suite })
    return
  }

  let fake: FakeTor | undefined

  suite({
    async setup () {
      fake = await startFakeTor()
      const keys = [generateOnionKey(), generateOnionKey()]
      return {
        dialer: {
          transports: [tor({ socks: fake.socks })]
        },
        listener: {
          addresses: {
            listen: [onionListenAddress(keys[0], 1234).toString(), onionListenAddress(keys[1], 4321).toString()]
          },
          transports: [tor({ keys, socks: fake.socks, control: fake.control })]
        },
        dialMultiaddrMatcher: Onion3,
        listenMultiaddrMatcher: Onion3
      }
    },
    async teardown () {
      await fake?.stop()
      fake = undefined
    }
  })
})
