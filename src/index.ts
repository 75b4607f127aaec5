/**
 * p2p-tor: libp2p over Tor.
 *
 * - `tor()`: the js-libp2p transport (dial /onion3 via SOCKS5, listen with ADD_ONION).
 * - `createTorNode()`: a ready node (tor + noise + yamux + identify + ping).
 * - onion3 address and key helpers, the control client and the SOCKS dialer.
 */
import './polyfill.js'

export * from '../transports/tor/index.js'
export { createTorNode, onionOnly, AGENT_VERSION, TOR_CONNECTION_DEFAULTS } from './node.js'
export type { TorNode, TorNodeOptions } from './node.js'
export * from './onion/index.js'
export * from './socks/index.js'
export * from './control/index.js'
export * from './tor/index.js'
