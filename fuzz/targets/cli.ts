/**
 * src/cli/options.ts: the number parsers of argv, --timeout, which tor to
 * use from flags and environment, and the data directory. They raise only
 * UsageError (resolveDataDir raises nothing).
 *
 * The structured inputs are written as text lines, so the corpus reads like
 * real command lines and mutations stay meaningful:
 *   --tor-control=127.0.0.1:9051   a flag with a value
 *   --managed                      a boolean flag
 *   env.P2P_TOR_SOCKS=9050         a variable
 *   default=1 / home=/home/u       the command's default client, the home directory
 */
import { isAbsolute } from 'node:path'
import { UsageError } from '../../src/cli/errors.js'
import {
  parseClientOption, parseCountOption, parseIntervalOption, parsePortOption, parseTimeoutOption, resolveDataDir, resolveTorChoice
} from '../../src/cli/options.js'
import type { TorFlags } from '../../src/cli/options.js'
import { check, text } from '../target.js'
import type { FuzzTarget, Outcome } from '../target.js'

const NUMBER_WORDS = ['0', '1', '.', '-', '+', ' ', '\t', '\n', 'e', 'E', 'x', '_', '65535', '65536', '86400', '99', '100', '1000000', '3600000']
const INTEGER_OPTIONS: Array<[(s: string) => number, number, number]> = [
  [parsePortOption, 1, 65535],
  [parseCountOption, 1, 1_000_000],
  [parseIntervalOption, 0, 3_600_000],
  [parseClientOption, 0, 99]
]

/** `key=value` lines (a line without '=' is a boolean flag); later lines win. */
function lines (s: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of s.split('\n')) {
    const eq = line.indexOf('=')
    if (eq === -1) out.set(line, '')
    else out.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return out
}

function env (m: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of m) if (k.startsWith('env.')) out[k.slice(4)] = v
  return out
}

const FLAG_WORDS = [
  '\n', '=', '--tor-control=', '--tor-socks=', '--tor-password=', '--tor-cookie=', '--testnet=', '--testnet-client=', '--managed', '--data-dir=',
  'env.P2P_TOR_CONTROL=', 'env.P2P_TOR_SOCKS=', 'env.P2P_TOR_PASSWORD=', 'env.P2P_TOR_COOKIE=', 'env.P2P_TOR_TESTNET=', 'env.P2P_TOR_DATA_DIR=',
  'env.XDG_DATA_HOME=', 'default=', 'home=', '/', '..', '.', '~', '127.0.0.1:9051', 'unix:/run/tor/control', '9050', '/tmp/net'
]

export const CLI_TARGETS: FuzzTarget[] = [
  {
    name: 'cli-integer',
    corpus: 'cli-number',
    errors: [UsageError],
    maxLength: 64,
    dictionary: NUMBER_WORDS,
    run ({ data }): Outcome {
      const s = text(data)
      let outcome: Outcome = 'rejected'
      for (const [parse, min, max] of INTEGER_OPTIONS) {
        let n: number
        try {
          n = parse(s)
        } catch (err) {
          if (err instanceof UsageError) continue
          throw err
        }
        check(Number.isSafeInteger(n) && n >= min && n <= max, `${JSON.stringify(s)} parsed to ${n}, outside ${min}..${max}`)
        outcome = 'accepted'
      }
      return outcome
    }
  },
  {
    name: 'cli-timeout',
    corpus: 'cli-number',
    errors: [UsageError],
    maxLength: 64,
    dictionary: NUMBER_WORDS,
    run ({ data }) {
      const s = text(data)
      const ms = parseTimeoutOption(s)
      check(Number.isSafeInteger(ms) && ms >= 1 && ms <= 86_400_000, `--timeout ${JSON.stringify(s)} gave ${ms} ms, outside 1..86400000`)
    }
  },
  {
    name: 'cli-tor-choice',
    corpus: 'cli-tor-choice',
    errors: [UsageError],
    maxLength: 600,
    dictionary: FLAG_WORDS,
    run ({ data }) {
      const m = lines(text(data))
      const client = m.get('--testnet-client')
      const flags: TorFlags = {
        torControl: m.get('--tor-control'),
        torSocks: m.get('--tor-socks'),
        torPassword: m.get('--tor-password'),
        torCookie: m.get('--tor-cookie'),
        testnet: m.get('--testnet'),
        // as commander hands it over: parsed by parseClientOption first
        testnetClient: client == null ? undefined : parseClientOption(client),
        managed: m.has('--managed') ? true : undefined
      }
      const choice = resolveTorChoice(flags, env(m), m.get('default') === '1' ? 1 : 0)
      switch (choice.kind) {
        case 'testnet':
          check(isAbsolute(choice.dir) && Number.isInteger(choice.client), 'a testnet choice with a relative dir or a bad client')
          break
        case 'attach':
          check(choice.control != null || choice.socks != null, 'attach without an endpoint')
          check(flags.managed !== true, '--managed and attach at once')
          break
        case 'managed':
        case 'auto':
          break
        default:
          check(false, `an unknown choice ${JSON.stringify(choice)}`)
      }
    }
  },
  {
    name: 'cli-data-dir',
    corpus: 'cli-data-dir',
    errors: [],
    maxLength: 600,
    dictionary: FLAG_WORDS,
    run ({ data }) {
      const m = lines(text(data))
      const home = m.get('home') ?? ''
      // homedir() is always absolute; resolveDataDir is only asked with one
      const dir = resolveDataDir(m.get('--data-dir'), env(m), isAbsolute(home) ? home : '/home/fuzz')
      check(isAbsolute(dir), `data dir ${JSON.stringify(dir)} is not absolute`)
    }
  }
]
