/**
 * Where to look for a running tor, and the SOCKS endpoint strings users
 * give. Pure: no I/O. Host:port parsing and formatting live in src/net.
 */
import { parseControlEndpoint, type ControlEndpoint } from '../control/index.js'
import { formatHostPort, LOOPBACK, parseHostPort, type TcpEndpoint } from '../net/endpoint.js'
import { InvalidEndpointError } from './errors.js'

/**
 * Tor's SOCKS port: one type for it across the layers (src/socks calls it
 * SocksProxy).
 */
export type SocksEndpoint = TcpEndpoint

/** Control endpoints tried, in order, when none is configured (system tor, tor daemon, Tor Browser). */
export const DEFAULT_CONTROL_ENDPOINTS: readonly ControlEndpoint[] = [
  { type: 'unix', path: '/run/tor/control' },
  { type: 'tcp', host: LOOPBACK, port: 9051 },
  { type: 'tcp', host: LOOPBACK, port: 9151 }
]

/** SOCKS ports tried when neither configured nor reported by tor (tor daemon, Tor Browser). */
export const DEFAULT_SOCKS_ENDPOINTS: readonly SocksEndpoint[] = [
  { host: LOOPBACK, port: 9050 },
  { host: LOOPBACK, port: 9150 }
]

const SOCKS_FORMS = 'host:port, [ipv6]:port or a port number from 1 to 65535'

/** '127.0.0.1:9050', 'localhost:9050', '[::1]:9050' or '9050' (meaning 127.0.0.1). */
export function parseSocksEndpoint (s: string): SocksEndpoint {
  if (s.startsWith('unix:')) throw new InvalidEndpointError(s, `${SOCKS_FORMS} (SOCKS over a unix socket is not supported)`)
  const parsed = parseHostPort(s)
  if (!parsed.ok) throw new InvalidEndpointError(s, `${SOCKS_FORMS}; it ${parsed.problem}`)
  return parsed.endpoint
}

/** The inverse of parseSocksEndpoint. */
export const formatSocksEndpoint: (e: SocksEndpoint) => string = formatHostPort

export function toControlEndpoint (e: string | ControlEndpoint): ControlEndpoint {
  return typeof e === 'string' ? parseControlEndpoint(e) : e
}

export function toSocksEndpoint (e: string | SocksEndpoint): SocksEndpoint {
  return typeof e === 'string' ? parseSocksEndpoint(e) : e
}

/**
 * The TCP SOCKS listeners in a `GETINFO net/listeners/socks` value, which is
 * a space-separated list of quoted addresses:
 *
 *     "127.0.0.1:9050" "[::1]:9050" "unix:/run/tor/socks"
 *
 * Wildcard binds are mapped to the matching loopback address.
 */
export function parseSocksListeners (value: string): SocksEndpoint[] {
  const out: SocksEndpoint[] = []
  for (const m of value.matchAll(/"([^"]*)"|(\S+)/g)) {
    const text = m[1] ?? m[2]
    if (text.startsWith('unix:')) continue
    const parsed = parseHostPort(text)
    if (!parsed.ok) continue
    const e = parsed.endpoint
    if (e.host === '0.0.0.0') e.host = LOOPBACK
    else if (e.host === '::') e.host = '::1'
    out.push(e)
  }
  return out
}
