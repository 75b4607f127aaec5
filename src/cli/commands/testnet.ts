/**
 * `p2p-tor testnet start|stop|status|env`: a private Tor network on
 * 127.0.0.1 for tests and demos (3 authorities, relays, client tors).
 * Like every command, each action gets the CliContext, writes through Output
 * (results on stdout, progress on stderr; `--json`: JSON lines on stdout) and
 * lets errors reach main(), which prints the one error line and picks the
 * exit code. The network module is imported only when a subcommand runs.
 */
import { homedir } from 'node:os'
import path from 'node:path'
import { outputFor } from '../context.js'
import { ExitCode } from '../errors.js'
import { resolveDataDir } from '../options.js'
import type { CliContext } from '../context.js'
import type { TestnetClient, TestnetInfo } from '../../testnet/index.js'

/** `<data dir>/testnet`: $P2P_TOR_DATA_DIR, else `$XDG_DATA_HOME/p2p-tor`, else `~/.local/share/p2p-tor`. */
export function defaultTestnetDir (env: Readonly<Record<string, string | undefined>> = process.env, home = homedir()): string {
  return path.join(resolveDataDir(undefined, env, home), 'testnet')
}

function shellQuote (s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`
}

/**
 * The environment for scripts: client 0 as P2P_TOR_SOCKS, P2P_TOR_CONTROL,
 * P2P_TOR_COOKIE (what `p2p-tor listen/dial` read), client N>0 with the
 * suffix _N (e.g. P2P_TOR_SOCKS_1).
 */
export function testnetEnvVars (clients: TestnetClient[]): Record<string, string> {
  const vars: Record<string, string> = {}
  clients.forEach((c, i) => {
    const suffix = i === 0 ? '' : `_${i}`
    vars[`P2P_TOR_SOCKS${suffix}`] = `127.0.0.1:${c.socksPort}`
    vars[`P2P_TOR_CONTROL${suffix}`] = `127.0.0.1:${c.controlPort}`
    vars[`P2P_TOR_COOKIE${suffix}`] = c.cookieFile
  })
  return vars
}

function exportLine (name: string, value: string): string {
  return `export ${name}=${shellQuote(value)}`
}

export function formatEnvExports (vars: Record<string, string>): string {
  return Object.entries(vars).map(([k, v]) => exportLine(k, v) + '\n').join('')
}

function clientLines (info: TestnetInfo): string[] {
  return info.clients.map(c => `  ${c.name}: socks 127.0.0.1:${c.socksPort}  control 127.0.0.1:${c.controlPort}  cookie ${c.cookieFile}`)
}

/** What every testnet subcommand takes. */
export interface TestnetDirOptions {
  dir: string
  json?: boolean
}

export interface TestnetStartOptions extends TestnetDirOptions {
  basePort?: number
  clients?: number
  relays?: number
  scheduler?: 'KIST' | 'Vanilla'
  /** Seconds. */
  timeout?: number
}

export interface TestnetStopOptions extends TestnetDirOptions {
  clean?: boolean
}

export async function testnetStartCommand (opts: TestnetStartOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { startTestnet } = await import('../../testnet/index.js')
  const info = await startTestnet({
    dir: opts.dir,
    basePort: opts.basePort,
    clients: opts.clients,
    relays: opts.relays,
    scheduler: opts.scheduler,
    timeoutMs: opts.timeout != null ? opts.timeout * 1000 : undefined,
    onProgress: (e) => { output.progress('testnet', e.percent ?? null, `${e.phase}: ${e.message}`) }
  })
  output.event({ event: 'testnet', ...info, env: testnetEnvVars(info.clients) })
  if (!output.json) {
    output.result(`${info.alreadyRunning ? 'already running' : `started in ${(info.elapsedMs / 1000).toFixed(1)} s`}: ${info.dir} (base port ${info.basePort}, ${info.scheduler} scheduler)`)
    for (const line of clientLines(info)) output.result(line)
    output.result(`use it: eval "$(p2p-tor testnet env --dir ${shellQuote(info.dir)})"`)
  }
  return ExitCode.OK
}

export async function testnetStopCommand (opts: TestnetStopOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { stopTestnet } = await import('../../testnet/index.js')
  const t0 = Date.now()
  const cleaned = opts.clean === true
  await stopTestnet(opts.dir, { clean: cleaned })
  const dir = path.resolve(opts.dir)
  output.event({ event: 'testnet-stopped', dir, cleaned, stopMs: Date.now() - t0 })
  if (!output.json) output.result(`stopped: ${dir}${cleaned ? ' (deleted)' : ''}`)
  return ExitCode.OK
}

/** Exit code 1 (FAILURE) when any node of the network is not running. */
export async function testnetStatusCommand (opts: TestnetDirOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { testnetStatus } = await import('../../testnet/index.js')
  const { nodes } = await testnetStatus(opts.dir)
  output.event({ event: 'testnet-status', dir: path.resolve(opts.dir), nodes })
  if (!output.json) {
    for (const n of nodes) {
      const state = n.alive ? output.out('green', `running (pid ${n.pid ?? '?'})`) : output.out('red', 'stopped')
      output.result(`${n.name.padEnd(9)} ${n.role.padEnd(9)} ${state}`)
    }
  }
  return nodes.every(n => n.alive) ? ExitCode.OK : ExitCode.FAILURE
}

export async function testnetEnvCommand (opts: TestnetDirOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { testnetEnv } = await import('../../testnet/index.js')
  const info = await testnetEnv(opts.dir)
  const vars = testnetEnvVars(info.clients)
  output.event({ event: 'testnet-env', ...info, env: vars })
  if (!output.json) {
    for (const [name, value] of Object.entries(vars)) output.result(exportLine(name, value))
  }
  return ExitCode.OK
}
