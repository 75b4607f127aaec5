/**
 * SOCKS endpoints and where to look for a running tor. Pure: no I/O.
 */
import { parseControlEndpoint, type ControlEndpoint } from '../control/index.js'
import { InvalidEndpointError } from './errors.js'

export interface SocksEndpoint {
  host: string
  port: number
}

/** Control endpoints tried, in order, when none is configured (system tor, tor daemon, Tor Browser). */
export const DEFAULT_CONTROL_ENDPOINTS: readonly ControlEndpoint[] = [
  { type: 'unix', path: '/run/tor/control' },
  { type: 'tcp', host: '127.0.0.1', port: 9051 },
  { type: 'tcp', host: '127.0.0.1', port: 9151 }
]

/** SOCKS ports tried when neither configured nor reported by tor (tor daemon, Tor Browser). */
export const DEFAULT_SOCKS_ENDPOINTS: readonly SocksEndpoint[] = [
  { host: '127.0.0.1', port: 9050 },
  { host: '127.0.0.1', port: 9150 }
]

const SOCKS_FORMS = 'host:port, [ipv6]:port or a port number'

/** '127.0.0.1:9050', 'localhost:9050', '[::1]:9050' or '9050' (meaning 127.0.0.1). */
export function parseSocksEndpoint (s: string): SocksEndpoint {
  if (s.startsWith('unix:')) throw new InvalidEndpointError(s, `${SOCKS_FORMS} (SOCKS over a unix socket is not supported)`)
  let e: ControlEndpoint
  try {
    e = parseControlEndpoint(s)
  } catch {
    throw new InvalidEndpointError(s, SOCKS_FORMS)
  }
  if (e.type !== 'tcp') throw new InvalidEndpointError(s, SOCKS_FORMS)
  return { host: e.host, port: e.port }
}

export function formatSocksEndpoint (e: SocksEndpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`
}

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
    try {
      const e = parseSocksEndpoint(text)
      if (e.host === '0.0.0.0') e.host = '127.0.0.1'
      else if (e.host === '::') e.host = '::1'
      out.push(e)
    } catch {}
  }
  return out
}
