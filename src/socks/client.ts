/**
 * `socksConnect()`: open a TCP stream to `host:port` through Tor's SocksPort.
 *
 * Why our own client and not the npm `socks` package: `socks` 2.8 maps reply
 * codes only up to 0x08, so Tor's onion-service codes F0-F7 (the reason a
 * dial failed) come back as "undefined"; it has no AbortSignal; it ignores
 * `set_tcp_nodelay` for a socket we supply; and its errors carry the proxy
 * password in `err.options`. Wrapping it would mean re-reading the reply
 * ourselves and scrubbing its errors. The handshake is a few dozen lines as a
 * pure state machine (`handshake.ts`), so this file is only socket glue:
 * connect, pump bytes, and one `done()` that clears every listener.
 */
import net from 'node:net'
import { logger } from '@libp2p/logger'
import { AbortError, InvalidParametersError, SocksNotSocks5Error, SocksProtocolError, SocksProxyUnreachableError, TimeoutError } from './errors.js'
import { formatHostPort, isPort, type TcpEndpoint } from '../net/endpoint.js'
import { SocksClientHandshake } from './handshake.js'
import type { SocksConnectRequest } from './handshake.js'

const log = logger('libp2p:tor:socks')

/** Tor's SocksPort over TCP: src/net's one endpoint type. */
export type SocksProxy = TcpEndpoint

/** Tor's SocksPort on a unix socket (`SocksPort unix:/path`). */
export interface SocksUnixProxy {
  path: string
}

export interface SocksConnectOptions extends SocksConnectRequest {
  /** Tor's SocksPort. */
  proxy: SocksProxy | SocksUnixProxy
  /** Aborting destroys the socket at once, even mid-handshake, and rejects with `AbortError`. */
  signal?: AbortSignal
  /**
   * Limit for connect plus handshake; on expiry the socket is destroyed and
   * the promise rejects with `TimeoutError`. Onion circuits are slow.
   *
   * @default 120000
   */
  timeoutMs?: number
  /**
   * Limit for the proxy's answer to the greeting, from the moment the TCP
   * connection is up. Tor answers it at once, even before bootstrapping;
   * an endpoint that stays silent is not a SOCKS5 proxy (tor's ControlPort
   * or DirPort waits for a line), so this fails fast with
   * `SocksNotSocks5Error` instead of waiting `timeoutMs`.
   *
   * @default 5000
   */
  greetingTimeoutMs?: number
}

export const DEFAULT_SOCKS_TIMEOUT_MS = 120_000
export const DEFAULT_SOCKS_GREETING_TIMEOUT_MS = 5000

function checkMs (name: string, ms: unknown): number {
  if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) {
    throw new InvalidParametersError(name, `SOCKS ${name} must be a positive finite number of milliseconds, got ${String(ms)}`)
  }
  return ms
}

function describeProxy (proxy: SocksProxy | SocksUnixProxy): string {
  return 'path' in proxy ? `unix:${proxy.path}` : formatHostPort(proxy)
}

function validateProxy (proxy: SocksProxy | SocksUnixProxy | undefined): void {
  const ok = typeof proxy === 'object' && proxy !== null && ('path' in proxy
    ? typeof proxy.path === 'string' && proxy.path.length > 0
    : typeof proxy.host === 'string' && proxy.host.length > 0 && isPort(proxy.port))
  if (!ok) {
    throw new InvalidParametersError('proxy', 'SOCKS proxy must be { host, port } with port 1..65535, or { path } of a unix SocksPort, e.g. { host: \'127.0.0.1\', port: 9050 }')
  }
}

/** Onion ids are not secret, but keep whole ones out of logs, as arti does. */
function redact (destination: string): string {
  return destination.length > 12 ? `${destination.slice(0, 6)}…${destination.slice(-12)}` : destination
}

/**
 * Connect to `opts.host:opts.port` through the SOCKS5 proxy. Resolves with the
 * socket once the proxy reports success: `noDelay` set, no handshake
 * listeners left, and any bytes that followed the reply pushed back with
 * `unshift`, so the first `data` a consumer sees is the peer's first byte.
 * That is right for tor, which may deliver the peer's first bytes in the
 * same read as its reply. This layer cannot tell them from junk that a
 * proxy other than tor adds; the protocol that reads the stream next does
 * (libp2p's multistream-select fails with "Missing newline").
 */
