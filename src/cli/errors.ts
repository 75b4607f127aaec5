/**
 * How the CLI ends: exit codes, stable error codes for `--json`, and the
 * mapping from every typed error of the layers below to one actionable line.
 *
 * Errors are matched by `.name` (never by message, never by instanceof), so
 * this file imports nothing heavy and `id`/`--help` stay fast. Errors that
 * libp2p wraps (AggregateError `.errors`, `.cause`) are searched for the
 * most specific known cause.
 */

/** Exit codes. Stable: scripts rely on them, and `--help` lists them. */
export const ExitCode = {
  OK: 0,
  /** A runtime failure that is none of the below (key file, internal error). */
  FAILURE: 1,
  /** Bad usage: unknown option, bad value, or an address that fails validation. */
  USAGE: 2,
  /** Tor is not installed, not reachable, not authenticating, or not bootstrapping. */
  TOR: 3,
  /** The peer could not be reached: descriptor not found, introduction failed, timeout, … */
  PEER: 4,
  /** The hub's realm does not grant this member the right (publish, subscribe, call, register). */
  NOT_AUTHORIZED: 5,
  /** A routed call failed: the callee's error, no such procedure, already registered, callee gone. */
  RPC: 6,
  /** Interrupted by SIGINT/SIGTERM before finishing (dial; listen before it was listening). */
  INTERRUPTED: 130
} as const

export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode]

/** The exit-code table as printed by `--help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    runtime failure (key file, unexpected error)
  2    usage error or invalid address (nothing was sent to the network)
  3    tor not installed, not reachable, authentication or bootstrap failed
  4    peer unreachable: descriptor not found (offline / not yet published),
       introduction or rendezvous failed, timeout; the hub unreachable
  5    not authorized: the hub's realm does not grant this member the right
       (NOT_AUTHORIZED; the message names the URI and the missing right)
  6    a routed call failed: the callee's error (RPC_ERROR), no such
       procedure, already registered elsewhere, callee gone
  130  interrupted (dial; listen before it was listening)`

/** `id --help`: the codes `id` can end with (it reads or creates keys, nothing else). */
export const ID_EXIT_CODES_HELP = `Exit codes:
  0    success
  1    the key files cannot be read or created (KEY_FILE), or an unexpected error
  2    usage error (an unknown option, a bad --port)`

/** A command-line problem found before anything touched the network. */
export class UsageError extends Error {
  static override name = 'UsageError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'UsageError'
  }
}

/** `dial --timeout` elapsed before the peer answered. */
export class DialTimeoutError extends Error {
  static override name = 'DialTimeoutError'
  readonly timeoutMs: number

  constructor (timeoutMs: number, what: string, options?: ErrorOptions) {
    super(`timed out after ${timeoutMs / 1000} s ${what}: the peer may be offline or tor is slow; retry, or raise --timeout`, options)
    this.name = 'DialTimeoutError'
    this.timeoutMs = timeoutMs
  }
}

/** The start-up phases a --timeout covers, as the CLI's progress lines name them. */
export type StartPhase = 'tor' | 'bootstrap' | 'publish'

const START_PHASES: Record<StartPhase, [what: string, hint: string]> = {
  tor: ['reaching tor (connecting to its control port, authenticating)', 'check that tor runs and answers on its control port'],
  bootstrap: ['waiting for tor to bootstrap', 'check tor\'s network access and log'],
  publish: ['publishing the onion service', 'no HS directory took its descriptor in time; check tor\'s network access and log']
}

/** `--timeout` elapsed while a command was still starting up (reaching tor, bootstrap, publishing). */
export class TorStartTimeoutError extends Error {
  static override name = 'TorStartTimeoutError'
  readonly timeoutMs: number
  /** The phase that was running when the time ran out. */
  readonly phase: StartPhase

  constructor (timeoutMs: number, phase: StartPhase, options?: ErrorOptions) {
    const [what, hint] = START_PHASES[phase]
    super(`timed out after ${timeoutMs / 1000} s ${what}: ${hint}, or raise --timeout`, options)
    this.name = 'TorStartTimeoutError'
    this.timeoutMs = timeoutMs
    this.phase = phase
  }
}

