/**
 * src/onion: service ids (text and bytes), `<id>.onion:<port>`, onion3
 * multiaddrs (text and bytes), tor's key files and ADD_ONION key blobs.
 * Their one typed error for addresses is InvalidOnionAddressError; keys
 * raise InvalidOnionKeyError, key files KeyFileError.
 */
import { multiaddr } from '@multiformats/multiaddr'
import {
  InvalidOnionAddressError, InvalidOnionKeyError, KeyFileError,
  addOnionKeyBlob, decodeOnionKeyFile, encodeOnionKeyFile, formatOnionHostPort, isValidServiceId, onionAddressFromMultiaddr,
  onionAddressFromMultiaddrString, onionAddressToMultiaddr, onionKeyFromAddOnionBlob, parseOnionHostPort, serviceIdFromBytes,
  serviceIdToBytes, validateServiceId
} from '../../src/onion/index.js'
import type { OnionPeerAddress } from '../../src/onion/index.js'
import { check, equalBytes, holds, text } from '../target.js'
import type { FuzzTarget } from '../target.js'

const ADDRESS_WORDS = ['.onion', ':', ':80', ':65535', ':0', ':65536', '.', 'ad', 'yd', 'id', 'qd', 'A', '7', '2', '1', '0', '=']
const MULTIADDR_WORDS = [...ADDRESS_WORDS, '/onion3/', '/p2p/', '/ipfs/', '/tcp/', '/ip4/127.0.0.1', '/', '12D3KooW', 'Qm', 'bafz']

/** A parsed onion multiaddr survives formatting and parsing again unchanged. */
function roundTrips (a: OnionPeerAddress): void {
  holds('onion3 multiaddr round trip', () => {
    const again = onionAddressFromMultiaddrString(onionAddressToMultiaddr(a, a.peerId).toString())
    return again.serviceId === a.serviceId && again.port === a.port && again.peerId === a.peerId
  })
}

export const ONION_TARGETS: FuzzTarget[] = [
  {
    name: 'onion-service-id',
    corpus: 'onion-service-id',
    errors: [InvalidOnionAddressError],
    maxLength: 128,
    dictionary: ADDRESS_WORDS,
    run ({ data }) {
      const s = text(data)
      const valid = isValidServiceId(s)
      try {
        validateServiceId(s)
      } catch (err) {
        check(!valid, 'isValidServiceId accepts what validateServiceId rejects')
        throw err
      }
      check(valid, 'isValidServiceId rejects what validateServiceId accepts')
      holds('service id -> bytes -> service id', () => serviceIdFromBytes(serviceIdToBytes(s)) === s)
    }
  },
  {
    name: 'onion-id-bytes',
    corpus: 'onion-id-bytes',
    errors: [InvalidOnionAddressError],
    maxLength: 64,
    run ({ data }) {
      const id = serviceIdFromBytes(data)
      holds('bytes -> service id -> bytes', () => equalBytes(serviceIdToBytes(id), data))
    }
  },
  {
    name: 'onion-host-port',
    corpus: 'onion-host-port',
    errors: [InvalidOnionAddressError],
    maxLength: 160,
    dictionary: ADDRESS_WORDS,
    run ({ data }) {
      const s = text(data)
      const a = parseOnionHostPort(s)
      holds('<id>.onion:<port> round trip', () => formatOnionHostPort(a) === s)
    }
  },
  {
    name: 'onion-multiaddr',
    corpus: 'onion-multiaddr',
    errors: [InvalidOnionAddressError],
    maxLength: 300,
    dictionary: MULTIADDR_WORDS,
    run ({ data }) {
      roundTrips(onionAddressFromMultiaddrString(text(data)))
    }
  },
  {
    // What a Multiaddr from the wire (identify, a peer record) holds: our
    // parser must reject everything that is not /onion3[/p2p] with its own error.
    name: 'onion-multiaddr-bytes',
    corpus: 'onion-multiaddr-bytes',
    errors: [InvalidOnionAddressError],
    maxLength: 200,
    run ({ data }) {
      let ma
      try {
        ma = multiaddr(data)
      } catch {
        return 'rejected' // @multiformats/multiaddr's own parse: not ours to judge
      }
      roundTrips(onionAddressFromMultiaddr(ma))
    }
  },
  {
    name: 'onion-key-file',
    corpus: 'onion-key-file',
    errors: [KeyFileError],
    maxLength: 160,
    run ({ data }) {
      const key = decodeOnionKeyFile(data, '/fuzz/hs_ed25519_secret_key')
      holds('key file -> key -> key file', () => equalBytes(encodeOnionKeyFile(key), data))
      holds('the key has a valid service id', () => isValidServiceId(key.serviceId))
    }
  },
  {
    name: 'onion-key-blob',
    corpus: 'onion-key-blob',
    errors: [InvalidOnionKeyError],
    maxLength: 160,
    dictionary: ['ED25519-V3:', 'RSA1024:', 'NEW:', '=', '==', '+', '/', '\r\n', ' '],
    run ({ data }) {
      const s = text(data)
      const key = onionKeyFromAddOnionBlob(s)
      holds('key blob round trip', () => addOnionKeyBlob(key) === s)
    }
  }
]
