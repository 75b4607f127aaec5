/**
 * Opening the control connection: TCP or unix socket, with a timeout and an
 * AbortSignal, and one cleanup path for every outcome. (Only the connect:
 * the deadlines of the commands sent over it are the client's.)
 */
import { createConnection, type Socket } from 'node:net'
import type { ControlEndpoint } from './endpoint.js'
import { ControlUnreachableError } from './errors.js'
import { AbortError, TimeoutError } from '@libp2p/interface'

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

export interface ConnectOptions {
  signal?: AbortSignal
  /** @default 10000 */
  timeoutMs?: number
  /** Cap on one reply, in bytes. @default 1048576 */
  maxReplyBytes?: number
  /**
   * The deadline of each command on this connection, unless the call gives
   * its own `timeoutMs`. A command that misses it fails with
   * ControlTimeoutError and the connection is dropped. `Infinity` turns the
   * default deadline off.
   *
   * @default 30000
   */
  commandTimeoutMs?: number
}

/** Resolves with the connected socket, or rejects with ControlUnreachableError (or the abort reason). */
export function openControlSocket (endpoint: ControlEndpoint, name: string, opts: ConnectOptions): Promise<Socket> {
  opts.signal?.throwIfAborted()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const socket = endpoint.type === 'tcp'
    ? createConnection({ host: endpoint.host, port: endpoint.port })
    : createConnection({ path: endpoint.path })
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      socket.off('connect', onConnect)
      socket.off('error', onError)
      if (err == null) {
        resolve(socket)
      } else {
        socket.destroy()
        reject(err)
      }
    }
    const onConnect = (): void => { done() }
    const onError = (err: Error): void => { done(new ControlUnreachableError(name, { cause: err })) }
    const onAbort = (): void => { done(opts.signal?.reason ?? new AbortError()) }
    const timer = setTimeout(() => { done(new ControlUnreachableError(name, { cause: new TimeoutError(`no connection within ${timeoutMs} ms`) })) }, timeoutMs)
    socket.once('connect', onConnect)
    socket.once('error', onError)
    opts.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
