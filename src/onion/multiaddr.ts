/**
 * `/onion3/<id>:<port>[/p2p/<peer id>]` multiaddrs <-> OnionAddress, and the
 * other spelling that stock libp2p nodes behind torsocks use on dial:
 * `/dns|dns4|dns6/<id>.onion/tcp/<port>[/p2p/<peer id>]`.
 *
 * @multiformats/multiaddr 13 checks almost nothing about onion3 (it maps a
 * bad port to 0 and keeps upper case), so every id and port is validated here,
 * from the component's string value.
 */
import { CODE_DNS, CODE_DNS4, CODE_DNS6, CODE_ONION3, CODE_P2P, CODE_TCP, multiaddr } from '@multiformats/multiaddr'
import type { OnionAddress } from './address.js'
import { decodeServiceId, ONION_SUFFIX, onionHostOrThrow, portOrThrow } from './checks.js'
import { InvalidOnionAddressError, type OnionAddressCheck } from './errors.js'
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
  return withPeerId(parseOnion3Value(onion.value ?? '', input), p2p, input)
}

const DNS_CODES = new Set([CODE_DNS, CODE_DNS4, CODE_DNS6])

/**
 * `/dns|dns4|dns6/<id>.onion/tcp/<port>[/p2p/<peer id>]`: the host must be a
 * valid v3 onion name (lower case, no subdomain, version and checksum
 * checked), so no other name can pass for one and reach a resolver.
 */
function fromDnsComponents (components: Component[], input: string): OnionPeerAddress {
  const [dns, tcp, p2p, ...rest] = components
  if (tcp?.code !== CODE_TCP || (p2p != null && p2p.code !== CODE_P2P) || rest.length > 0) {
    throw new InvalidOnionAddressError('protocol', input, `${describe(components)}; a /${dns.name} onion name must be followed by /tcp/<port>, optionally by /p2p/<peer id>, and nothing else`)
  }
  const host = dns.value ?? ''
  if (!host.toLowerCase().endsWith(ONION_SUFFIX)) {
    throw new InvalidOnionAddressError('suffix', input, `/${dns.name} is accepted only for a <56 characters>.onion name, which tor resolves; any other name would need a DNS lookup outside Tor`)
  }
  const serviceId = onionHostOrThrow(host, input)
  return withPeerId({ serviceId, port: portOrThrow(tcp.value ?? '', input) }, p2p, input)
}

function withPeerId (address: OnionAddress, p2p: Component | undefined, input: string): OnionPeerAddress {
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

/**
 * The onion address (and peer id, if any) of a multiaddr that p2p-tor will
 * dial: either `/onion3/<id>:<port>` or `/dns|dns4|dns6/<id>.onion/tcp/<port>`,
 * each optionally followed by `/p2p/<peer id>`. The second spelling is what a
 * stock libp2p node reached through torsocks can express (Quiet uses it too);
 * the name goes to tor's SOCKS port as a hostname and is never resolved
 * locally. Anything else throws InvalidOnionAddressError. Listening and
 * announcing take only /onion3 (onionAddressFromMultiaddr).
 */
export function onionAddressFromDialMultiaddr (ma: Multiaddr): OnionPeerAddress {
  const input = safeToString(ma)
  const components = ma.getComponents()
  if (components.length > 0 && DNS_CODES.has(components[0].code)) {
    return fromDnsComponents(components, input)
  }
  try {
    return fromComponents(ma, input)
  } catch (err) {
    if ((err as InvalidOnionAddressError).check === 'protocol' && components[0]?.code !== CODE_ONION3) {
      throw new InvalidOnionAddressError('protocol', input, `${describe(components)}; /dns, /dns4 or /dns6 with <56 characters>.onion and /tcp/<port> is accepted too`)
    }
    throw err
  }
}

/** Either spelling of {@link onionAddressFromDialMultiaddr}. */
export type OnionMultiaddrSpelling = 'onion3' | 'dns'

export type OnionMultiaddrExplanation =
  | { ok: true, address: OnionPeerAddress, spelling: OnionMultiaddrSpelling }
  | { ok: false, check: OnionAddressCheck, reason: string }

/**
 * Why p2p-tor would or would not dial `ma`, without throwing. libp2p's own
 * dial reports only `NoValidAddressesError` for an address every filter
 * refused; this gives the rule it broke (a bad checksum, an upper-case
 * letter, a /dns name that is not an onion, ...) and a message that says
 * what to fix. Takes a Multiaddr or its string (so a port that multiaddr
 * itself cannot parse is explained too).
 */
export function explainOnionMultiaddr (ma: Multiaddr | string): OnionMultiaddrExplanation {
  try {
    const parsed = typeof ma === 'string' ? parseDialString(ma) : ma
    const address = onionAddressFromDialMultiaddr(parsed)
    return { ok: true, address, spelling: parsed.getComponents()[0].code === CODE_ONION3 ? 'onion3' : 'dns' }
  } catch (err) {
    if (err instanceof InvalidOnionAddressError) {
      return { ok: false, check: err.check, reason: err.message }
    }
    throw err
  }
}

function parseDialString (s: string): Multiaddr {
  try {
    return multiaddr(s)
  } catch (err) {
    if (s.startsWith('/onion3/')) {
      onionAddressFromMultiaddrString(s)
    }
    throw new InvalidOnionAddressError('protocol', s, `not a parseable multiaddr: ${(err as Error).message}`, { cause: err })
  }
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
