/**
 * src/control: a Tor control-port client with no libp2p dependency.
 * See client.ts for the connection, and the other files for the pure parts.
 */
export { ControlClient, DEFAULT_COMMAND_TIMEOUT_MS, type AddOnionResult, type CommandOptions, type ConnectOptions, type ControlClientEvents, type TypedControlEvents, type Unsubscribe } from './client.js'
export { watchUploads, DEFAULT_UPLOAD_TIMEOUT_MS, type UploadWatch, type UploadWaitOptions, type WatchUploadsOptions } from './uploads.js'
export { parseControlEndpoint, formatControlEndpoint, parseControlPortFile, type ControlEndpoint } from './endpoint.js'
export { ReplyParser, DEFAULT_MAX_REPLY_BYTES, type ControlReply, type ControlReplyLine, type ReplyParserOptions } from './parser.js'
export {
  buildAddOnion, buildAuthChallenge, buildAuthenticate, buildDelOnion, buildGetInfo, buildHsPost, buildLoadConf,
  buildOnionClientAuthAdd, buildOnionClientAuthRemove, buildProtocolInfo, buildResetConf, buildSetConf, buildSetEvents,
  buildSignal, buildTakeOwnership, checkServiceId,
  type AddOnionFlag, type AddOnionOptions, type AddOnionPort, type AuthenticateToken, type ControlCommand,
  type HsPostOptions, type OnionClientAuthAddOptions, type SignalName
} from './commands.js'
export { quoteString, tokenize, keyValues, readQuoted, encodeCmdData, assertEncodedCmdData, type Token } from './quote.js'
export {
  parseAddOnionReply, parseAuthChallenge, parseGetInfoReply, parseProtocolInfo, splitKeyValue, keywordLine,
  type AddOnionReply, type AuthChallenge, type ProtocolInfo
} from './replies.js'
export { parseHsDescEvent, parseStatusClientEvent, parseBootstrapPhase, type HsDescEvent, type StatusClientEvent, type BootstrapStatus } from './events.js'
export { authenticateWith, safeCookieHashes, readCookieFile, type AuthMethod, type AuthOptions, type CommandSender } from './auth.js'
export { waitForBootstrap, DEFAULT_BOOTSTRAP_TIMEOUT_MS, type WaitForBootstrapOptions, type BootstrapSource } from './bootstrap.js'
export * from './errors.js'
