/**
 * A multiaddr-matcher for onion3 addresses, which @multiformats/multiaddr-matcher
 * 3.x does not ship. `value()` rather than `code()`, because `code()` only
 * matches components that carry no value.
 */
import { CODE_ONION3, CODE_P2P } from '@multiformats/multiaddr'
import { and, fmt, optional, value } from '@multiformats/multiaddr-matcher/utils'
import { onionAddressFromDialMultiaddr, onionAddressFromMultiaddr } from './multiaddr.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { MultiaddrMatcher } from '@multiformats/multiaddr-matcher'

/**
 * Structural match only: `/onion3/<anything>` with an optional `/p2p/<id>`.
 * Like every multiaddr-matcher, `matches()` also accepts longer addresses
 * that start this way (e.g. `/onion3/...:80/tcp/1`); use `exactMatch()`, or
 * isValidOnion3Multiaddr() to also check the id, checksum and port.
 */
export const Onion3: MultiaddrMatcher = fmt(and(value(CODE_ONION3), optional(value(CODE_P2P))))

/** Onion3.exactMatch plus full validation (charset, version, checksum, port, peer id encoding). */
export function isValidOnion3Multiaddr (ma: Multiaddr): boolean {
  if (!Onion3.exactMatch(ma)) {
    return false
  }
  try {
    onionAddressFromMultiaddr(ma)
    return true
  } catch {
    return false
  }
}

/**
 * What p2p-tor dials: a valid /onion3 address, or the same onion spelled
 * `/dns|dns4|dns6/<56 characters>.onion/tcp/<port>` (as stock libp2p nodes
 * behind torsocks write it), each with an optional `/p2p/<peer id>`. Fully
 * validated; any other /dns name is refused. Use isValidOnion3Multiaddr for
 * what a node listens on or announces.
 */
export function isValidOnionDialMultiaddr (ma: Multiaddr): boolean {
  try {
    onionAddressFromDialMultiaddr(ma)
    return true
  } catch {
    return false
  }
}