export async function socksConnect (opts: SocksConnectOptions): Promise<net.Socket> {
  if (opts.signal?.aborted === true) throw new AbortError('the SOCKS connect was aborted before it started')
  const handshake = new SocksClientHandshake(opts)
  validateProxy(opts.proxy)
  const timeoutMs = checkMs('timeoutMs', opts.timeoutMs ?? DEFAULT_SOCKS_TIMEOUT_MS)
  const greetingTimeoutMs = checkMs('greetingTimeoutMs', opts.greetingTimeoutMs ?? DEFAULT_SOCKS_GREETING_TIMEOUT_MS)
  const proxy = describeProxy(opts.proxy)
  const { signal } = opts
  log('connecting to %s via %s', redact(handshake.destination), proxy)

  return new Promise<net.Socket>((resolve, reject) => {
    const socket = 'path' in opts.proxy
      ? net.connect({ path: opts.proxy.path })
      : net.connect({ host: opts.proxy.host, port: opts.proxy.port })
    let connected = false
    let greetingTimer: ReturnType<typeof setTimeout> | undefined

    const done = (): void => {
      clearTimeout(timer)
      clearTimeout(greetingTimer)
      signal?.removeEventListener('abort', onAbort)
      socket.removeListener('connect', onConnect)
      socket.removeListener('readable', onReadable)
      socket.removeListener('error', onError)
      socket.removeListener('close', onClose)
    }
    const fail = (err: Error): void => {
      if (err instanceof SocksNotSocks5Error && err.proxy === undefined) err = new SocksNotSocks5Error(err.detail, proxy)
      done()
      socket.destroy()
      log('connect to %s via %s failed: %s', redact(handshake.destination), proxy, err.name)
      reject(err)
    }

    const onConnect = (): void => {
      connected = true
      socket.setNoDelay(true)
      socket.write(handshake.start())
      greetingTimer = setTimeout(() => {
        fail(new SocksNotSocks5Error(`it did not answer the greeting within ${greetingTimeoutMs / 1000} s`, proxy))
      }, greetingTimeoutMs)
    }
    // 'readable' + read() rather than 'data': removing the last 'readable'
    // listener leaves the stream paused with its buffer intact, so nothing
    // is emitted (and lost) before the caller attaches its own listener.
    const onReadable = (): void => {
      let chunk: Buffer | null
      while ((chunk = socket.read() as Buffer | null) !== null) {
        let action
        try {
          action = handshake.receive(chunk)
        } catch (err) {
          fail(err as Error)
          return
        }
        // anything but 'wait' means the proxy answered the greeting as SOCKS5 does
        if (action.type !== 'wait') clearTimeout(greetingTimer)
        if (action.type === 'send') {
          socket.write(action.data)
        } else if (action.type === 'connected') {
          done()
          if (action.rest.length > 0) {
            socket.unshift(Buffer.from(action.rest.buffer, action.rest.byteOffset, action.rest.length))
          }
          log('connected to %s via %s', redact(handshake.destination), proxy)
          resolve(socket)
          return
        }
      }
    }
    const onError = (err: NodeJS.ErrnoException): void => {
      fail(connected
        ? new SocksProtocolError(`the connection to tor's SOCKS port ${proxy} failed during the handshake${err.code === undefined ? '' : ` (${err.code})`}: check tor's log and retry`, { cause: err })
        : new SocksProxyUnreachableError(proxy, err.code, { cause: err }))
    }
    const onClose = (): void => {
      fail(new SocksProtocolError(`tor's SOCKS port ${proxy} closed the connection during the handshake: check tor's log and retry`))
    }
    const onAbort = (): void => {
      fail(new AbortError('the SOCKS connect was aborted'))
    }
    const timer = setTimeout(() => {
      fail(new TimeoutError(`SOCKS connect to ${handshake.destination} via ${proxy} timed out after ${timeoutMs} ms: tor may still be building circuits; retry or raise timeoutMs`))
    }, timeoutMs)

    signal?.addEventListener('abort', onAbort, { once: true })
    socket.on('connect', onConnect)
    socket.on('readable', onReadable)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
}
