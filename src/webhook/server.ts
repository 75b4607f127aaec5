/**
 * The relay as a stand-alone HTTP(S) server: node:http, or node:https when
 * given a certificate (most deployments put a reverse proxy with TLS in
 * front and listen on 127.0.0.1 instead).
 */
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { InvalidParametersError } from '@libp2p/interface'
import { formatHostPort, parseHostPort } from '../net/endpoint.js'
import { createRelayHandler } from './relay.js'
import type { RelayHandler, RelayHandlerOptions } from './relay.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RelayServerOptions extends RelayHandlerOptions {
  /** host:port to listen on; port 0 picks a free one (see `url`). A bare port means 127.0.0.1. */
  listen: string
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer, key: string | Buffer }
}

export interface RelayServer {
  /** The webhook URL as bound, e.g. http://127.0.0.1:8080/webhook/github */
  url: string
  /** The health report's URL. */
  healthUrl: string
  relay: RelayHandler
  /** Stops listening, closes open connections, and stops the forwarder. */
  close: () => Promise<void>
}

/**
 * Starts the relay's HTTP(S) server; resolves once it listens.
 *
 * @throws {InvalidParametersError} when `listen` is not host:port
 */
export async function startRelayServer (opts: RelayServerOptions): Promise<RelayServer> {
  const listen = /^(.*):0$/.exec(opts.listen)
  // parseHostPort takes ports 1-65535; port 0 (any free port) is ours to allow
  const parsed = parseHostPort(listen != null ? `${listen[1]}:1` : opts.listen)
  if (!parsed.ok) throw new InvalidParametersError(`--listen ${JSON.stringify(opts.listen)} ${parsed.problem}; use host:port, e.g. 127.0.0.1:8080`)
  const host = parsed.endpoint.host
  const port = listen != null ? 0 : parsed.endpoint.port

  const relay = createRelayHandler(opts)
  const server: Server = opts.tls != null
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, relay.handler)
    : createHttpServer(relay.handler)
  // GitHub's deliveries are small and quick: bound how long a slow client
  // may hold a connection (headers, then the whole request).
  server.headersTimeout = 10_000
  server.requestTimeout = (opts.bodyTimeoutMs ?? 8_000) + 5_000
  server.keepAliveTimeout = 5_000

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve() })
    })
  } catch (err) {
    await relay.close()
    throw err
  }
  const bound = server.address() as AddressInfo
  const base = `${opts.tls != null ? 'https' : 'http'}://${formatHostPort({ host: bound.address, port: bound.port })}`
  return {
    url: base + (opts.path === undefined ? '/webhook/github' : opts.path ?? '/'),
    healthUrl: base + (opts.healthPath ?? '/healthz'),
    relay,
    close: async () => {
      await relay.close()
      await new Promise<void>((resolve) => {
        server.close(() => { resolve() })
        server.closeAllConnections()
      })
    }
  }
}
