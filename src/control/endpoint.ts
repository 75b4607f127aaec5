/**
 * Where Tor's control port listens: a TCP host:port or a unix socket path.
 */
import { formatHostPort, parseHostPort } from '../net/endpoint.js'
import { InvalidControlArgumentError } from './errors.js'

export type ControlEndpoint = { type: 'tcp', host: string, port: number } | { type: 'unix', path: string }

const FORMS = 'expected host:port, [ipv6]:port, port or unix:/absolute/path'
// eslint-disable-next-line no-control-regex
const UNSAFE_PATH = /[\u0000-\u001f\u007f]/

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
  const parsed = parseHostPort(s)
  if (!parsed.ok) throw bad(s, parsed.problem)
  return { type: 'tcp', ...parsed.endpoint }
}

/** The inverse of parseControlEndpoint (a bare port is written as 127.0.0.1:port). */
export function formatControlEndpoint (e: ControlEndpoint): string {
  if (e.type === 'unix') return `unix:${e.path}`
  return formatHostPort(e)
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
