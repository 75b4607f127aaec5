/**
 * Errors raised by the Tor control-port client. Each class is one condition,
 * matched by `.name`, with typed fields. Messages say what happened and what
 * to do next; they never contain passwords, cookies or keys.
 */

/** Base class of every error raised by src/control. */
export class ControlError extends Error {
  static override name = 'ControlError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ControlError'
  }
}

/** What the well-known reply codes mean, and what to do about them. */
const STATUS_HINTS: Record<number, string> = {
  451: 'tor is out of some resource; retry later',
  510: 'unrecognized command: this tor may be too old for it (upgrade tor)',
  511: 'unimplemented command in this tor (upgrade tor)',
  512: 'syntax error in command arguments (a bug in the caller or an incompatible tor version)',
  513: 'unrecognized command argument or syntax error in configuration values',
  514: 'authentication required: call authenticate() first',
  515: 'bad authentication: check the password or cookie file',
  550: 'unspecified tor error',
  551: 'internal error in tor; check its log',
  552: 'unrecognized entity (unknown onion service id, key, event, option or signal)',
  553: 'invalid configuration value',
  554: 'invalid descriptor',
  555: 'unmanaged entity'
}

function hintFor (status: number, command: string): string {
  if (status === 550 && command === 'ADD_ONION') {
    return 'Onion address collision: this key already backs an onion service on this tor; DEL_ONION it (or close the control connection that created it) before adding it again'
  }
  return STATUS_HINTS[status] ?? 'unexpected reply code'
}

/** Tor answered a command with a non-2xx reply. */
export class ControlReplyError extends ControlError {
  static override name = 'ControlReplyError'
  /** The status code of the reply's final line. */
  readonly status: number
  /** The text of the reply (secrets the command carried are redacted). */
  readonly text: string
  /** The command verb only, e.g. 'ADD_ONION': never the full line, which may contain a key. */
  readonly command: string

  constructor (command: string, status: number, text: string) {
    super(`tor answered ${command} with ${status} "${text}": ${hintFor(status, command)}`)
    this.name = 'ControlReplyError'
    this.status = status
    this.text = text
    this.command = command
  }
}

/** The control connection closed while a command was waiting for its reply (or before it was sent). */
export class ControlConnectionClosedError extends ControlError {
  static override name = 'ControlConnectionClosedError'
  /** The verb of the command that was pending, if any. */
  readonly command?: string

  constructor (command?: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? ` (${options.cause.message})` : ''
    super(command == null
      ? `the Tor control connection is closed${why}; connect again`
      : `the Tor control connection closed before ${command} was answered${why}; reconnect and retry`, options)
    this.name = 'ControlConnectionClosedError'
    this.command = command
  }
}

/**
 * A command got no reply within its deadline. The connection was dropped:
 * tor answers in order, so its late reply would be taken for the next
 * command's.
 */
export class ControlTimeoutError extends ControlError {
  static override name = 'ControlTimeoutError'
  /** The verb of the command, e.g. 'PROTOCOLINFO': never the full line. */
  readonly command: string
  readonly timeoutMs: number
  /** The control endpoint as text, e.g. '127.0.0.1:9051'. */
  readonly endpoint: string
  /** Whether anything had been answered on this connection before. */
  readonly answeredBefore: boolean

  constructor (command: string, timeoutMs: number, endpoint: string, answeredBefore: boolean) {
    const within = `within ${timeoutMs / 1000} s`
    super(answeredBefore
      ? `tor did not answer ${command} ${within} on ${endpoint}; the control connection was dropped (a late reply would be taken for the next command's). tor may be overloaded or stuck: check it, then connect again`
      : `${endpoint} accepted the connection but never answered ${command} ${within}: is it tor's ControlPort? (a SocksPort, a DirPort or another service accepts but stays silent); the connection was dropped`)
    this.name = 'ControlTimeoutError'
    this.command = command
    this.timeoutMs = timeoutMs
    this.endpoint = endpoint
    this.answeredBefore = answeredBefore
  }
}

/** Nothing answers on the control endpoint. */
export class ControlUnreachableError extends ControlError {
  static override name = 'ControlUnreachableError'
  /** The endpoint as text, e.g. '127.0.0.1:9051' or 'unix:/run/tor/control'. */
  readonly endpoint: string

  constructor (endpoint: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? ` (${options.cause.message})` : ''
    super(`cannot reach Tor's control port ${endpoint}: is tor running with ControlPort enabled?${why}`, options)
    this.name = 'ControlUnreachableError'
    this.endpoint = endpoint
  }
}

/** Tor (or whatever is on the other end) sent bytes that are not a valid control-protocol reply. */
export class ControlProtocolError extends ControlError {
  static override name = 'ControlProtocolError'

  constructor (problem: string, options?: ErrorOptions) {
    super(`malformed reply on the Tor control connection: ${problem}; is the endpoint really a Tor control port?`, options)
    this.name = 'ControlProtocolError'
  }
}

/** One reply (or an unterminated line or data block) grew past the cap. */
export class ReplyTooLargeError extends ControlError {
  static override name = 'ReplyTooLargeError'
  readonly maxReplyBytes: number

  constructor (maxReplyBytes: number) {
    super(`a Tor control reply exceeded ${maxReplyBytes} bytes; the connection was dropped. Raise maxReplyBytes if such large replies are expected`)
    this.name = 'ReplyTooLargeError'
    this.maxReplyBytes = maxReplyBytes
  }
}

