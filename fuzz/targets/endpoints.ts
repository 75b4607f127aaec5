/**
 * src/net's host:port and port parsers (they report problems as values, so
 * they may throw nothing at all), and src/tor's SOCKS endpoint parsers
 * (InvalidEndpointError; parseSocksListeners skips what it cannot read).
 */
import { isDeepStrictEqual } from 'node:util'
import { formatHostPort, isPort, parseHostPort, parsePort } from '../../src/net/endpoint.js'
import { InvalidOnionAddressError, parsePort as parseOnionPort } from '../../src/onion/index.js'
import { formatSocksEndpoint, parseSocksEndpoint, parseSocksListeners } from '../../src/tor/endpoints.js'
import { InvalidEndpointError } from '../../src/tor/errors.js'
import { check, holds, text } from '../target.js'
import type { FuzzTarget } from '../target.js'

const WORDS = ['unix:', ':', '[', ']', '::1', '::', '127.0.0.1', '0.0.0.0', 'localhost', 'LOCALHOST', '9050', '65535', '65536', '0', '"', ' ', '-', '.', '%eth0', '\u0000']

export const ENDPOINT_TARGETS: FuzzTarget[] = [
  {
    name: 'host-port',
    corpus: 'host-port',
    errors: [],
    maxLength: 300,
    dictionary: WORDS,
    run ({ data }) {
      const s = text(data)
      const port = parsePort(s)
      check(port === undefined || (isPort(port) && String(port) === s), `parsePort(${JSON.stringify(s)}) gave ${String(port)}`)
      let onionPort: number | undefined
      try {
        onionPort = parseOnionPort(s)
      } catch (err) {
        if (!(err instanceof InvalidOnionAddressError)) throw err
      }
      check(onionPort === port, 'src/onion parsePort and src/net parsePort disagree')
      const parsed = parseHostPort(s)
      if (!parsed.ok) {
        check(typeof parsed.problem === 'string' && parsed.problem.length > 0, 'a rejection without a problem text')
        return 'rejected'
      }
      check(isPort(parsed.endpoint.port), 'an endpoint with an invalid port')
      holds('host:port round trip', () => isDeepStrictEqual(parseHostPort(formatHostPort(parsed.endpoint)), parsed))
    }
  },
  {
    name: 'socks-endpoint',
    corpus: 'host-port',
    errors: [InvalidEndpointError],
    maxLength: 300,
    dictionary: WORDS,
    run ({ data }) {
      const e = parseSocksEndpoint(text(data))
      holds('SOCKS endpoint round trip', () => isDeepStrictEqual(parseSocksEndpoint(formatSocksEndpoint(e)), e))
    }
  },
  {
    name: 'socks-listeners',
    corpus: 'socks-listeners',
    errors: [],
    maxLength: 600,
    dictionary: WORDS,
    run ({ data }) {
      const listeners = parseSocksListeners(text(data))
      for (const e of listeners) {
        check(isPort(e.port) && e.host !== '0.0.0.0' && e.host !== '::', `a SOCKS listener that cannot be dialed: ${JSON.stringify(e)}`)
      }
      return listeners.length > 0 ? 'accepted' : 'rejected'
    }
  }
]
