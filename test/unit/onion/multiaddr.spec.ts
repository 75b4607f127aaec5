import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import {
  InvalidOnionAddressError, isValidOnion3Multiaddr, Onion3, onionAddressFromMultiaddr,
  onionAddressFromMultiaddrString, onionAddressToMultiaddr
} from '../../../src/onion/index.js'
import type { OnionAddressCheck } from '../../../src/onion/index.js'
import { rejectsAddress } from './assertions.js'
import { onionAddressArb, peerIdArb } from './arbitraries.js'
import { CHECKSUM_FIRST_BYTE_WRONG, CHECKSUM_SECOND_BYTE_WRONG, TOR_BAD_CHECKSUM_ADDRESSES, TOR_BUILD_ADDRESS, VERSION_4_ADDRESS } from './vectors.js'

const ID = TOR_BUILD_ADDRESS
// A libp2p Ed25519 peer id.
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'


/** Both entry points: from a string, and from an already-built Multiaddr when multiaddr can build one. */
function rejectsBoth (s: string, check: OnionAddressCheck): void {
  rejectsAddress(() => onionAddressFromMultiaddrString(s), check)
  let ma
  try {
    ma = multiaddr(s)
  } catch {
    return
  }
  rejectsAddress(() => onionAddressFromMultiaddr(ma), check)
  assert.equal(isValidOnion3Multiaddr(ma), false)
}

describe('onion3 multiaddr', () => {
  it('parses /onion3/<id>:<port>', () => {
    assert.deepEqual(onionAddressFromMultiaddrString(`/onion3/${ID}:80`), { serviceId: ID, port: 80 })
    assert.deepEqual(onionAddressFromMultiaddr(multiaddr(`/onion3/${ID}:65535`)), { serviceId: ID, port: 65535 })
  })

  it('parses /onion3/<id>:<port>/p2p/<peer id>', () => {
    assert.deepEqual(onionAddressFromMultiaddrString(`/onion3/${ID}:1/p2p/${PEER}`), { serviceId: ID, port: 1, peerId: PEER })
  })

  it('parses the binary form (protocol 445, 35-byte address, 2-byte big-endian port)', () => {
    const bytes = new Uint8Array([0xbd, 0x03, ...multiaddr(`/onion3/${ID}:80`).bytes.subarray(2, 37), 0x00, 0x50])
    assert.deepEqual(onionAddressFromMultiaddr(multiaddr(bytes)), { serviceId: ID, port: 80 })
  })

  it('builds the multiaddr string', () => {
    assert.equal(onionAddressToMultiaddr({ serviceId: ID, port: 80 }).toString(), `/onion3/${ID}:80`)
    assert.equal(onionAddressToMultiaddr({ serviceId: ID, port: 80 }, PEER).toString(), `/onion3/${ID}:80/p2p/${PEER}`)
  })

  describe('rejects', () => {
    it('/ip4, /ip6 and /dns4 addresses', () => {
      rejectsBoth('/ip4/127.0.0.1/tcp/80', 'protocol')
      rejectsBoth('/ip6/::1/tcp/80', 'protocol')
      rejectsBoth('/dns4/example.com/tcp/80', 'protocol')
      rejectsBoth(`/dns4/${ID}.onion/tcp/80`, 'protocol')
    })

    it('/onion3 followed by anything but /p2p, or preceded by anything', () => {
      rejectsBoth(`/onion3/${ID}:80/tcp/1`, 'protocol')
      rejectsBoth(`/onion3/${ID}:80/p2p/${PEER}/tcp/1`, 'protocol')
      rejectsBoth(`/tcp/1/onion3/${ID}:80`, 'protocol')
    })

    it('an empty or unparseable multiaddr', () => {
      rejectsBoth('', 'protocol')
      rejectsBoth('garbage', 'protocol')
      rejectsBoth('/nosuchprotocol/1', 'protocol')
    })

    it('a /p2p value that is not a peer id', () => {
      rejectsBoth(`/onion3/${ID}:80/p2p/notapeerid`, 'protocol')
      rejectsBoth(`/onion3/${ID}:80/p2p/`, 'protocol')
      assert.throws(() => onionAddressToMultiaddr({ serviceId: ID, port: 80 }, `${PEER}/tcp/1`), InvalidOnionAddressError)
    })

    it('a /p2p value that is not a peer id, in a multiaddr built from bytes (found by npm run fuzz)', () => {
      // /onion3/<valid id>:2453 then /p2p/ whose length byte says 34 but only 10 bytes follow:
      // a truncated sha256 multihash. multiaddr() builds it from bytes without complaint.
      const ma = multiaddr(Buffer.from('bd03e9843f806cdbfd4a67a5a92311654939d4abd464291d71a986e611b081f7164d099503ffffa503221220d52ebb897eb1336b', 'hex'))
      rejectsAddress(() => onionAddressFromMultiaddr(ma), 'protocol')
      assert.equal(isValidOnion3Multiaddr(ma), false)
    })

    it('bad ports, which multiaddr itself would encode as 0', () => {
      for (const port of ['0', '65536', 'abc', '+1', '080', '']) {
        rejectsBoth(`/onion3/${ID}:${port}`, 'port')
      }
      rejectsBoth(`/onion3/${ID}`, 'port')
      rejectsBoth(`/onion3/${ID}:80:81`, 'port')
      // multiaddr turns port 65536 into bytes 00 00; the decoded value is ":0"
      rejectsAddress(() => onionAddressFromMultiaddr(multiaddr(multiaddr(`/onion3/${ID}:65536`).bytes)), 'port')
    })

    it('a bad service id', () => {
      rejectsBoth(`/onion3/${ID.toUpperCase()}:80`, 'uppercase')
      rejectsBoth(`/onion3/${TOR_BAD_CHECKSUM_ADDRESSES[0]}:80`, 'checksum')
      rejectsBoth(`/onion3/${VERSION_4_ADDRESS}:80`, 'version')
      rejectsBoth(`/onion3/${ID.slice(1)}:80`, 'length')
      rejectsBoth(`/onion3/0${ID.slice(1)}:80`, 'charset')
      rejectsAddress(() => onionAddressToMultiaddr({ serviceId: `${ID}.onion`, port: 80 }), 'length')
    })

    it('a checksum wrong in only one of its two bytes', () => {
      rejectsBoth(`/onion3/${CHECKSUM_FIRST_BYTE_WRONG}:80`, 'checksum')
      rejectsBoth(`/onion3/${CHECKSUM_SECOND_BYTE_WRONG}:80`, 'checksum')
      rejectsBoth(`/onion3/${CHECKSUM_SECOND_BYTE_WRONG}:80/p2p/${PEER}`, 'checksum')
    })

    it('reporting the whole multiaddr as the input', () => {
      const s = `/onion3/${ID}:0/p2p/${PEER}`
      assert.throws(() => onionAddressFromMultiaddrString(s), (err: unknown) => {
        assert.ok(err instanceof InvalidOnionAddressError)
        assert.equal(err.input, s)
        return true
      })
    })
  })

  describe('properties', () => {
    it('OnionAddress -> multiaddr -> OnionAddress round-trips without /p2p', () => {
      fc.assert(fc.property(onionAddressArb, a => {
        const ma = onionAddressToMultiaddr(a)
        assert.deepEqual(onionAddressFromMultiaddr(ma), a)
        assert.deepEqual(onionAddressFromMultiaddr(multiaddr(ma.bytes)), a)
        assert.deepEqual(onionAddressFromMultiaddrString(ma.toString()), a)
        assert.equal(isValidOnion3Multiaddr(ma), true)
      }))
    })

    it('OnionAddress -> multiaddr -> OnionAddress round-trips with /p2p', () => {
      fc.assert(fc.property(onionAddressArb, peerIdArb, (a, peerId) => {
        const ma = onionAddressToMultiaddr(a, peerId)
        assert.deepEqual(onionAddressFromMultiaddr(ma), { ...a, peerId })
        assert.deepEqual(onionAddressFromMultiaddr(multiaddr(ma.bytes)), { ...a, peerId })
        assert.equal(isValidOnion3Multiaddr(ma), true)
      }))
    })

    it('valid input is accepted: any generated /onion3 string, with or without /p2p, parses and re-formats (pairs the property below)', () => {
      fc.assert(fc.property(onionAddressArb, fc.option(peerIdArb, { nil: undefined }), (a, peerId) => {
        const s = `/onion3/${a.serviceId}:${a.port}` + (peerId != null ? `/p2p/${peerId}` : '')
        const parsed = onionAddressFromMultiaddrString(s)
        assert.deepEqual(parsed, peerId != null ? { ...a, peerId } : a)
        assert.equal(onionAddressToMultiaddr(a, peerId).toString(), s)
        assert.equal(isValidOnion3Multiaddr(multiaddr(s)), true)
      }))
    })

    it('arbitrary text either parses or throws InvalidOnionAddressError', () => {
      const text = fc.oneof(fc.string(), fc.string().map(s => `/onion3/${s}`), fc.string().map(s => `/onion3/${ID}:${s}`))
      fc.assert(fc.property(text, s => {
        try {
          onionAddressFromMultiaddrString(s)
        } catch (err) {
          assert.ok(err instanceof InvalidOnionAddressError, String(err))
        }
      }))
    })
  })
})