/** The private network in `dir` is not running (its client does not answer). */
export class TestnetDownError extends Error {
  static override name = 'TestnetDownError'
  readonly dir: string

  constructor (dir: string, client: string, options?: ErrorOptions) {
    super(`the private Tor network in ${dir} is not running (${client} does not answer); start it with: p2p-tor testnet start --dir ${dir}`, options)
    this.name = 'TestnetDownError'
    this.dir = dir
  }
}

/** The control connection to tor closed while listening: tor stopped, so the onion service is gone. */
export class TorConnectionLostError extends Error {
  static override name = 'TorConnectionLostError'

  constructor (options?: ErrorOptions) {
    super('lost the connection to tor\'s control port (tor stopped or restarted), so the onion service is gone; check tor, then run listen again', options)
    this.name = 'TorConnectionLostError'
  }
}

/** SIGINT/SIGTERM arrived while a command was still working. */
export class InterruptedError extends Error {
  static override name = 'InterruptedError'
  readonly signal: string

  constructor (signal: string) {
    super(`interrupted by ${signal}`)
    this.name = 'InterruptedError'
    this.signal = signal
  }
}

export interface ClassifiedError {
  exitCode: ExitCodeValue
  /** Stable upper-case code for `--json`. */
  code: string
  /** One line, for stderr or the JSON `message`. */
  message: string
}

type Rule = [exitCode: ExitCodeValue, code: string | ((err: any) => string), message?: (err: any) => string | undefined]

const NOISE_MISMATCH = /identity key (\S+) does not match expected remote identity key (\S+)/

/** noise's "Payload identity key A does not match expected remote identity key B", said so a user knows what to do. */
function peerMismatch (err: Error): string | undefined {
  const m = NOISE_MISMATCH.exec(err.message)
  return m == null ? undefined : `the onion service answered as peer ${m[1]}, not ${m[2]} as the address says: the /p2p part is outdated or mistyped; copy the address the listener prints`
}

/** How a CLI user without internet access gets a tor that bootstraps. */
const OFFLINE_ROUTE = 'without internet access, run a private network: p2p-tor testnet start, then --testnet DIR'

/**
 * multistream-select's InvalidMessageError ("Missing newline", ...), which
 * libp2p passes on as a bare message. The SOCKS client is right to hand on
 * the bytes that follow tor's reply (they are the peer's first bytes, and
 * tor may deliver them in the same read), so the first layer that can tell
 * junk from libp2p is the protocol negotiation: junk means a proxy that adds
 * bytes of its own, or a peer that is no libp2p node.
 */
const NOT_MULTISTREAM = /^(Missing newline|Invalid message|Incorrect multistream header)\b/

function notLibp2p (err: Error): string | undefined {
  return NOT_MULTISTREAM.test(err.message)
    ? `${oneLine(err.message)}: the other end answered with bytes that are not libp2p's protocol negotiation (multistream-select); check that --tor-socks is tor's SocksPort (another proxy may add bytes of its own) and that the address is a p2p-tor listener`
    : undefined
}

