/**
 * onion3 multiaddr edge cases that only arise from hand-built Multiaddr
 * objects or unusual peer ids: each must be refused with check 'protocol' and
 * a message that says which part is wrong.
 */
import assert from 'node:assert/strict'
import { CODE_ONION3, CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  InvalidOnionAddressError, isValidOnion3Multiaddr, onionAddressFromMultiaddr, onionAddressFromMultiaddrString, onionAddressToMultiaddr
} from '../../../src/onion/index.js'
import { TOR_BUILD_ADDRESS } from './vectors.js'

const ID = TOR_BUILD_ADDRESS
// A libp2p Ed25519 peer id.
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

function protocolError (fn: () => unknown, detail: RegExp): InvalidOnionAddressError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof InvalidOnionAddressError, `expected InvalidOnionAddressError, got ${String(caught)}`)
  assert.equal(caught.check, 'protocol')
  assert.match(caught.message, detail)
  return caught
}

describe('onion3 multiaddrs: unusual inputs', () => {
  it('a /p2p component without a peer id (built from components) is refused as such', () => {
    const ma = multiaddr([{ code: CODE_ONION3, name: 'onion3', value: `${ID}:80` }, { code: CODE_P2P, name: 'p2p', value: '' }])
    protocolError(() => onionAddressFromMultiaddr(ma), /has no peer id/)
  })

  it('a Multiaddr whose toString() throws is reported as unprintable, not with the thrown error', () => {
    const broken = {
      toString (): string { throw new Error('cannot print') },
      getComponents: () => []
    } as unknown as Multiaddr
    const err = protocolError(() => onionAddressFromMultiaddr(broken), /empty multiaddr/)
    assert.equal(err.input, '<unprintable multiaddr>')
  })

  it('a peer id that does not survive encoding unchanged is refused (trailing "/")', () => {
    // multiaddr drops the trailing slash, so the address would name another string than the one given
    protocolError(() => onionAddressToMultiaddr({ serviceId: ID, port: 80 }, `${PEER}/`), /did not survive encoding/)
    assert.equal(onionAddressToMultiaddr({ serviceId: ID, port: 80 }, PEER).toString(), `/onion3/${ID}:80/p2p/${PEER}`)
  })

  it('names the protocols of a non-onion multiaddr, and reports it as its string', () => {
    const err = protocolError(() => onionAddressFromMultiaddr(multiaddr('/ip4/1.2.3.4/tcp/1')), /\(got \/ip4\/tcp\)$/)
    assert.equal(err.input, '/ip4/1.2.3.4/tcp/1')
    protocolError(() => onionAddressFromMultiaddr(multiaddr('/')), /\(an empty multiaddr\)$/)
  })

  it('says whether the port is missing or there are several ":"', () => {
    for (const s of [`/onion3/${ID}`, `/onion3/${ID}/p2p/${PEER}`]) {
      let caught: unknown
      try {
        onionAddressFromMultiaddrString(s)
      } catch (err) {
        caught = err
      }
      assert.ok(caught instanceof InvalidOnionAddressError, String(caught))
      assert.equal(caught.check, 'port', s)
      assert.match(caught.message, /\(no ":<port>" after the service id\)$/)
    }
    const ma = multiaddr([{ code: CODE_ONION3, name: 'onion3', value: `${ID}:80:81` }])
    assert.throws(() => onionAddressFromMultiaddr(ma), (err: Error) =>
      err instanceof InvalidOnionAddressError && err.check === 'port' && /\(more than one ":"\)$/.test(err.message))
  })

  it('keeps the parse error as the cause of an unparseable multiaddr', () => {
    const err = protocolError(() => onionAddressFromMultiaddrString('/ip4/999.1.1.1'), /\(not a parseable multiaddr\)$/)
    assert.ok(err.cause instanceof Error)
  })

  it('refuses a /p2p value that is not a peer id, keeping the decoder error as the cause', () => {
    const ma = multiaddr([{ code: CODE_ONION3, name: 'onion3', value: `${ID}:80` }, { code: CODE_P2P, name: 'p2p', value: 'not-a-peer-id' }])
    const err = protocolError(() => onionAddressFromMultiaddr(ma), /\(the \/p2p value is not a valid peer id\)$/)
    assert.ok(err.cause instanceof Error)
    assert.equal(isValidOnion3Multiaddr(ma), false)
  })

  it('a /p2p component with no value at all is refused as having no peer id', () => {
    const ma = multiaddr([{ code: CODE_ONION3, name: 'onion3', value: `${ID}:80` }, { code: CODE_P2P, name: 'p2p' }])
    protocolError(() => onionAddressFromMultiaddr(ma), /has no peer id/)
  })

  it('reports the precise problem of an onion3 value inside a string multiaddr cannot parse', () => {
    // multiaddr throws on the unknown protocol; the error must still name the onion3 value's own problem
    for (const [s, check] of [[`/onion3/${ID}/nope`, 'port'], [`/onion3/${ID.slice(1)}:80/nope`, 'length'], [`/onion3/${ID}:80/nope`, 'protocol']] as const) {
      assert.throws(() => onionAddressFromMultiaddrString(s), (err: Error) => err instanceof InvalidOnionAddressError && err.check === check, s)
    }
  })
})
