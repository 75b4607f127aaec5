/**
 * Where Tor's control port listens: a TCP host:port or a unix socket path.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { InvalidControlArgumentError } from './errors.js'

export type ControlEndpoint = { type: 'tcp', host: string, port: number } | { type: 'unix', path: string }

const FORMS = 'expected host:port, [ipv6]:port, port or unix:/absolute/path'
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
// eslint-disable-next-line no-control-regex
const UNSAFE_PATH = /[\u0000-\u001f\u007f]/

function parsePort (s: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(s)) return undefined
  const n = Number(s)
  return n <= 65535 ? n : undefined
}

function bad (input: string, problem: string): InvalidControlArgumentError {
  return new InvalidControlArgumentError('control endpoint', `${JSON.stringify(input)} ${problem} (${FORMS})`)
}

/**
 * Parses '127.0.0.1:9051', 'localhost:9051', '[::1]:9051', '9051' (meaning
 * 127.0.0.1) or 'unix:/run/tor/control'.
 */
export function parseControlEndpoint (s: string): ControlEndpoint {
  if (s.startsWith('unix:')) {
    const path = s.slice(5)
    if (!path.startsWith('/')) throw bad(s, 'is not an absolute unix socket path')
    if (UNSAFE_PATH.test(path)) throw bad(s, 'contains control characters')
    return { type: 'unix', path }
  }
  const bare = parsePort(s)
  if (bare != null) return { type: 'tcp', host: '127.0.0.1', port: bare }

  const v6 = /^\[([^\]]+)\]:([^:]*)$/.exec(s)
  const hostPort = v6 ?? /^([^:[\]]+):([^:]*)$/.exec(s)
  if (hostPort == null) throw bad(s, 'is not a control endpoint')
  const [, host, portText] = hostPort
  const port = parsePort(portText)
  if (port == null) throw bad(s, 'has a port that is not a number from 1 to 65535')
  if (v6 != null ? !isIPv6(host) : !(isIPv4(host) || HOSTNAME.test(host))) {
    throw bad(s, 'has an invalid host')
  }
  // tor's own endpoint, but still: 'localhost' would go through the system
  // resolver (/etc/hosts), so it is pinned to the loopback address here
  return { type: 'tcp', host: host.toLowerCase() === 'localhost' ? '127.0.0.1' : host, port }
}

/** The inverse of parseControlEndpoint (a bare port is written as 127.0.0.1:port). */
export function formatControlEndpoint (e: ControlEndpoint): string {
  if (e.type === 'unix') return `unix:${e.path}`
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`
}

/**
 * Reads the file tor writes for `ControlPortWriteToFile`:
 *
 * ```
 * PORT=127.0.0.1:39643
 * UNIX_PORT=/tmp/tor/control
 * ```
 *
 * Returns every endpoint listed, in file order. Unknown lines are ignored.
 */
export function parseControlPortFile (text: string): ControlEndpoint[] {
  const out: ControlEndpoint[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('PORT=')) out.push(parseControlEndpoint(line.slice(5)))
    else if (line.startsWith('UNIX_PORT=')) out.push(parseControlEndpoint(`unix:${line.slice(10)}`))
  }
  return out
}
