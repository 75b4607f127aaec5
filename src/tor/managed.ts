/**
 * Managed mode: the node runs its own tor. tor picks free ports (`auto`) and
 * writes the control port to a file; we take ownership over the control
 * connection, so tor exits as soon as that connection closes, even when the
 * node is killed with SIGKILL (stem's launch_tor and txtorcon's launch() do
 * the same).
 */
import { spawn } from 'node:child_process'
import { open, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { makeDirectory } from '../onion/atomic-file.js'
import { logger } from '@libp2p/logger'
import { ControlClient, TorBootstrapTimeoutError, formatControlEndpoint, parseControlPortFile, type BootstrapStatus, type ControlEndpoint, type StatusClientEvent } from '../control/index.js'
import { findSocks } from './attach.js'
import { formatSocksEndpoint } from './endpoints.js'
import { TorExitedError, TorNetworkUnreachableError } from './errors.js'
import { createHandle, type TorHandle } from './handle.js'
import { resolveTorBinary, sleep, tailLines, terminatePid, waitForPidExit } from './process.js'

const log = logger('libp2p:tor:managed')

export const MANAGED_BOOTSTRAP_TIMEOUT_MS = 120_000
/** How often a waiting launch repeats its progress, with the elapsed time and tor's latest warning. */
export const MANAGED_PROGRESS_INTERVAL_MS = 5_000
/**
 * Bootstrap problems (tor's COUNT, with RECOMMENDATION=warn) after which a
 * launch gives up: tor's own threshold for warning (BOOTSTRAP_PROBLEM_THRESHOLD).
 */
export const MANAGED_MAX_BOOTSTRAP_PROBLEMS = 10
/** How long tor may take to exit after its owning control connection closes. */
const EXIT_GRACE_MS = 5000

export interface ManagedTorOptions {
  /** The node's data directory; tor's DataDirectory is `<dataDir>/tor`. */
  dataDir: string
  /** @default 'tor' on PATH */
  torBinary?: string
  /** Extra torrc lines, e.g. testnetEnv().torrcLines to join a private network. */
  torrcLines?: string[]
  signal?: AbortSignal
  /** Bound on start-up until PROGRESS=100. @default 120000 */
  bootstrapTimeoutMs?: number
  /**
   * Bootstrap progress; while it waits, the last status again every
   * `progressIntervalMs`, with `elapsedMs` and tor's latest log warning.
   */
  onProgress?: (s: BootstrapStatus) => void
  /** @default 5000 */
  progressIntervalMs?: number
  /**
   * Give up early (TorNetworkUnreachableError) once tor reports this many
   * bootstrap problems with RECOMMENDATION=warn: it cannot reach any relay.
   * 0 waits for the whole bootstrapTimeoutMs.
   *
   * @default 10
   */
  maxBootstrapProblems?: number
}

/** The text of the last `[warn]`/`[err]` line of tor's log, without its timestamp. */
export function latestLogWarning (lines: string[]): string | undefined {
  const line = [...lines].reverse().find(l => /\[(warn|err)\]/.test(l))
  return line?.replace(/^.*?\[(warn|err)\]\s*/, '').trim()
}

/**
 * Watches STATUS_CLIENT while tor bootstraps: remembers the latest WARN
 * BOOTSTRAP, and calls `giveUp` once tor recommends warning about a problem
 * that keeps happening (`650 STATUS_CLIENT WARN BOOTSTRAP PROGRESS=14
 * TAG=handshake SUMMARY="Handshaking with a relay" WARNING="DONE" REASON=DONE
 * COUNT=10 RECOMMENDATION=warn HOSTID=... HOST=...`).
 */
export function bootstrapProblemWatcher (maxProblems: number, giveUp: (at: BootstrapStatus, count: number) => void): (e: StatusClientEvent) => void {
  let seen = 0
  return (e) => {
    if (e.severity !== 'WARN' || e.bootstrap == null) return
    seen++
    const count = /^[0-9]{1,9}$/.test(e.args.COUNT ?? '') ? Number(e.args.COUNT) : seen
    if (maxProblems > 0 && e.args.RECOMMENDATION === 'warn' && count >= maxProblems) giveUp(e.bootstrap, count)
  }
}

/** A torrc value, quoted when it holds characters tor would otherwise misread. */
function torrcValue (value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TypeError('torrc values cannot contain control characters')
  return /[\s"\\#]/.test(value) ? `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : value
}

function managedTorrc (torDir: string, extra: string[]): string {
  for (const line of extra) {
    if (/[\r\n]/.test(line)) throw new TypeError('torrcLines entries must be single lines')
  }
  return [
    '# written by p2p-tor for a managed tor; regenerated on every launch',
    `DataDirectory ${torrcValue(torDir)}`,
    'RunAsDaemon 0',
    'ControlPort auto',
    `ControlPortWriteToFile ${torrcValue(path.join(torDir, 'control-port'))}`,
    'CookieAuthentication 1',
    'SocksPort auto ExtendedErrors',
    // Our stdout goes to <torDir>/tor.log; a log path here would need quoting rules of its own.
    'Log notice stdout',
    ...extra
  ].join('\n') + '\n'
}

/** Poll for the ControlPortWriteToFile file; undefined as soon as tor has exited. */
async function waitForControlPort (file: string, hasExited: () => boolean, signal: AbortSignal): Promise<ControlEndpoint | undefined> {
  for (;;) {
    signal.throwIfAborted()
    const text = await readFile(file, 'utf8').catch(() => '')
    const endpoint = parseControlPortFile(text)[0]
    if (endpoint != null && text.endsWith('\n')) return endpoint
    if (hasExited()) return undefined
    await sleep(50, signal)
  }
}

/**
 * Launch a tor owned by this process, authenticate, and wait until it has
 * bootstrapped. Throws TorNotInstalledError, TorExitedError (with its log
 * tail), TorBootstrapTimeoutError, or the signal's reason. On any failure the
 * tor process is stopped.
 */
export async function launchTor (opts: ManagedTorOptions): Promise<TorHandle> {
  opts.signal?.throwIfAborted()
  const torBinary = await resolveTorBinary(opts.torBinary)
  const torDir = path.resolve(opts.dataDir, 'tor')
  await makeDirectory(torDir)
  const torrcPath = path.join(torDir, 'torrc')
  const defaultsPath = path.join(torDir, 'torrc-defaults')
  const portFile = path.join(torDir, 'control-port')
  const logFile = path.join(torDir, 'tor.log')
  await writeFile(torrcPath, managedTorrc(torDir, opts.torrcLines ?? []), { mode: 0o600 })
  await writeFile(defaultsPath, '', { mode: 0o600 })
  await rm(portFile, { force: true })

  const timeoutMs = opts.bootstrapTimeoutMs ?? MANAGED_BOOTSTRAP_TIMEOUT_MS
  const t0 = Date.now()
  let last: BootstrapStatus | undefined
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(opts.signal != null ? [opts.signal] : [])])
  const out = await open(logFile, 'w', 0o600)
  // Not detached: tor shares our process group, so a terminal's Ctrl-C reaches it too.
  const child = spawn(torBinary, ['-f', torrcPath, '--defaults-torrc', defaultsPath, '--__OwningControllerProcess', String(process.pid)], { stdio: ['ignore', out.fd, out.fd] })
  // exitCode stays undefined while tor runs (an object, so closures' writes are seen).
  // Listen before anything awaits: a tor that fails at once can exit during
  // the next await, and a missed 'exit' would turn its error into a timeout.
  const proc: { exitCode?: number | null } = {}
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code) => { proc.exitCode = code; resolve() })
    child.once('error', () => { proc.exitCode = null; resolve() })
  })
  await out.close()
  const pid = child.pid
  const stop = async (): Promise<void> => {
    if (pid != null && proc.exitCode === undefined) await terminatePid(pid, { graceMs: EXIT_GRACE_MS })
    await Promise.race([exited, sleep(1000)])
  }
  const exitedError = async (): Promise<TorExitedError> => new TorExitedError(`managed, ${torDir}`, proc.exitCode ?? null, await tailLines([logFile]))

  let client: ControlClient | undefined
  try {
    if (pid == null) throw await exitedError()
    const controlEndpoint = await waitForControlPort(portFile, () => proc.exitCode !== undefined, signal)
    if (controlEndpoint == null) throw await exitedError()
    client = await ControlClient.connect(controlEndpoint, { signal })
    const { method } = await client.authenticate({ cookieFile: path.join(torDir, 'control_auth_cookie') })
    // From now on tor lives exactly as long as this control connection.
    await client.takeOwnership()
    await client.resetConf(['__OwningControllerProcess'])
    const socks = await findSocks(client, { signal })
    log('tor pid %d: control %s, socks %s', pid, formatControlEndpoint(controlEndpoint), formatSocksEndpoint(socks))
    await waitForManagedBootstrap(client, {
      signal: opts.signal,
      timeoutMs: Math.max(1, timeoutMs - (Date.now() - t0)),
      t0,
      logFile,
      maxProblems: opts.maxBootstrapProblems ?? MANAGED_MAX_BOOTSTRAP_PROBLEMS,
      intervalMs: opts.progressIntervalMs ?? MANAGED_PROGRESS_INTERVAL_MS,
      onProgress: (s) => { last = s; opts.onProgress?.(s) }
    })
    return createHandle({
      mode: 'managed',
      socks,
      control: client,
      controlEndpoint,
      pid,
      authMethod: method,
      description: `managed tor (pid ${pid}): control ${formatControlEndpoint(controlEndpoint)} (${method}), socks ${formatSocksEndpoint(socks)}, data ${torDir}`,
      afterClose: async () => {
        if (!(await waitForPidExit(pid, EXIT_GRACE_MS))) await stop()
      }
    })
  } catch (err) {
    await client?.close()
    await stop()
    if (proc.exitCode != null && proc.exitCode !== 0) throw await exitedError()
    // the launch's whole bound (connect, authenticate, bootstrap), and where to look
    const name = (err as Error)?.name
    if (name === 'TimeoutError' || name === 'TorBootstrapTimeoutError') throw new TorBootstrapTimeoutError(timeoutMs, last, { logFile, option: 'bootstrapTimeoutMs' })
    throw err
  }
}

