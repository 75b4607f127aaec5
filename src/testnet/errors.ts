/**
 * Errors raised while starting, stopping or reading a private Tor network.
 * Each condition has its own class, matched by `.name`.
 */

function withLog (message: string, logTail: string[]): string {
  return logTail.length === 0 ? message : `${message}\nlast lines of its log:\n${logTail.join('\n')}`
}

/** Options that cannot describe a network (counts, base port). */
export class InvalidTestnetOptionsError extends Error {
  static override name = 'InvalidTestnetOptionsError'

  constructor (detail: string) {
    super(`invalid testnet options: ${detail}`)
    this.name = 'InvalidTestnetOptionsError'
  }
}

/** A port the network needs is taken by another process. */
export class TestnetPortInUseError extends Error {
  static override name = 'TestnetPortInUseError'
  readonly port: number
  readonly node: string

  constructor (port: number, node: string) {
    super(`port 127.0.0.1:${port} (needed by ${node}) is already in use; stop what uses it or choose other ports with --base-port`)
    this.name = 'TestnetPortInUseError'
    this.port = port
    this.node = node
  }
}

/** A tor process of the network exited while the network was starting. */
export class TestnetNodeDiedError extends Error {
  static override name = 'TestnetNodeDiedError'
  readonly node: string
  readonly exitCode: number | null
  readonly logTail: string[]

  constructor (node: string, exitCode: number | null, logTail: string[], logDir: string) {
    super(withLog(`testnet node ${node} exited${exitCode == null ? '' : ` with code ${exitCode}`} during start; see stdout.log and notice.log in ${logDir}, fix the cause and run start again`, logTail))
    this.name = 'TestnetNodeDiedError'
    this.node = node
    this.exitCode = exitCode
    this.logTail = logTail
  }
}

/** A phase of the start (consensus, client bootstrap, first publish) did not finish in time. */
export class TestnetTimeoutError extends Error {
  static override name = 'TestnetTimeoutError'
  readonly node: string
  readonly phase: string
  readonly timeoutMs: number
  readonly logTail: string[]

  constructor (node: string, phase: string, detail: string, timeoutMs: number, logTail: string[], logDir: string) {
    super(withLog(`testnet start stalled at ${node} (${phase}) after ${timeoutMs} ms: ${detail}; see the logs in ${logDir}, or stop the network and start it again (a larger timeout may help on a loaded machine)`, logTail))
    this.name = 'TestnetTimeoutError'
    this.node = node
    this.phase = phase
    this.timeoutMs = timeoutMs
    this.logTail = logTail
  }
}

/** No network state (testnet.json) in the directory. */
export class TestnetNotFoundError extends Error {
  static override name = 'TestnetNotFoundError'
  readonly dir: string

  constructor (dir: string) {
    super(`no private Tor network in ${dir} (no testnet.json); run "p2p-tor testnet start --dir ${dir}" first`)
    this.name = 'TestnetNotFoundError'
    this.dir = dir
  }
}

/** A network is running in the directory with other settings than those asked for. */
export class TestnetConfigMismatchError extends Error {
  static override name = 'TestnetConfigMismatchError'
  readonly dir: string

  constructor (dir: string, running: string, wanted: string) {
    super(`a network with other settings (${running}) is running in ${dir}, not ${wanted}; stop it first or use another --dir`)
    this.name = 'TestnetConfigMismatchError'
    this.dir = dir
  }
}

/** A helper program (tor-gencert, tor --list-fingerprint) failed. */
export class TestnetKeygenError extends Error {
  static override name = 'TestnetKeygenError'
  readonly node: string

  constructor (node: string, command: string, output: string) {
    super(`key generation for ${node} failed (${command}): ${output.trim().split('\n').slice(-5).join(' | ')}; check that tor and tor-gencert come from the same install`)
    this.name = 'TestnetKeygenError'
    this.node = node
  }
}

/** Some processes of the network did not exit even after SIGKILL. */
export class TestnetStopError extends Error {
  static override name = 'TestnetStopError'
  readonly pids: number[]

  constructor (dir: string, pids: number[]) {
    super(`tor processes of the network in ${dir} did not exit after SIGKILL (pids ${pids.join(', ')}); check them with ps and kill them by hand`)
    this.name = 'TestnetStopError'
    this.pids = pids
  }
}

/** Another start is already working on the network in this directory. */
export class TestnetBusyError extends Error {
  static override name = 'TestnetBusyError'
  readonly dir: string
  readonly pid?: number

  constructor (dir: string, pid?: number) {
    super(`another start${pid == null ? '' : ` (pid ${pid})`} is working on the network in ${dir}; wait for it to finish, then run start again`)
    this.name = 'TestnetBusyError'
    this.dir = dir
    this.pid = pid
  }
}
