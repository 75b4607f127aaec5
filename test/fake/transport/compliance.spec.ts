/**
 * The js-libp2p transport compliance suite, run against the real tor()
 * transport talking to a fake Tor (SOCKS5 + control) on loopback: the
 * suite's hard 1–5 s timeouts rule out real Tor (FACTS.md).
 */
import tests from '@libp2p/interface-compliance-tests/transport'
import { onionListenAddress, tor } from '../../../transports/tor/index.js'
import { generateOnionKey, Onion3 } from '../../../src/onion/index.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'

describe('tor() transport compliance (fake Tor on loopback)', () => {
  let fake: FakeTor | undefined

  tests({
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
