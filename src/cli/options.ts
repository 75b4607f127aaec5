/**
 * Pure option handling: number parsers for argv, where the data directory is,
 * and which tor to use given the flags and the environment. No I/O, so it is
 * tested on plain objects.
 *
 * Precedence: a flag beats its environment variable, which beats the default.
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { UsageError } from './errors.js'

/** The environment variables the CLI reads, as `--help` documents them. */
export const ENV = {
  control: 'P2P_TOR_CONTROL',
  socks: 'P2P_TOR_SOCKS',
  password: 'P2P_TOR_PASSWORD',
  cookie: 'P2P_TOR_COOKIE',
  testnet: 'P2P_TOR_TESTNET',
  dataDir: 'P2P_TOR_DATA_DIR',
  hub: 'P2P_TOR_HUB'
} as const

export const ENV_HELP = `Environment (a flag beats its variable):
  ${ENV.control}    tor control endpoint, as --tor-control
  ${ENV.socks}      tor SOCKS endpoint, as --tor-socks
  ${ENV.password}   control password, as --tor-password (safer than the flag:
                     other users can read command lines)
  ${ENV.cookie}     control cookie file, as --tor-cookie
  ${ENV.testnet}    private network directory, as --testnet
  ${ENV.dataDir}   data directory, as --data-dir
  ${ENV.hub}        the hub's multiaddr, as --hub (publish, subscribe, register, call)
  NO_COLOR           set (non-empty) to disable colour
  DEBUG              debug logs: p2p-tor* (alias of libp2p:tor*), libp2p:*`

/** `id --help`: id reads only where the keys are (it starts no tor and no libp2p). */
export const ID_ENV_HELP = `Environment (a flag beats its variable):
  ${ENV.dataDir}   data directory, as --data-dir`

export type Env = Readonly<Record<string, string | undefined>>

/** Flags shared by the commands that need tor (commander's camelCase names). */
export interface TorFlags {
  torControl?: string
  torSocks?: string
  torPassword?: string
  torCookie?: string
  testnet?: string
  testnetClient?: number
  managed?: boolean
}

/**
 * Which tor a command uses:
 * - `attach`: endpoints given (flags or env); unset ones are asked of tor or defaulted;
 * - `testnet`: a client tor of the private network in `dir` (or, `managed`, an own tor joining it);
 * - `managed`: always launch an own tor;
 * - `auto`: a system tor if one answers on the usual ports, else an own tor.
 */
export type TorChoice =
  | { kind: 'attach', control?: string, socks?: string, password?: string, cookieFile?: string }
  | { kind: 'testnet', dir: string, client: number, managed: boolean }
  | { kind: 'managed' }
  | { kind: 'auto', password?: string, cookieFile?: string }

function nonEmpty (s: string | undefined): string | undefined {
  return s == null || s === '' ? undefined : s
}

interface Picked { value?: string, from?: 'flag' | 'env' }

function pick (flag: string | undefined, env: string | undefined): Picked {
  if (nonEmpty(flag) != null) return { value: flag, from: 'flag' }
  if (nonEmpty(env) != null) return { value: env, from: 'env' }
  return {}
}

/**
 * Resolves the tor flags and variables into one choice. `--testnet` and
 * explicit endpoints exclude each other when given at the same level (both
 * flags, or both variables); otherwise the flag wins. `defaultClient` is the
 * testnet client a command uses without `--testnet-client` (listen 0, dial 1).
 */
export function resolveTorChoice (flags: TorFlags, env: Env, defaultClient: number): TorChoice {
  const testnet = pick(flags.testnet, env[ENV.testnet])
  const control = pick(flags.torControl, env[ENV.control])
  const socks = pick(flags.torSocks, env[ENV.socks])
  const password = pick(flags.torPassword, env[ENV.password]).value
  const cookieFile = pick(flags.torCookie, env[ENV.cookie]).value

  let useTestnet = testnet.value != null
  const endpoints = [control, socks].filter(p => p.value != null)
  if (useTestnet && endpoints.length > 0) {
    if (endpoints.some(p => p.from === testnet.from)) {
      const where = testnet.from === 'flag' ? '--testnet and --tor-control/--tor-socks' : `${ENV.testnet} and ${ENV.control}/${ENV.socks}`
      throw new UsageError(`${where} exclude each other: use a private network or explicit tor endpoints, not both`)
    }
    // different levels: the flags win over the environment
    useTestnet = testnet.from === 'flag'
  }

  if (flags.testnetClient != null && !useTestnet) {
    throw new UsageError('--testnet-client needs --testnet DIR (or P2P_TOR_TESTNET)')
  }
  if (useTestnet) {
    return { kind: 'testnet', dir: resolve(testnet.value as string), client: flags.testnetClient ?? defaultClient, managed: flags.managed === true }
  }
  if (endpoints.length > 0) {
    if (flags.managed === true) {
      throw new UsageError('--managed launches an own tor, so it cannot be combined with --tor-control/--tor-socks; drop one of them')
    }
    return { kind: 'attach', control: control.value, socks: socks.value, password, cookieFile }
  }
  if (flags.managed === true) return { kind: 'managed' }
  return { kind: 'auto', password, cookieFile }
}

/**
 * The data directory: `--data-dir`, else P2P_TOR_DATA_DIR, else
 * `$XDG_DATA_HOME/p2p-tor` (when XDG_DATA_HOME is absolute, as the XDG spec
 * requires), else `~/.local/share/p2p-tor`.
 */
export function resolveDataDir (flag: string | undefined, env: Env, home: string = homedir()): string {
  const given = pick(flag, env[ENV.dataDir]).value
  if (given != null) return resolve(given)
  const xdg = nonEmpty(env.XDG_DATA_HOME)
  if (xdg != null && isAbsolute(xdg)) return join(xdg, 'p2p-tor')
  return join(home, '.local', 'share', 'p2p-tor')
}

/** A commander argument parser for a whole number in [min, max]; UsageError otherwise. */
export function integer (name: string, min: number, max: number): (text: string) => number {
  return (text: string) => {
    const n = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`)
    }
    return n
  }
}

export const parsePortOption = integer('--port', 1, 65535)
export const parseCountOption = integer('--count', 1, 1_000_000)
export const parseIntervalOption = integer('--interval (ms)', 0, 3_600_000)
export const parseClientOption = integer('--testnet-client', 0, 99)

/** Seconds, decimals allowed, (0, 86400]; returned as milliseconds, at least 1 (so 0.0001 is refused, not 0 ms). */
export function parseTimeoutOption (text: string): number {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(text.trim()) ? Number(text.trim()) : NaN
  const ms = Math.round(n * 1000)
  if (!Number.isFinite(n) || ms < 1 || n > 86_400) {
    throw new UsageError(`--timeout must be a number of seconds from 0.001 to 86400, got "${text}"`)
  }
  return ms
}

/**
 * Checks that the private network a choice names exists, before anything is
 * written (keys, locks): TestnetNotFoundError otherwise. Other choices pass.
 */
export async function checkTestnet (choice: TorChoice): Promise<void> {
  if (choice.kind !== 'testnet') return
  const { testnetEnv } = await import('../testnet/index.js')
  await testnetEnv(choice.dir)
}