/** Error `.name` → exit code and JSON code. Only typed conditions are listed. */
const RULES: Record<string, Rule> = {
  // 2: usage and addresses
  UsageError: [ExitCode.USAGE, 'USAGE'],
  CommanderError: [ExitCode.USAGE, 'USAGE'],
  InvalidOnionAddressError: [ExitCode.USAGE, 'BAD_ADDRESS'],
  BadOnionAddressError: [ExitCode.USAGE, 'HS_BAD_ADDRESS'],
  InvalidEndpointError: [ExitCode.USAGE, 'USAGE'],
  InvalidTorOptionsError: [ExitCode.USAGE, 'USAGE'],
  InvalidControlArgumentError: [ExitCode.USAGE, 'USAGE'],
  InvalidTestnetOptionsError: [ExitCode.USAGE, 'USAGE'],
  NoControlPortError: [ExitCode.USAGE, 'NO_CONTROL_PORT'],
  RealmError: [ExitCode.USAGE, 'BAD_REALM'],
  InvalidUriError: [ExitCode.USAGE, 'BAD_URI'],
  InvalidCardError: [ExitCode.USAGE, 'BAD_CARD'],
  // 3: tor itself
  TorNotInstalledError: [ExitCode.TOR, 'TOR_NOT_INSTALLED'],
  TorNotFoundError: [ExitCode.TOR, 'TOR_NOT_FOUND'],
  TorManagedOptionsMissingError: [ExitCode.TOR, 'TOR_NOT_FOUND'],
  ControlUnreachableError: [ExitCode.TOR, 'TOR_UNREACHABLE'],
  SocksProxyUnreachableError: [ExitCode.TOR, 'TOR_UNREACHABLE'],
  ControlConnectionClosedError: [ExitCode.TOR, 'TOR_CONNECTION_CLOSED'],
  TorConnectionLostError: [ExitCode.TOR, 'TOR_CONNECTION_LOST'],
  TorUnavailableError: [ExitCode.TOR, 'TOR_UNAVAILABLE'],
  ControlAuthError: [ExitCode.TOR, 'TOR_AUTH'],
  WrongPasswordError: [ExitCode.TOR, 'TOR_AUTH'],
  CookieFileError: [ExitCode.TOR, 'TOR_AUTH'],
  ServerHashMismatchError: [ExitCode.TOR, 'TOR_AUTH'],
  NoUsableAuthMethodError: [ExitCode.TOR, 'TOR_AUTH'],
  SocksAuthError: [ExitCode.TOR, 'TOR_PROTOCOL'],
  SocksProtocolError: [ExitCode.TOR, 'TOR_PROTOCOL'],
  ControlProtocolError: [ExitCode.TOR, 'TOR_PROTOCOL'],
  ReplyTooLargeError: [ExitCode.TOR, 'TOR_PROTOCOL'],
  ControlTimeoutError: [ExitCode.TOR, 'TOR_TIMEOUT'],
  SocksNotSocks5Error: [ExitCode.TOR, 'TOR_NOT_SOCKS', (err) => `${describe(err)}: check --tor-socks (or P2P_TOR_SOCKS)`],
  TorStartTimeoutError: [ExitCode.TOR, (err) => err.phase === 'publish' ? 'PUBLISH_TIMEOUT' : err.phase === 'bootstrap' ? 'TOR_BOOTSTRAP_TIMEOUT' : 'TOR_TIMEOUT'],
  ControlReplyError: [ExitCode.TOR, 'TOR_REFUSED'],
  // the library's advice names its option (and, for a tor we launched, its log); a CLI user has --timeout
  TorBootstrapTimeoutError: [ExitCode.TOR, 'TOR_BOOTSTRAP_TIMEOUT', (err) => `${describe(err)}; ${OFFLINE_ROUTE} (on the command line: --timeout <s>)`],
  TorNetworkUnreachableError: [ExitCode.TOR, 'TOR_NETWORK_UNREACHABLE', (err) => `${describe(err)}; on the command line: p2p-tor testnet start, then --testnet DIR`],
  TorExitedError: [ExitCode.TOR, 'TOR_EXITED'],
  TestnetNotFoundError: [ExitCode.TOR, 'TESTNET_NOT_FOUND'],
  TestnetDownError: [ExitCode.TOR, 'TESTNET_DOWN'],
  OnionPublishTimeoutError: [ExitCode.TOR, 'PUBLISH_TIMEOUT'],
  OnionPublishFailedError: [ExitCode.TOR, 'PUBLISH_FAILED'],
  UploadWaitClosedError: [ExitCode.TOR, 'TOR_CONNECTION_LOST'],
  UploadTimeoutError: [ExitCode.TOR, 'PUBLISH_TIMEOUT'],
  UploadFailedError: [ExitCode.TOR, 'PUBLISH_FAILED'],
  // 4: the peer
  // every reply code, F0-F7 included, by its reason from src/socks's one table
  SocksReplyError: [ExitCode.PEER, (err) => String(err.reason ?? 'SOCKS_REPLY')],
  DialTimeoutError: [ExitCode.PEER, 'TIMEOUT'],
  TorStreamError: [ExitCode.PEER, 'STREAM_FAILED'],
  UnexpectedPeerError: [ExitCode.PEER, 'PEER_ID_MISMATCH'],
  // libp2p keeps only the message of noise's error
  EncryptionFailedError: [ExitCode.PEER, (err) => NOISE_MISMATCH.test(err.message) ? 'PEER_ID_MISMATCH' : NOT_MULTISTREAM.test(err.message) ? 'NOT_LIBP2P' : 'ENCRYPTION_FAILED', (err) => peerMismatch(err) ?? notLibp2p(err)],
  InvalidMessageError: [ExitCode.PEER, (err) => NOT_MULTISTREAM.test(err.message) ? 'NOT_LIBP2P' : 'INVALID_MESSAGE', notLibp2p],
  UnsupportedProtocolError: [ExitCode.PEER, 'PROTOCOL_UNSUPPORTED'],
  HubUnavailableError: [ExitCode.PEER, 'HUB_UNAVAILABLE'],
  // 5, 6: messaging
  NotAuthorizedError: [ExitCode.NOT_AUTHORIZED, 'NOT_AUTHORIZED'],
  RpcError: [ExitCode.RPC, (err) => err.code === 'CALLEE_ERROR' ? 'RPC_ERROR' : String(err.code ?? 'RPC_ERROR'), (err) => `${err.uri as string}: ${oneLine(err.message)}`],
  NoSuchProcedureError: [ExitCode.RPC, 'NO_SUCH_PROCEDURE'],
  NoCardError: [ExitCode.FAILURE, 'NO_CARD'],
  ProcedureAlreadyRegisteredError: [ExitCode.RPC, 'ALREADY_REGISTERED'],
  // 1: local failures
  KeyFileError: [ExitCode.FAILURE, 'KEY_FILE'],
  OnionInUseError: [ExitCode.FAILURE, 'ONION_IN_USE'],
  OnionAlreadyListeningError: [ExitCode.FAILURE, 'ONION_IN_USE'],
  DataDirLockedError: [ExitCode.FAILURE, 'ONION_IN_USE'],
  LockFileError: [ExitCode.FAILURE, 'DATA_DIR'],
  CreateDirectoryError: [ExitCode.FAILURE, 'DATA_DIR'],
  ListenerClosedError: [ExitCode.FAILURE, 'ABORTED'],
  TestnetConfigMismatchError: [ExitCode.FAILURE, 'TESTNET'],
  TestnetNodeDiedError: [ExitCode.FAILURE, 'TESTNET'],
  TestnetTimeoutError: [ExitCode.FAILURE, 'TESTNET'],
  TestnetPortInUseError: [ExitCode.FAILURE, 'TESTNET'],
  TestnetKeygenError: [ExitCode.FAILURE, 'TESTNET'],
  TestnetStopError: [ExitCode.FAILURE, 'TESTNET'],
  TestnetBusyError: [ExitCode.FAILURE, 'TESTNET'],
  MissingOnionKeyError: [ExitCode.FAILURE, 'KEY_FILE'],
  // the hub's history store: held by another process, an unknown format, a damaged record
  HistoryStoreError: [ExitCode.FAILURE, 'HISTORY_STORE'],
  // the chat mailbox's store (p2p-tor mailbox): held by another process, damaged, another format
  MailboxError: [ExitCode.FAILURE, 'MAILBOX'],
  // chat (issue 16): a name, invite or group the user typed is wrong (2); the history store (1)
  ContactNotFoundError: [ExitCode.USAGE, 'NO_SUCH_CONTACT'],
  GroupNotFoundError: [ExitCode.USAGE, 'NO_SUCH_GROUP'],
  InvalidInviteError: [ExitCode.USAGE, 'INVALID_INVITE'],
  StoreKeyError: [ExitCode.FAILURE, 'CHAT_STORE_KEY'],
  StoreKeyModeError: [ExitCode.FAILURE, 'CHAT_STORE_KEY'],
  StoreCorruptError: [ExitCode.FAILURE, 'CHAT_STORE'],
  StoreUnavailableError: [ExitCode.FAILURE, 'CHAT_STORE'],
  FileTooLargeError: [ExitCode.USAGE, 'FILE_TOO_LARGE'],
  ChatError: [ExitCode.FAILURE, 'CHAT'],
  InterruptedError: [ExitCode.INTERRUPTED, 'INTERRUPTED']
}

