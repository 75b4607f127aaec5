/**
 * GitHub webhooks to a hidden builder (issue 15), built on p2p-tor/messaging:
 * a relay that verifies GitHub's POSTs and forwards them as sealed publishes,
 * and a builder that subscribes, re-verifies each signature with its own
 * secret, and runs a command. Knows nothing of the CLI.
 */
export { createRelayHandler, formatRelayLog, type RelayHandler, type RelayHandlerOptions, type RelayHealth, type RelayLogEntry, type RelayRejections, type WebhookPublisher } from './relay.js'
export { startRelayServer, type RelayServer, type RelayServerOptions } from './server.js'
export { runBuilder, formatBuilderLog, type Builder, type BuilderLogEntry, type BuilderOptions, type WebhookMessage, type WebhookSubscriber } from './builder.js'
export { encodeRecord, decodeRecord, RECORD_VERSION, RECORD_OVERHEAD, type WebhookRecord } from './record.js'
export { verifySignature, refOf, afterOf, isEventName, isDeliveryId, GITHUB_MAX_BODY_BYTES } from './github.js'
export { WebhookStateError } from './errors.js'
