/**
 * The CLI's side of "which tor": it translates the command line's TorChoice
 * (flags and environment, see options.ts) into src/tor's options, shows
 * progress, and leaves the decision to src/tor's planTor()/openTor(). The
 * tor modules are imported on demand so that `id` and `--help` stay fast.
 */
import { join } from 'node:path'
import { bootstrapMessage } from './bootstrap-line.js'
import { deadlineOf } from './context.js'
import { TestnetDownError, TorConnectionLostError, UsageError } from './errors.js'
import type { TorChoice } from './options.js'
import type { Output } from './output.js'
import type { BootstrapStatus } from '../control/index.js'
import type { OpenedTor, TorHandle, TorOptions } from '../tor/index.js'

/** The tor a command uses: a handle (control + SOCKS), or, for dial-only use, just a SOCKS endpoint. */
export type ObtainedTor = OpenedTor

export interface ObtainTorOptions {
  /** The node's data directory; a managed tor keeps its state below it. */
  dataDir: string
  /** 'listen' or 'dial': names the managed tor's directory, so both can run at once. */
  command: string
  output: Output
  /**
   * Ctrl-C, and the command's start-up deadline when it comes from a
   * StartDeadline: attaching and authenticating end with it, and tor's
   * bootstrap gets the time that is left as its own timeout.
   */
  signal: AbortSignal
  /** With only a SOCKS endpoint configured, use it without a control connection (dial). */
  socksOnlyOk: boolean
  /** Survive tor restarts (listen): reconnect, or relaunch a managed tor. @default false */
  reconnect?: boolean
}

/** Resolves with a TorConnectionLostError when the handle's control connection closes. */
export async function connectionLost (handle: TorHandle): Promise<TorConnectionLostError> {
  return await new Promise((resolve) => {
    handle.control.once('close', (cause) => { resolve(new TorConnectionLostError({ cause })) })
  })
}

function bootstrapReporter (output: Output): (s: BootstrapStatus) => void {
  return (s) => { output.progress('bootstrap', s.progress, bootstrapMessage(s)) }
}

/** Where a managed tor keeps its state: one directory per command and network. */
export function managedDataDir (dataDir: string, command: string, testnet: boolean): string {
  return join(dataDir, 'managed', testnet ? `testnet-${command}` : command)
}

/** The choice as src/tor's options, and the progress line that says what is being tried. */
async function translate (choice: TorChoice, opts: ObtainTorOptions): Promise<{ tor: TorOptions, doing: string, testnetClient?: string }> {
  switch (choice.kind) {
    case 'testnet': {
      const { testnetEnv } = await import('../testnet/index.js')
      const info = await testnetEnv(choice.dir)
      if (choice.managed) {
        return {
          tor: { managed: { dataDir: managedDataDir(opts.dataDir, opts.command, true), torrcLines: info.torrcLines }, launch: 'always' },
          doing: `launching a tor that joins the private network in ${choice.dir}`
        }
      }
      const client = info.clients[choice.client]
      if (client == null) {
        throw new UsageError(`--testnet-client ${choice.client} does not exist: the network in ${choice.dir} has clients 0 to ${info.clients.length - 1}`)
      }
      return {
        tor: { control: `127.0.0.1:${client.controlPort}`, socks: `127.0.0.1:${client.socksPort}`, cookieFile: client.cookieFile },
        doing: `attaching to ${client.name} of the private network in ${choice.dir}`,
        testnetClient: client.name
      }
    }
    case 'attach':
      return {
        tor: { control: choice.control, socks: choice.socks, controlPassword: choice.password, cookieFile: choice.cookieFile },
        doing: `attaching to tor${choice.control != null ? ` at ${choice.control}` : ''}`
      }
    case 'managed':
      return { tor: { managed: { dataDir: managedDataDir(opts.dataDir, opts.command, false) }, launch: 'always' }, doing: 'launching tor' }
    case 'auto':
      return {
        tor: { controlPassword: choice.password, cookieFile: choice.cookieFile, managed: { dataDir: managedDataDir(opts.dataDir, opts.command, false) } },
        doing: 'looking for a running tor (else launching one)'
      }
  }
}

/** A wrong --tor-password must not go unnoticed just because tor accepted its cookie. */
function warnPasswordUnused (method: string, output: Output): void {
  const message = `--tor-password was not used: tor accepted ${method} authentication, so the password was never checked (a wrong one would go unnoticed); drop it, or make sure it is right`
  output.event({ event: 'warning', code: 'PASSWORD_UNUSED', message })
  output.note(`${output.err('yellow', 'warning:')} ${message}`)
}

export async function obtainTor (choice: TorChoice, opts: ObtainTorOptions): Promise<ObtainedTor> {
  const { openTor, planTor } = await import('../tor/index.js')
  const { tor, doing, testnetClient } = await translate(choice, opts)
  const deadline = deadlineOf(opts.signal)
  // Bootstrap is bounded by the command's deadline, not by its own default;
  // its own timeout error says how far tor got, so it gets the time left and
  // listens to Ctrl-C only. A tor we launch bounds its whole start that way.
  const bootstrap = { signal: deadline?.parent ?? opts.signal, timeoutMs: () => deadline?.remainingMs() }
  if (tor.managed != null && deadline != null) tor.managed = { ...tor.managed, bootstrapTimeoutMs: deadline.remainingMs() }
  const plan = planTor(tor, { needsControl: !opts.socksOnlyOk })
  if (plan.kind !== 'socks-only') opts.output.progress('tor', null, doing)
  const onProgress = bootstrapReporter(opts.output)
  try {
    const opened = await openTor(plan, { signal: plan.kind === 'managed' ? bootstrap.signal : opts.signal, onProgress, reconnect: opts.reconnect === true })
    if (opened.passwordUnusedBy != null) warnPasswordUnused(opened.passwordUnusedBy, opts.output)
    // an attached tor may have just started (a launched one is bootstrapped already)
    if (opened.handle?.mode === 'attach') {
      try {
        await opened.handle.waitForBootstrap({ signal: bootstrap.signal, timeoutMs: bootstrap.timeoutMs(), onProgress })
      } catch (err) {
        await opened.handle.close()
        throw err
      }
    }
    return opened
  } catch (err) {
    const name = (err as Error)?.name
    if (choice.kind === 'testnet' && testnetClient != null && (name === 'ControlUnreachableError' || name === 'TorNotFoundError')) {
      throw new TestnetDownError(choice.dir, testnetClient, { cause: err })
    }
    throw err
  }
}

/**
 * Checks endpoint syntax before anything touches the network, so a typo is a
 * usage error (exit 2) rather than a connection failure.
 */
export async function checkEndpoints (choice: TorChoice): Promise<void> {
  if (choice.kind !== 'attach') return
  const { parseControlEndpoint } = await import('../control/endpoint.js')
  const { parseSocksEndpoint } = await import('../tor/endpoints.js')
  try {
    if (choice.control != null) parseControlEndpoint(choice.control)
  } catch (err) {
    throw new UsageError(`--tor-control ${(err as Error).message.replace(/^invalid control endpoint: /, '')}`, { cause: err })
  }
  try {
    if (choice.socks != null) parseSocksEndpoint(choice.socks)
  } catch (err) {
    throw new UsageError(`--tor-socks: ${(err as Error).message}`, { cause: err })
  }
}
