/**
 * `/onion3/<id>:<port>[/p2p/<peer id>]` multiaddrs <-> OnionAddress.
 *
 * @multiformats/multiaddr 13 checks almost nothing about onion3 (it maps a
 * bad port to 0 and keeps upper case), so every id and port is validated here,
 * from the component's string value.
 */
import { CODE_ONION3, CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import type { OnionAddress } from './address.js'
import { decodeServiceId, portOrThrow } from './checks.js'
import { InvalidOnionAddressError } from './errors.js'
import type { Component, Multiaddr } from '@multiformats/multiaddr'

export type OnionPeerAddress = OnionAddress & { peerId?: string }

/** `<id>:<port>`, the value of an onion3 component. */
function parseOnion3Value (value: string, input: string): OnionAddress {
  const parts = value.split(':')
  if (parts.length !== 2) {
    throw new InvalidOnionAddressError('port', input, parts.length < 2 ? 'no ":<port>" after the service id' : 'more than one ":"')
  }
  decodeServiceId(parts[0], input)
  return { serviceId: parts[0], port: portOrThrow(parts[1], input) }
}

function describe (components: Component[]): string {
  return components.length === 0 ? 'an empty multiaddr' : `got ${components.map(c => `/${c.name}`).join('')}`
}

function fromComponents (ma: Multiaddr, input: string): OnionPeerAddress {
  const components = ma.getComponents()
  const [onion, p2p, ...rest] = components
  if (onion?.code !== CODE_ONION3 || (p2p != null && p2p.code !== CODE_P2P) || rest.length > 0) {
    throw new InvalidOnionAddressError('protocol', input, describe(components))
  }
  const address = parseOnion3Value(onion.value ?? '', input)
  if (p2p == null) {
    return address
  }
  if (p2p.value == null || p2p.value === '') {
    throw new InvalidOnionAddressError('protocol', input, 'the /p2p component has no peer id')
  }
  try {
    // Encoding the peer id from its text decodes it (base58btc or a CID). Not
    // `ma.bytes`: a Multiaddr built from bytes keeps them unchecked, so a
    // truncated multihash would pass.
    void multiaddr(`/p2p/${p2p.value}`).bytes
  } catch (err) {
    throw new InvalidOnionAddressError('protocol', input, 'the /p2p value is not a valid peer id', { cause: err })
  }
  return { ...address, peerId: p2p.value }
}

function safeToString (ma: Multiaddr): string {
  try {
    return ma.toString()
  } catch {
    return '<unprintable multiaddr>'
  }
}

/**
 * The onion address (and peer id, if any) of exactly `/onion3/<id>:<port>`,
 * optionally followed by `/p2p/<peer id>`. Anything else throws
 * InvalidOnionAddressError with check 'protocol'; a bad id or port throws with
 * the matching check.
 */
export function onionAddressFromMultiaddr (ma: Multiaddr): OnionPeerAddress {
  return fromComponents(ma, safeToString(ma))
}

/** As onionAddressFromMultiaddr, from a string; multiaddr parse errors become InvalidOnionAddressError. */
export function onionAddressFromMultiaddrString (s: string): OnionPeerAddress {
  let ma: Multiaddr
  try {
    ma = multiaddr(s)
  } catch (err) {
    if (s.startsWith('/onion3/')) {
      // Report the precise problem with the onion3 value (e.g. a missing port).
      parseOnion3Value(s.slice('/onion3/'.length).split('/')[0], s)
    }
    throw new InvalidOnionAddressError('protocol', s, 'not a parseable multiaddr', { cause: err })
  }
  return fromComponents(ma, s)
}

/** `/onion3/<id>:<port>`, plus `/p2p/<peerId>` when given. Validates everything. */
export function onionAddressToMultiaddr (a: OnionAddress, peerId?: string): Multiaddr {
  const s = `/onion3/${a.serviceId}:${String(a.port)}${peerId != null ? `/p2p/${peerId}` : ''}`
  const parsed = onionAddressFromMultiaddrString(s)
  // A peer id containing "/" would add components; the structure check above
  // rejects that, and this catches any remaining mismatch.
  if (parsed.peerId !== peerId) {
    throw new InvalidOnionAddressError('protocol', s, 'the peer id did not survive encoding')
  }
  return multiaddr(s)
}