interface ManagedBootstrapWait {
  signal?: AbortSignal
  timeoutMs: number
  /** When tor was started (Date.now()). */
  t0: number
  logFile: string
  maxProblems: number
  intervalMs: number
  onProgress: (s: BootstrapStatus) => void
}

/**
 * client.waitForBootstrap, plus what a person waiting needs: the last status
 * repeated every `intervalMs` with the elapsed time and tor's latest log
 * warning, and an early TorNetworkUnreachableError when tor keeps failing to
 * reach any relay.
 */
async function waitForManagedBootstrap (client: ControlClient, opts: ManagedBootstrapWait): Promise<void> {
  let last: BootstrapStatus | undefined
  const giveUp = new AbortController()
  const release = await client.subscribe('STATUS_CLIENT', bootstrapProblemWatcher(opts.maxProblems, (at, count) => {
    giveUp.abort(new TorNetworkUnreachableError(at, count, Date.now() - opts.t0, opts.logFile))
  }))
  const remind = async (): Promise<void> => {
    if (last == null) return
    const warning = last.warning ?? latestLogWarning(await tailLines([opts.logFile], 50))
    opts.onProgress({ ...last, ...(warning != null ? { warning } : {}), elapsedMs: Date.now() - opts.t0 })
  }
  const reminder = setInterval(() => { void remind() }, opts.intervalMs)
  try {
    await client.waitForBootstrap({
      signal: AbortSignal.any([giveUp.signal, ...(opts.signal != null ? [opts.signal] : [])]),
      timeoutMs: opts.timeoutMs,
      onProgress: (s) => { last = s; opts.onProgress(s) }
    })
  } finally {
    clearInterval(reminder)
    await release().catch(() => {})
  }
}
