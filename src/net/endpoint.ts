/**
 * Ports and host:port endpoints: the one parser and the one formatter that
 * every layer uses (tor's control and SOCKS ports, onion virtual ports, the
 * SOCKS destination). Pure: no I/O, no resolver, and no error class of its
 * own. Each caller turns `undefined` or a problem text into the typed error
 * of its layer, so messages keep naming what the user configured.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** A TCP endpoint: tor's control or SOCKS port, or a local target. */
export interface TcpEndpoint {
  host: string
  port: number
}

/** The loopback address a bare port means, and what 'localhost' is pinned to. */
export const LOOPBACK = '127.0.0.1'

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** An integer from 1 to 65535. */
export function isPort (port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
}

/**
 * A port from a number, or from plain decimal digits with no sign, spaces or
 * leading zero (so each port has one spelling); undefined otherwise.
 */
export function parsePort (port: string | number): number | undefined {
  if (typeof port === 'number') return isPort(port) ? port : undefined
  if (!/^[1-9][0-9]{0,4}$/.test(port)) return undefined
  const n = Number(port)
  return n <= 65535 ? n : undefined
}

/** 'host:port', or '[v6]:port' for an IPv6 literal. The inverse of parseHostPort. */
export function formatHostPort (e: TcpEndpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`
}

/** Either the endpoint or why the text is not one. */
export type HostPortResult = { ok: true, endpoint: TcpEndpoint } | { ok: false, problem: string }

const fail = (problem: string): HostPortResult => ({ ok: false, problem })

/**
 * Parses '127.0.0.1:9050', 'localhost:9050', '[::1]:9050' or a bare '9050'
 * (meaning 127.0.0.1). 'localhost' is pinned to 127.0.0.1: the system
 * resolver (/etc/hosts, DNS) is never consulted for tor's own endpoints.
 */
export function parseHostPort (s: string): HostPortResult {
  const bare = parsePort(s)
  if (bare != null) return { ok: true, endpoint: { host: LOOPBACK, port: bare } }

  const v6 = /^\[([^\]]+)\]:([^:]*)$/.exec(s)
  const hostPort = v6 ?? /^([^:[\]]+):([^:]*)$/.exec(s)
  if (hostPort == null) return fail('is not a host:port endpoint')
  const [, host, portText] = hostPort
  const port = parsePort(portText)
  if (port == null) return fail('has a port that is not a number from 1 to 65535')
  if (v6 != null ? !isIPv6(host) : !(isIPv4(host) || HOSTNAME.test(host))) return fail('has an invalid host')
  return { ok: true, endpoint: { host: host.toLowerCase() === 'localhost' ? LOOPBACK : host, port } }
}
