/**
 * Attach mode: use a tor that already runs (system daemon, Tor Browser, a
 * testnet client). We only open a control connection; closing it leaves tor
 * running.
 */
import net from 'node:net'
import { logger } from '@libp2p/logger'
import { ControlClient, formatControlEndpoint, type ControlEndpoint } from '../control/index.js'
import { DEFAULT_CONTROL_ENDPOINTS, DEFAULT_SOCKS_ENDPOINTS, formatSocksEndpoint, parseSocksListeners, toControlEndpoint, toSocksEndpoint, type SocksEndpoint } from './endpoints.js'
import { TorNotFoundError } from './errors.js'
import { createHandle, type TorHandle } from './handle.js'

const log = logger('libp2p:tor:attach')

/** How long one candidate endpoint may take to answer before the next is tried. */
const PROBE_TIMEOUT_MS = 3000

/**
 * The deadline of each command while attaching (PROTOCOLINFO, AUTHCHALLENGE,
 * AUTHENTICATE, GETINFO net/listeners/socks). tor answers them at once, so a
 * port that stays silent this long is not a working tor ControlPort.
 */
export const ATTACH_COMMAND_TIMEOUT_MS = 10_000

export interface AttachOptions {
  /** The control endpoint ('host:port', 'port', 'unix:/path' or an object). Default: try /run/tor/control, 127.0.0.1:9051, 127.0.0.1:9151. */
  control?: string | ControlEndpoint
  /** The SOCKS endpoint. Default: ask tor (GETINFO net/listeners/socks), else try 127.0.0.1:9050, 127.0.0.1:9150. */
  socks?: string | SocksEndpoint
  /** For HashedControlPassword. */
  password?: string
  /** Overrides the cookie path tor reports in PROTOCOLINFO. */
  cookieFile?: string
  /** Aborts connecting and authenticating at once, even while tor does not answer. */
  signal?: AbortSignal
  /** The deadline of each command while attaching (see ATTACH_COMMAND_TIMEOUT_MS). @default 10000 */
  commandTimeoutMs?: number
}

/** An authenticated control connection to tor: the given endpoint or the first default one that answers. */
export async function connectControl (opts: AttachOptions): Promise<{ client: ControlClient, endpoint: ControlEndpoint, method: string }> {
  const candidates = opts.control != null ? [toControlEndpoint(opts.control)] : DEFAULT_CONTROL_ENDPOINTS
  const tried: string[] = []
  for (const endpoint of candidates) {
    opts.signal?.throwIfAborted()
    tried.push(formatControlEndpoint(endpoint))
    let client: ControlClient
    try {
      client = await ControlClient.connect(endpoint, { signal: opts.signal, timeoutMs: PROBE_TIMEOUT_MS })
    } catch (err: any) {
      if (err?.name !== 'ControlUnreachableError') throw err
      log('no tor control at %s: %s', formatControlEndpoint(endpoint), err.message)
      continue
    }
    try {
      const { method } = await client.authenticate({
        password: opts.password,
        cookieFile: opts.cookieFile,
        signal: opts.signal,
        timeoutMs: opts.commandTimeoutMs ?? ATTACH_COMMAND_TIMEOUT_MS
      })
      return { client, endpoint, method }
    } catch (err) {
      await client.close()
      throw err
    }
  }
  throw new TorNotFoundError('control', tried)
}

async function canConnect (e: SocksEndpoint, signal?: AbortSignal): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: e.host, port: e.port, signal })
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(PROBE_TIMEOUT_MS, () => { done(false) })
    socket.once('connect', () => { done(true) })
    socket.once('error', () => { done(false) })
  })
}

/** The SOCKS endpoint to use: as configured, as tor reports it, or a default port that accepts connections. */
export async function findSocks (client: ControlClient, opts: { socks?: string | SocksEndpoint, signal?: AbortSignal, commandTimeoutMs?: number }): Promise<SocksEndpoint> {
  if (opts.socks != null) return toSocksEndpoint(opts.socks)
  const tried = ['GETINFO net/listeners/socks']
  try {
    const info = await client.getInfo(['net/listeners/socks'], { signal: opts.signal, timeoutMs: opts.commandTimeoutMs ?? ATTACH_COMMAND_TIMEOUT_MS })
    const reported = parseSocksListeners(info['net/listeners/socks'] ?? '')
    if (reported.length > 0) return reported[0]
  } catch (err: any) {
    // a timeout or abort dropped the connection: nothing more can be asked of this tor
    if (client.closed) throw err
    log('GETINFO net/listeners/socks failed: %s', err?.message)
  }
  for (const e of DEFAULT_SOCKS_ENDPOINTS) {
    tried.push(formatSocksEndpoint(e))
    if (await canConnect(e, opts.signal)) return e
  }
  throw new TorNotFoundError('socks', tried, 'tor reports no SocksPort')
}

/** Attach to a running tor. Throws TorNotFoundError listing what was tried. */
export async function attachTor (opts: AttachOptions = {}): Promise<TorHandle> {
  const { client, endpoint, method } = await connectControl(opts)
  try {
    const socks = await findSocks(client, opts)
    return createHandle({
      mode: 'attach',
      socks,
      control: client,
      controlEndpoint: endpoint,
      authMethod: method,
      description: `attached to tor: control ${formatControlEndpoint(endpoint)} (${method}), socks ${formatSocksEndpoint(socks)}`
    })
  } catch (err) {
    await client.close()
    throw err
  }
}
