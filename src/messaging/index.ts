/**
 * p2p-tor/messaging: a hub with key-based roles and per-URI permissions,
 * PubSub on gossipsub, and RPC routed through the hub. Knows nothing of chat,
 * webhooks or the CLI. See ARCHITECTURE.md and docs/messaging.md.
 */
export { Hub, MAX_HUB_TOPICS, type HubEvents, type HubInit } from './hub.js'
export { Member, verifyHistory, type CallOptions, type Delivery, type MemberEvents, type MemberInit, type MessageHandler, type PublishOptions, type SubscribeOptions, type RegisterOptions } from './member.js'
export { createHubNode, createMemberNode, hubPeerOf, type HubNodeOptions, type MemberNodeOptions, type MessagingNode, type MessagingServices } from './node.js'
export { parseRealm, loadRealm, watchRealm, type Realm, type HistoryPolicy, type HubPeer, type RealmLimits } from './realm.js'
export { validateUri, matchUri } from './uri.js'
export { HUB_PROTOCOL } from './session.js'
export { Sealing, NoCardError, NotFromAcceptedSenderError, IMPORTED_CARDS_DIR, type SealingInit, type CardFetcher } from './sealing.js'
export type { ProcedureHandler, ProcedureContext } from './rpc-member.js'
export {
  HubUnavailableError, InvalidUriError, NoSuchProcedureError, NotAuthorizedError, ProcedureAlreadyRegisteredError,
  ProtocolError, RealmError, RpcError, type Action
} from './errors.js'
export { hubGossipsubOptions, memberGossipsubOptions } from './gossip.js'
export { JSON_CONTENT_TYPE, BYTES_CONTENT_TYPE } from './envelope.js'