describe('Onion3 matcher', () => {
  it('exactly matches /onion3/<id>:<port> and /onion3/<id>:<port>/p2p/<peer id>', () => {
    assert.equal(Onion3.exactMatch(multiaddr(`/onion3/${ID}:80`)), true)
    assert.equal(Onion3.exactMatch(multiaddr(`/onion3/${ID}:80/p2p/${PEER}`)), true)
    assert.equal(Onion3.matches(multiaddr(`/onion3/${ID}:80`)), true)
  })

  it('does not match /ip4, /dns4 or /onion3 followed by /tcp', () => {
    for (const s of ['/ip4/127.0.0.1/tcp/80', '/dns4/example.com/tcp/80', `/onion3/${ID}:80/tcp/1`, `/tcp/1/onion3/${ID}:80`]) {
      assert.equal(Onion3.exactMatch(multiaddr(s)), false, s)
      assert.equal(isValidOnion3Multiaddr(multiaddr(s)), false, s)
    }
    assert.equal(Onion3.matches(multiaddr('/ip4/127.0.0.1/tcp/80')), false)
    assert.equal(Onion3.matches(multiaddr('/dns4/example.com/tcp/80')), false)
  })

  it('like every multiaddr-matcher, matches() accepts a longer address with the same start', () => {
    // This is why transports filter with exactMatch() or isValidOnion3Multiaddr().
    assert.equal(Onion3.matches(multiaddr(`/onion3/${ID}:80/tcp/1`)), true)
  })

  it('is structural; isValidOnion3Multiaddr also checks checksum, version and port', () => {
    for (const s of [`/onion3/${TOR_BAD_CHECKSUM_ADDRESSES[0]}:80`, `/onion3/${CHECKSUM_SECOND_BYTE_WRONG}:80`, `/onion3/${VERSION_4_ADDRESS}:80`, `/onion3/${ID}:65536`, `/onion3/${ID}:0`]) {
      assert.equal(Onion3.exactMatch(multiaddr(s)), true, s)
      assert.equal(isValidOnion3Multiaddr(multiaddr(s)), false, s)
    }
  })
})