/** An argument would be unsafe or invalid on a control command line; nothing was sent. */
export class InvalidControlArgumentError extends ControlError {
  static override name = 'InvalidControlArgumentError'
  /** Which argument was rejected, e.g. 'serviceId', 'ports[0].target.path'. Never its value. */
  readonly argument: string

  constructor (argument: string, problem: string) {
    super(`invalid ${argument}: ${problem}; nothing was sent to tor`)
    this.name = 'InvalidControlArgumentError'
    this.argument = argument
  }
}

/** The control connection closed while waiting for an onion service's descriptor upload. */
export class UploadWaitClosedError extends ControlError {
  static override name = 'UploadWaitClosedError'
  readonly serviceId: string

  constructor (serviceId: string, options?: ErrorOptions) {
    super(`the control connection closed before the descriptor of ${serviceId.slice(0, 8)}… was uploaded; check that tor still runs, then publish again`, options)
    this.name = 'UploadWaitClosedError'
    this.serviceId = serviceId
  }
}

/** No HS directory accepted the onion service's descriptor within the deadline. */
export class UploadTimeoutError extends ControlError {
  static override name = 'UploadTimeoutError'
  readonly serviceId: string
  readonly timeoutMs: number

  constructor (serviceId: string, timeoutMs: number) {
    super(`the descriptor of ${serviceId.slice(0, 8)}… was not uploaded within ${Math.round(timeoutMs / 1000)} s: tor may still be bootstrapping or cannot reach any HS directory; check tor's log, then publish again`)
    this.name = 'UploadTimeoutError'
    this.serviceId = serviceId
    this.timeoutMs = timeoutMs
  }
}

/** Every descriptor upload tor started for the onion service failed. */
export class UploadFailedError extends ControlError {
  static override name = 'UploadFailedError'
  readonly serviceId: string
  /** HS_DESC FAILED reasons, e.g. UPLOAD_REJECTED. */
  readonly reasons: string[]

  constructor (serviceId: string, reasons: string[]) {
    const why = reasons.length > 0 ? ` (${[...new Set(reasons)].join(', ')})` : ''
    super(`every descriptor upload of ${serviceId.slice(0, 8)}… failed${why}: check tor's clock and network, then publish again`)
    this.name = 'UploadFailedError'
    this.serviceId = serviceId
    this.reasons = reasons
  }
}

/** Base class of the authentication failures. */
export class ControlAuthError extends ControlError {
  static override name = 'ControlAuthError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ControlAuthError'
  }
}

/** Tor rejected the password (515). */
export class WrongPasswordError extends ControlAuthError {
  static override name = 'WrongPasswordError'

  constructor (options?: ErrorOptions) {
    super('tor rejected the control password (515); check the password that matches its HashedControlPassword', options)
    this.name = 'WrongPasswordError'
  }
}

/** The authentication cookie could not be read, or is not 32 bytes. */
export class CookieFileError extends ControlAuthError {
  static override name = 'CookieFileError'
  readonly path: string

  constructor (path: string, problem: string, options?: ErrorOptions) {
    super(`cannot use Tor's control cookie file "${path}": ${problem}; run as a user that can read it (e.g. in the debian-tor group) or pass cookieFile`, options)
    this.name = 'CookieFileError'
    this.path = path
  }
}

/** SAFECOOKIE: the server's hash did not prove it knows the cookie. */
export class ServerHashMismatchError extends ControlAuthError {
  static override name = 'ServerHashMismatchError'

  constructor () {
    super('SAFECOOKIE: the control port answered with a wrong SERVERHASH, so it does not know the cookie; it may not be the tor you expect (check the endpoint and cookie file)')
    this.name = 'ServerHashMismatchError'
  }
}

/** None of the methods tor offers can be used with what we have. */
export class NoUsableAuthMethodError extends ControlAuthError {
  static override name = 'NoUsableAuthMethodError'
  readonly offered: string[]

  constructor (offered: string[], detail: string) {
    super(`no usable control authentication method: tor offers ${offered.length > 0 ? offered.join(',') : 'none'}; ${detail}`)
    this.name = 'NoUsableAuthMethodError'
    this.offered = offered
  }
}

/** Tor did not reach 100 % bootstrap in time. */
export class TorBootstrapTimeoutError extends ControlError {
  static override name = 'TorBootstrapTimeoutError'
  readonly timeoutMs: number
  readonly progress?: number
  readonly tag?: string
  readonly summary?: string
  readonly warning?: string
  /** tor's log file, when we know it (a tor we launched). */
  readonly logFile?: string

  /** `context.option` names the caller's timeout option (default `timeoutMs`). */
  constructor (timeoutMs: number, last?: { progress: number, tag: string, summary: string, warning?: string }, context: { logFile?: string, option?: string } = {}) {
    const where = last == null
      ? 'no bootstrap progress was reported'
      : `stuck at ${last.progress}% (${last.tag}: ${last.summary})${last.warning != null ? `, last warning: ${last.warning}` : ''}`
    super(`tor did not finish bootstrapping within ${timeoutMs} ms: ${where}; check its network access and log${context.logFile != null ? ` (${context.logFile})` : ''}, or raise ${context.option ?? 'timeoutMs'}`)
    this.name = 'TorBootstrapTimeoutError'
    this.logFile = context.logFile
    this.timeoutMs = timeoutMs
    this.progress = last?.progress
    this.tag = last?.tag
    this.summary = last?.summary
    this.warning = last?.warning
  }
}
