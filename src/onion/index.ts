/**
 * src/onion: v3 onion addresses (Tor string <-> bytes <-> multiaddr), the
 * onion3 matcher, identity keys and tor-compatible key files. Knows nothing
 * of libp2p.
 */
export * from './errors.js'
export * from './address.js'
export * from './multiaddr.js'
export * from './matcher.js'
export * from './keys.js'
export * from './keyfile.js'
