/**
 * src/control: a Tor control-port client with no libp2p dependency.
 * See client.ts for the connection, and the other files for the pure parts.
 */
export { ControlClient, type AddOnionResult, type ConnectOptions, type ControlClientEvents, type TypedControlEvents, type Unsubscribe } from './client.js'
export { watchUploads, DEFAULT_UPLOAD_TIMEOUT_MS, type UploadWatch, type UploadWaitOptions, type WatchUploadsOptions } from './uploads.js'
export { parseControlEndpoint, formatControlEndpoint, parseControlPortFile, type ControlEndpoint } from './endpoint.js'
export { ReplyParser, DEFAULT_MAX_REPLY_BYTES, type ControlReply, type ControlReplyLine, type ReplyParserOptions } from './parser.js'
export {
  buildAddOnion, buildAuthChallenge, buildAuthenticate, buildDelOnion, buildGetInfo, buildOnionClientAuthAdd,
  buildOnionClientAuthRemove, buildProtocolInfo, buildResetConf, buildSetConf, buildSetEvents, buildSignal,
  buildTakeOwnership, checkServiceId,
  type AddOnionFlag, type AddOnionOptions, type AddOnionPort, type AuthenticateToken, type ControlCommand,
  type OnionClientAuthAddOptions, type SignalName
} from './commands.js'
export { quoteString, tokenize, keyValues, readQuoted, type Token } from './quote.js'
export { parseHsDescEvent, parseStatusClientEvent, parseBootstrapPhase, type HsDescEvent, type StatusClientEvent, type BootstrapStatus } from './events.js'
export { authenticateWith, parseProtocolInfo, parseAuthChallenge, safeCookieHashes, readCookieFile, type AuthMethod, type AuthOptions, type ProtocolInfo, type CommandSender } from './auth.js'
export { waitForBootstrap, DEFAULT_BOOTSTRAP_TIMEOUT_MS, type WaitForBootstrapOptions, type BootstrapSource } from './bootstrap.js'
export * from './errors.js'