/** Generic names that say less than any typed cause beside or below them. */
const GENERIC: Record<string, Rule> = {
  TimeoutError: [ExitCode.PEER, 'TIMEOUT'],
  AbortError: [ExitCode.FAILURE, 'ABORTED']
}

const MAX_ERRORS_SEARCHED = 64

/** err, then its causes and aggregated errors, breadth first and bounded. */
function causes (err: unknown): unknown[] {
  const out: unknown[] = []
  const queue: unknown[] = [err]
  const seen = new Set<unknown>()
  while (queue.length > 0 && out.length < MAX_ERRORS_SEARCHED) {
    const e = queue.shift()
    if (e == null || seen.has(e)) continue
    seen.add(e)
    out.push(e)
    if (typeof e === 'object') {
      const { cause, errors } = e as { cause?: unknown, errors?: unknown }
      if (Array.isArray(errors)) queue.push(...errors)
      if (cause != null) queue.push(cause)
    }
  }
  return out
}

/**
 * The error's `.name`, then the names of the classes it extends (an
 * OnionIntroFailedError is also a SocksReplyError), most specific first.
 */
function namesOf (e: unknown): string[] {
  if (e == null || typeof e !== 'object') return []
  const names: string[] = []
  const own = (e as { name?: unknown }).name
  if (typeof own === 'string') names.push(own)
  for (let proto = Object.getPrototypeOf(e); proto != null && proto !== Error.prototype && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const name = (proto.constructor as { name?: unknown } | undefined)?.name
    if (typeof name === 'string' && !names.includes(name)) names.push(name)
  }
  return names
}

