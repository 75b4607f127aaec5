/**
 * p2p-tor: libp2p over Tor. The package root holds what a libp2p user needs:
 *
 * - `tor()`: the js-libp2p transport (dial /onion3 via SOCKS5, listen with ADD_ONION);
 * - `createTorNode()`: a ready node (tor + noise + yamux + identify + ping);
 * - the onion3 address and key helpers, and the typed errors a node can meet.
 *
 * The layers below have their own entry points: `p2p-tor/tor` (obtain a tor
 * handle to share: attachTor, launchTor, getTor), `p2p-tor/control` (the
 * control-port client), `p2p-tor/socks` (SOCKS5 through Tor), `p2p-tor/onion`
 * (every onion3 helper) and `p2p-tor/testnet` (a private Tor network).
 *
 * This list is explicit on purpose: a name added to a layer below does not
 * become public API here by accident.
 */
import './polyfill.js'

// the transport and the node
export { tor, onionListenAddress } from '../transports/tor/index.js'
export type { TorTransportInit, TorDialEvents, TorSourceInit, IsolationMode, LocalTarget, TorNodeEvents } from '../transports/tor/index.js'
export { createTorNode, torNodeOptions, onionOnly, AGENT_VERSION, TOR_CONNECTION_DEFAULTS, TOR_PING_DEFAULTS } from './node.js'
export type { TorNode, TorNodeOptions, TorNodeLibp2pOptions, TorNodeServices } from './node.js'
export type { TorHandle } from './tor/index.js'

// errors of the transport itself
export {
  MissingOnionKeyError,
  OnionAlreadyListeningError,
  OnionInUseError,
  OnionPublishFailedError,
  OnionPublishTimeoutError,
  NoControlPortError,
  ListenerClosedError,
  TorStreamError
} from '../transports/tor/index.js'

// errors a dial meets: the SOCKS reply, with one class per onion-service code (F0-F7)
export {
  SocksError,
  SocksReplyError,
  OnionServiceNotFoundError,
  OnionDescriptorInvalidError,
  OnionIntroFailedError,
  OnionRendezvousFailedError,
  OnionClientAuthMissingError,
  OnionClientAuthBadError,
  BadOnionAddressError,
  OnionIntroTimeoutError
} from './socks/index.js'

// errors of finding, launching and talking to tor
export { TorNotFoundError, TorNotInstalledError, TorExitedError } from './tor/index.js'
export { InvalidTorOptionsError, TorUnavailableError } from './tor/index.js'
export { ControlUnreachableError, ControlConnectionClosedError, ControlReplyError, TorBootstrapTimeoutError } from './control/index.js'

// onion3 addresses and keys: validation (with the reason: explainOnionMultiaddr), multiaddr <-> string <-> bytes,
// the /dns4/<id>.onion/tcp/<port> dial spelling, key generation and key files, the matcher
export {
  InvalidOnionAddressError,
  InvalidOnionKeyError,
  KeyFileError,
  validateServiceId,
  isValidServiceId,
  isValidOnion3Multiaddr,
  isValidOnionDialMultiaddr,
  explainOnionMultiaddr,
  parseOnionHostPort,
  formatOnionHostPort,
  serviceIdToBytes,
  serviceIdFromBytes,
  onionAddressFromMultiaddr,
  onionAddressFromMultiaddrString,
  onionAddressFromDialMultiaddr,
  onionAddressToMultiaddr,
  generateOnionKey,
  onionKeyFromSeed,
  loadOnionKeyFile,
  saveOnionKeyFile,
  loadOrCreateOnionKeyFile,
  Onion3
} from './onion/index.js'
export type { OnionAddress, OnionPeerAddress, OnionMultiaddrExplanation, OnionMultiaddrSpelling, OnionKey, OnionAddressCheck, OnionKeyProblem, KeyFileProblem } from './onion/index.js'
