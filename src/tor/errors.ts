/**
 * Errors raised while finding, launching or attaching to a tor process.
 * Each condition has its own class, matched by `.name`.
 */

/** The tor binary could not be found or executed. */
export class TorNotInstalledError extends Error {
  static override name = 'TorNotInstalledError'
  readonly binary: string

  constructor (binary: string) {
    super(`tor is not installed: apt-get install -y tor (Debian/Ubuntu; macOS: brew install tor). Looked for "${binary}"; pass torBinary to use another path.`)
    this.name = 'TorNotInstalledError'
    this.binary = binary
  }
}

/** A tor process we started exited (or never came up) before it was ready. */
export class TorExitedError extends Error {
  static override name = 'TorExitedError'
  readonly node: string
  readonly exitCode: number | null
  readonly logTail: string[]

  constructor (node: string, exitCode: number | null, logTail: string[]) {
    super(`tor (${node}) exited${exitCode == null ? '' : ` with code ${exitCode}`} before it was ready; fix the cause shown in its last log lines and retry:\n${logTail.join('\n')}`)
    this.name = 'TorExitedError'
    this.node = node
    this.exitCode = exitCode
    this.logTail = logTail
  }
}

/** No tor answered on any of the control (or SOCKS) endpoints tried. */
export class TorNotFoundError extends Error {
  static override name = 'TorNotFoundError'
  readonly kind: 'control' | 'socks'
  readonly tried: string[]

  constructor (kind: 'control' | 'socks', tried: string[], detail = '') {
    const hint = kind === 'control'
      ? 'start tor with a ControlPort (or pass --tor-control), or let p2p-tor launch its own tor'
      : 'give tor a SocksPort (or pass --tor-socks)'
    super(`no tor ${kind} port answered (tried ${tried.join(', ')})${detail === '' ? '' : `: ${detail}`}; ${hint}`)
    this.name = 'TorNotFoundError'
    this.kind = kind
    this.tried = tried
  }
}

/** getTor found no tor to attach to and was given no options to launch one. */
export class TorManagedOptionsMissingError extends Error {
  static override name = 'TorManagedOptionsMissingError'
  readonly tried: string[]

  constructor (tried: string[]) {
    super(`no running tor answered (tried ${tried.join(', ')}) and no managed options were given; pass managed: { dataDir } to launch a tor, or point control/socks at a running one`)
    this.name = 'TorManagedOptionsMissingError'
    this.tried = tried
  }
}

/** An endpoint string could not be parsed. */
export class InvalidEndpointError extends Error {
  static override name = 'InvalidEndpointError'
  readonly input: string

  constructor (input: string, expected: string) {
    super(`invalid endpoint "${input}": expected ${expected}`)
    this.name = 'InvalidEndpointError'
    this.input = input
  }
}

/** The options given for reaching tor contradict each other. */
export class InvalidTorOptionsError extends Error {
  static override name = 'InvalidTorOptionsError'

  constructor (problem: string) {
    super(`invalid tor options: ${problem}`)
    this.name = 'InvalidTorOptionsError'
  }
}

/** Tor is down (its control connection dropped) and p2p-tor is reconnecting: a dial now fails at once rather than time out. */
export class TorUnavailableError extends Error {
  static override name = 'TorUnavailableError'

  constructor (why: string) {
    super(`tor is unavailable: ${why}; retry in a few seconds (dials fail at once until tor is back)`)
    this.name = 'TorUnavailableError'
  }
}

/** What tor last said while bootstrapping, as the errors below carry it. */
export interface BootstrapStuckAt {
  progress: number
  tag: string
  summary: string
  warning?: string
  reason?: string
}

/**
 * A tor we launched reports, again and again, that it cannot connect to any
 * relay (STATUS_CLIENT WARN BOOTSTRAP with RECOMMENDATION=warn, control-spec
 * 4.1.10): this machine has no usable network path to Tor, so waiting for
 * the bootstrap timeout would only delay the same failure.
 */
export class TorNetworkUnreachableError extends Error {
  static override name = 'TorNetworkUnreachableError'
  readonly progress: number
  readonly tag: string
  readonly summary: string
  readonly warning?: string
  readonly reason?: string
  /** tor's COUNT of bootstrap problems so far. */
  readonly count: number
  readonly elapsedMs: number
  /** tor's log file. */
  readonly logFile?: string

  constructor (at: BootstrapStuckAt, count: number, elapsedMs: number, logFile?: string) {
    const why = [at.warning, at.reason].filter(s => s != null && s !== '').join(', ')
    super(`tor cannot reach any relay: stuck at ${at.progress}% (${at.tag}: ${at.summary}) after ${count} failed attempts in ${Math.round(elapsedMs / 1000)} s${why !== '' ? ` (last: ${why})` : ''}; check this machine's network access and firewall${logFile != null ? `, and tor's log ${logFile}` : ''}; without internet access, start a private network (p2p-tor/testnet startTestnet) and join it with managed.torrcLines`)
    this.name = 'TorNetworkUnreachableError'
    this.progress = at.progress
    this.tag = at.tag
    this.summary = at.summary
    this.warning = at.warning
    this.reason = at.reason
    this.count = count
    this.elapsedMs = elapsedMs
    this.logFile = logFile
  }
}
