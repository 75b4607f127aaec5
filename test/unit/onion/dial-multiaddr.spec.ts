/**
 * The dial spelling of an onion address (issue 17): `/dns|dns4|dns6/<id>.onion/tcp/<port>`
 * beside `/onion3/<id>:<port>`, and explainOnionMultiaddr(), which says why an
 * address would not be dialed. Ids come from C tor's vectors (vectors.ts).
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import {
  explainOnionMultiaddr, isValidOnion3Multiaddr, isValidOnionDialMultiaddr,
  onionAddressFromDialMultiaddr, onionAddressFromMultiaddr
} from '../../../src/onion/index.js'
import * as root from '../../../src/index.js'
import { rejectsAddress } from './assertions.js'
import { CHECKSUM_SECOND_BYTE_WRONG, TOR_BAD_CHECKSUM_ADDRESSES, TOR_BUILD_ADDRESS, VERSION_4_ADDRESS } from './vectors.js'
import type { OnionAddressCheck } from '../../../src/onion/index.js'

const ID = TOR_BUILD_ADDRESS
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

describe('onion dial multiaddr: /dns, /dns4, /dns6 with a .onion name', () => {
  for (const proto of ['dns', 'dns4', 'dns6']) {
    it(`/${proto}/<id>.onion/tcp/<port> is the same onion address as /onion3/<id>:<port>`, () => {
      const ma = multiaddr(`/${proto}/${ID}.onion/tcp/7777`)
      assert.deepEqual(onionAddressFromDialMultiaddr(ma), { serviceId: ID, port: 7777 })
      assert.deepEqual(onionAddressFromDialMultiaddr(ma), onionAddressFromMultiaddr(multiaddr(`/onion3/${ID}:7777`)))
      assert.equal(isValidOnionDialMultiaddr(ma), true)
    })
  }

  it('keeps the peer id of /dns4/<id>.onion/tcp/<port>/p2p/<peer>', () => {
    assert.deepEqual(onionAddressFromDialMultiaddr(multiaddr(`/dns4/${ID}.onion/tcp/80/p2p/${PEER}`)), { serviceId: ID, port: 80, peerId: PEER })
  })

  it('still accepts /onion3, with and without /p2p', () => {
    assert.deepEqual(onionAddressFromDialMultiaddr(multiaddr(`/onion3/${ID}:80/p2p/${PEER}`)), { serviceId: ID, port: 80, peerId: PEER })
    assert.equal(isValidOnionDialMultiaddr(multiaddr(`/onion3/${ID}:80`)), true)
  })

  it('is not an onion3 address: listen and announce (isValidOnion3Multiaddr, onionAddressFromMultiaddr) still refuse it', () => {
    const ma = multiaddr(`/dns4/${ID}.onion/tcp/80`)
    assert.equal(isValidOnion3Multiaddr(ma), false)
    rejectsAddress(() => onionAddressFromMultiaddr(ma), 'protocol')
  })

  const refused: Array<[label: string, ma: string, check: OnionAddressCheck]> = [
    ['a clearnet name', '/dns4/example.com/tcp/80', 'suffix'],
    ['a clearnet name under /dns', '/dns/example.org/tcp/443', 'suffix'],
    ['an onion name with a trailing dot', `/dns4/${ID}.onion./tcp/80`, 'suffix'],
    ['a bad checksum (C tor)', `/dns4/${TOR_BAD_CHECKSUM_ADDRESSES[0]}.onion/tcp/80`, 'checksum'],
    ['a wrong second checksum byte', `/dns6/${CHECKSUM_SECOND_BYTE_WRONG}.onion/tcp/80`, 'checksum'],
    ['version 4', `/dns/${VERSION_4_ADDRESS}.onion/tcp/80`, 'version'],
    ['upper case', `/dns4/${ID.toUpperCase()}.onion/tcp/80`, 'uppercase'],
    ['upper-case .ONION', `/dns4/${ID}.ONION/tcp/80`, 'uppercase'],
    ['a subdomain', `/dns4/www.${ID}.onion/tcp/80`, 'subdomain'],
    ['a short id', `/dns4/${ID.slice(1)}.onion/tcp/80`, 'length'],
    ['port 0', `/dns4/${ID}.onion/tcp/0`, 'port'],
    ['udp instead of tcp', `/dns4/${ID}.onion/udp/80`, 'protocol'],
    ['no port', `/dns4/${ID}.onion`, 'protocol'],
    ['tcp then ws', `/dns4/${ID}.onion/tcp/80/ws`, 'protocol'],
    ['a p2p-circuit after it', `/dns4/${ID}.onion/tcp/80/p2p/${PEER}/p2p-circuit`, 'protocol'],
    ['/dnsaddr of an onion name', `/dnsaddr/${ID}.onion`, 'protocol'],
    ['/ip4', '/ip4/127.0.0.1/tcp/80', 'protocol'],
    ['a /p2p value that is not a peer id', `/dns4/${ID}.onion/tcp/80/p2p/notapeerid`, 'protocol']
  ]

  for (const [label, s, check] of refused) {
    it(`refuses ${label} (check '${check}')`, () => {
      const ma = multiaddr(s)
      rejectsAddress(() => onionAddressFromDialMultiaddr(ma), check)
      assert.equal(isValidOnionDialMultiaddr(ma), false)
    })
  }
})

describe('explainOnionMultiaddr', () => {
  it('says ok, with the address and its spelling, for both spellings', () => {
    assert.deepEqual(explainOnionMultiaddr(multiaddr(`/onion3/${ID}:80/p2p/${PEER}`)), { ok: true, spelling: 'onion3', address: { serviceId: ID, port: 80, peerId: PEER } })
    assert.deepEqual(explainOnionMultiaddr(`/dns4/${ID}.onion/tcp/80`), { ok: true, spelling: 'dns', address: { serviceId: ID, port: 80 } })
  })

  it('gives a bad checksum as the reason, where a libp2p dial says only NoValidAddressesError', () => {
    const r = explainOnionMultiaddr(multiaddr(`/onion3/${TOR_BAD_CHECKSUM_ADDRESSES[0]}:7777`))
    assert.equal(r.ok, false)
    assert.ok(!r.ok)
    assert.equal(r.check, 'checksum')
    assert.match(r.reason, /checksum mismatch/)
    assert.deepEqual(explainOnionMultiaddr(`/dns4/${TOR_BAD_CHECKSUM_ADDRESSES[0]}.onion/tcp/7777`), r)
  })

  it('says a clearnet /dns4 name is never dialed, and why', () => {
    const r = explainOnionMultiaddr('/dns4/example.com/tcp/80')
    assert.ok(!r.ok)
    assert.equal(r.check, 'suffix')
    assert.match(r.reason, /DNS lookup outside Tor/)
  })

  it('names the accepted forms for a non-onion address', () => {
    const r = explainOnionMultiaddr(multiaddr('/ip4/127.0.0.1/tcp/80'))
    assert.ok(!r.ok)
    assert.equal(r.check, 'protocol')
    assert.match(r.reason, /\/onion3\/<56 characters>:<port>/)
    assert.match(r.reason, /\/dns4 or \/dns6 with <56 characters>\.onion/)
  })

  it('explains strings that multiaddr itself cannot parse', () => {
    const port = explainOnionMultiaddr(`/onion3/${ID}:65536`)
    assert.ok(!port.ok)
    assert.equal(port.check, 'port')
    const dns = explainOnionMultiaddr(`/dns4/${ID}.onion/tcp/65536`)
    assert.ok(!dns.ok)
    assert.equal(dns.check, 'protocol')
    assert.match(dns.reason, /65535/)
    const garbage = explainOnionMultiaddr('garbage')
    assert.ok(!garbage.ok)
    assert.equal(garbage.check, 'protocol')
  })

  it('puts no part of the address into the reason (the caller has it)', () => {
    const r = explainOnionMultiaddr(`/dns4/${TOR_BAD_CHECKSUM_ADDRESSES[0]}.onion/tcp/7777/p2p/${PEER}`)
    assert.ok(!r.ok)
    assert.equal(r.reason.includes(TOR_BAD_CHECKSUM_ADDRESSES[0]), false)
    assert.equal(r.reason.includes(PEER), false)
  })

  it('is exported from the package root with its dial-spelling siblings', () => {
    assert.equal(root.explainOnionMultiaddr, explainOnionMultiaddr)
    assert.equal(root.isValidOnionDialMultiaddr, isValidOnionDialMultiaddr)
    assert.equal(root.onionAddressFromDialMultiaddr, onionAddressFromDialMultiaddr)
  })
})
