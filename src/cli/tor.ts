/**
 * Turns the CLI's TorChoice into a running tor, showing progress: attach to
 * the endpoints given, to a client of a private network, launch a managed tor
 * (joining the private network when asked), or let getTor() pick. The tor
 * modules are imported on demand so that `id` and `--help` stay fast.
 */
import { join } from 'node:path'
import { UsageError } from './errors.js'
import type { TorChoice } from './options.js'
import type { Output } from './output.js'
import type { BootstrapStatus } from '../control/index.js'
import type { TorHandle } from '../tor/index.js'

/** A tor to use: a handle (control + SOCKS), or, for dial-only use, just a SOCKS endpoint. */
export type ObtainedTor =
  | { handle: TorHandle, socks?: undefined, description: string }
  | { handle?: undefined, socks: string, description: string }

export interface ObtainTorOptions {
  /** The node's data directory; a managed tor keeps its state below it. */
  dataDir: string
  /** 'listen' or 'dial': names the managed tor's directory, so both can run at once. */
  command: string
  output: Output
  signal: AbortSignal
  /** With only a SOCKS endpoint configured, use it without a control connection (dial). */
  socksOnlyOk: boolean
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

/** Resolves with a TorConnectionLostError when the handle's control connection closes. */
export async function connectionLost (handle: TorHandle): Promise<TorConnectionLostError> {
  return await new Promise((resolve) => {
    handle.control.once('close', (cause) => { resolve(new TorConnectionLostError({ cause })) })
  })
}

function bootstrapReporter (output: Output): (s: BootstrapStatus) => void {
  return (s) => { output.progress('bootstrap', s.progress, s.warning != null ? `${s.summary} (${s.warning})` : s.summary) }
}

/** Where a managed tor keeps its state: one directory per command and network. */
export function managedDataDir (dataDir: string, command: string, testnet: boolean): string {
  return join(dataDir, 'managed', testnet ? `testnet-${command}` : command)
}

async function ready (handle: TorHandle, opts: ObtainTorOptions): Promise<ObtainedTor> {
  try {
    // an attached tor may have just started; a managed one is bootstrapped already
    if (handle.mode === 'attach') await handle.waitForBootstrap({ signal: opts.signal, onProgress: bootstrapReporter(opts.output) })
  } catch (err) {
    await handle.close()
    throw err
  }
  return { handle, description: handle.description }
}

export async function obtainTor (choice: TorChoice, opts: ObtainTorOptions): Promise<ObtainedTor> {
  const { output, signal } = opts
  const tor = await import('../tor/index.js')
  const onProgress = bootstrapReporter(output)

  switch (choice.kind) {
    case 'testnet': {
      const { testnetEnv } = await import('../testnet/index.js')
      const info = await testnetEnv(choice.dir)
      if (choice.managed) {
        output.progress('tor', null, `launching a tor that joins the private network in ${choice.dir}`)
        const dataDir = managedDataDir(opts.dataDir, opts.command, true)
        return await ready(await tor.launchTor({ dataDir, torrcLines: info.torrcLines, onProgress, signal }), opts)
      }
      const client = info.clients[choice.client]
      if (client == null) {
        throw new UsageError(`--testnet-client ${choice.client} does not exist: the network in ${choice.dir} has clients 0 to ${info.clients.length - 1}`)
      }
      output.progress('tor', null, `attaching to ${client.name} of the private network in ${choice.dir}`)
      try {
        return await ready(await tor.attachTor({
          control: `127.0.0.1:${client.controlPort}`,
          socks: `127.0.0.1:${client.socksPort}`,
          cookieFile: client.cookieFile,
          signal
        }), opts)
      } catch (err) {
        if ((err as Error)?.name === 'ControlUnreachableError' || (err as Error)?.name === 'TorNotFoundError') {
          throw new TestnetDownError(choice.dir, client.name, { cause: err })
        }
        throw err
      }
    }
    case 'attach': {
      if (choice.control == null && choice.socks != null && opts.socksOnlyOk) {
        return { socks: choice.socks, description: `using tor's SOCKS port ${choice.socks} (dial only, no control connection)` }
      }
      output.progress('tor', null, `attaching to tor${choice.control != null ? ` at ${choice.control}` : ''}`)
      return await ready(await tor.attachTor({ control: choice.control, socks: choice.socks, password: choice.password, cookieFile: choice.cookieFile, signal }), opts)
    }
    case 'managed': {
      output.progress('tor', null, 'launching tor')
      return await ready(await tor.launchTor({ dataDir: managedDataDir(opts.dataDir, opts.command, false), onProgress, signal }), opts)
    }
    case 'auto': {
      output.progress('tor', null, 'looking for a running tor (else launching one)')
      return await ready(await tor.getTor({
        password: choice.password,
        cookieFile: choice.cookieFile,
        signal,
        managed: { dataDir: managedDataDir(opts.dataDir, opts.command, false), onProgress }
      }), opts)
    }
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
