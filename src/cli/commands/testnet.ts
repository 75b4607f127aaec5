/**
 * `p2p-tor testnet start|stop|status|env`: a private Tor network on
 * 127.0.0.1 for tests and demos (3 authorities, relays, client tors).
 * Progress goes to stderr, results to stdout; `--json` prints one JSON object
 * on stdout. Errors end the command with one line and a non-zero exit code
 * (see errors.ts). The network module is imported only when a subcommand runs.
 */
import { homedir } from 'node:os'
import path from 'node:path'
import { Command, Option } from 'commander'
import { classifyError } from '../errors.js'
import { integer, resolveDataDir } from '../options.js'
import type { TestnetClient, TestnetInfo } from '../../testnet/index.js'

export interface TestnetCommandIO {
  stdout: { write: (s: string) => unknown }
  stderr: { write: (s: string) => unknown }
  env: Readonly<Record<string, string | undefined>>
  /** Receives the exit code (default: process.exitCode). */
  setExitCode: (code: number) => void
}

const defaultIO = (): TestnetCommandIO => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  setExitCode: (code) => { process.exitCode = code }
})

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

export function formatEnvExports (vars: Record<string, string>): string {
  return Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join('')
}

function formatClients (info: TestnetInfo): string {
  return info.clients.map(c => `  ${c.name}: socks 127.0.0.1:${c.socksPort}  control 127.0.0.1:${c.controlPort}  cookie ${c.cookieFile}\n`).join('')
}

interface CommonOpts { dir: string, json?: boolean }

export function testnetCommand (io: TestnetCommandIO = defaultIO()): Command {
  const dirOption = (): Option => new Option('--dir <dir>', 'directory of the network (keys, logs, state)').default(defaultTestnetDir(io.env), '$XDG_DATA_HOME/p2p-tor/testnet or ~/.local/share/p2p-tor/testnet')
  const jsonOption = (): Option => new Option('--json', 'print one JSON object on stdout')
  const print = (s: string): void => { io.stdout.write(s) }

  /** Runs an action: a thrown error becomes one line (JSON with --json) and an exit code. */
  const run = <O extends CommonOpts>(action: (opts: O) => Promise<number>) => async (opts: O): Promise<void> => {
    try {
      io.setExitCode(await action(opts))
    } catch (err) {
      const e = classifyError(err)
      if (opts.json === true) print(JSON.stringify({ event: 'error', code: e.code, exitCode: e.exitCode, message: e.message }) + '\n')
      else io.stderr.write(`error: ${e.message}\n`)
      io.setExitCode(e.exitCode)
    }
  }

  const cmd = new Command('testnet')
    .description('a private Tor network on 127.0.0.1 (3 directory authorities, relays, client tors) for tests and demos')

  cmd.command('start')
    .description('start the network, or restart its stopped processes (reusing keys); succeeds at once when it already runs')
    .addOption(dirOption())
    .option('--base-port <port>', 'first of the consecutive ports it uses, 4 per tor (default 17000, or the port of the network in --dir)', integer('--base-port', 1024, 65535))
    .option('--clients <n>', 'client tors (default 2)', integer('--clients', 1, 64))
    .option('--relays <n>', 'plain relays besides the 3 authorities (default 1)', integer('--relays', 1, 64))
    .addOption(new Option('--scheduler <name>', "tor's circuit scheduler on every node (default KIST)").choices(['KIST', 'Vanilla']))
    .option('--timeout <seconds>', 'give up after this long (default 60)', integer('--timeout', 1, 3600))
    .addOption(jsonOption())
    .action(run(async (opts: CommonOpts & { basePort?: number, clients?: number, relays?: number, scheduler?: 'KIST' | 'Vanilla', timeout?: number }) => {
      const { startTestnet } = await import('../../testnet/index.js')
      const info = await startTestnet({
        dir: opts.dir,
        basePort: opts.basePort,
        clients: opts.clients,
        relays: opts.relays,
        scheduler: opts.scheduler,
        timeoutMs: opts.timeout != null ? opts.timeout * 1000 : undefined,
        onProgress: (e) => { io.stderr.write(`testnet ${e.phase}${e.percent != null ? ` ${e.percent}%` : ''}: ${e.message}\n`) }
      })
      if (opts.json === true) {
        print(JSON.stringify({ event: 'testnet', ...info, env: testnetEnvVars(info.clients) }) + '\n')
      } else {
        print(`${info.alreadyRunning ? 'already running' : `started in ${(info.elapsedMs / 1000).toFixed(1)} s`}: ${info.dir} (base port ${info.basePort}, ${info.scheduler} scheduler)\n`)
        print(formatClients(info))
        print(`use it: eval "$(p2p-tor testnet env --dir ${shellQuote(info.dir)})"\n`)
      }
      return 0
    }))

  cmd.command('stop')
    .description('stop every tor process of the network (keys and logs stay unless --clean)')
    .addOption(dirOption())
    .option('--clean', 'also delete the directory')
    .addOption(jsonOption())
    .action(run(async (opts: CommonOpts & { clean?: boolean }) => {
      const { stopTestnet } = await import('../../testnet/index.js')
      const t0 = Date.now()
      await stopTestnet(opts.dir, { clean: opts.clean === true })
      const dir = path.resolve(opts.dir)
      if (opts.json === true) print(JSON.stringify({ event: 'testnet-stopped', dir, cleaned: opts.clean === true, stopMs: Date.now() - t0 }) + '\n')
      else print(`stopped: ${dir}${opts.clean === true ? ' (deleted)' : ''}\n`)
      return 0
    }))

  cmd.command('status')
    .description('each tor of the network: role, pid, running or not (exit code 1 when any is not running)')
    .addOption(dirOption())
    .addOption(jsonOption())
    .action(run(async (opts: CommonOpts) => {
      const { testnetStatus } = await import('../../testnet/index.js')
      const { nodes } = await testnetStatus(opts.dir)
      if (opts.json === true) print(JSON.stringify({ event: 'testnet-status', dir: path.resolve(opts.dir), nodes }) + '\n')
      else print(nodes.map(n => `${n.name.padEnd(9)} ${n.role.padEnd(9)} ${n.alive ? `running (pid ${n.pid ?? '?'})` : 'stopped'}\n`).join(''))
      return nodes.every(n => n.alive) ? 0 : 1
    }))

  cmd.command('env')
    .description('shell exports for the client tors: P2P_TOR_SOCKS, P2P_TOR_CONTROL, P2P_TOR_COOKIE (client 0), then _1, _2 ... for the others')
    .addOption(dirOption())
    .addOption(jsonOption())
    .action(run(async (opts: CommonOpts) => {
      const { testnetEnv } = await import('../../testnet/index.js')
      const info = await testnetEnv(opts.dir)
      const vars = testnetEnvVars(info.clients)
      if (opts.json === true) print(JSON.stringify({ event: 'testnet-env', ...info, env: vars }) + '\n')
      else print(formatEnvExports(vars))
      return 0
    }))

  return cmd
}