/** The first line of a message, trimmed: stacks and multi-line details stay out. */
export function oneLine (text: string): string {
  const first = text.split(/\r?\n/).find(l => l.trim() !== '') ?? ''
  return first.trim().replace(/[:;,]$/, '')
}

/** The most telling line of a tor log tail: its last error or warning, without the timestamp. */
export function logHint (logTail: unknown): string | undefined {
  if (!Array.isArray(logTail) || logTail.length === 0) return undefined
  const lines = logTail.map(String)
  const line = [...lines].reverse().find(l => /\[(err|warn)\]/.test(l)) ?? lines[lines.length - 1]
  const text = line.replace(/^.*?\[(err|warn|notice|info)\]\s*/, '').trim()
  return text === '' ? undefined : text
}

function describe (e: unknown): string {
  const line = oneLine((e as Error).message ?? String(e))
  const hint = logHint((e as { logTail?: unknown }).logTail)
  return hint == null ? line : `${line}; tor said: ${hint}`
}

/** Finds the most specific typed cause and what the CLI does about it. */
export function classifyError (err: unknown): ClassifiedError {
  const all = causes(err)
  for (const table of [RULES, GENERIC]) {
    for (const e of all) {
      const name = namesOf(e).find(n => table[n] != null)
      if (name == null) continue
      const [exitCode, code, message] = table[name]
      return { exitCode, code: typeof code === 'function' ? code(e) : code, message: message?.(e) ?? describe(e) }
    }
  }
  const e = all[0]
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
  return { exitCode: ExitCode.FAILURE, code: 'INTERNAL', message: oneLine(message) }
}
