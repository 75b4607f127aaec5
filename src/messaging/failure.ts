/**
 * Typed errors <-> the session protocol's `Failure { code, message, uri,
 * action, holder }` (wire-pb.proto). A member sees the same class the hub (or the
 * callee) raised. Messages cross the wire as ONE line, capped, so no stack
 * trace or multi-line dump ever leaves the process that threw.
 */
import { AbortError, TimeoutError } from '@libp2p/interface'
import {
  HubUnavailableError,
  InvalidUriError,
  NoSuchProcedureError,
  NotAuthorizedError,
  ProcedureAlreadyRegisteredError,
  RpcError
} from './errors.js'
import type { Action } from './errors.js'
import type { Failure } from './wire-pb.js'

/** The stable machine codes a Failure carries (wire-pb.proto lists them too). */
export const FailureCode = {
  NOT_AUTHORIZED: 'NOT_AUTHORIZED',
  NO_SUCH_PROCEDURE: 'NO_SUCH_PROCEDURE',
  ALREADY_REGISTERED: 'ALREADY_REGISTERED',
  CALLEE_ERROR: 'CALLEE_ERROR',
  TIMEOUT: 'TIMEOUT',
  CANCELED: 'CANCELED',
  CALLEE_GONE: 'CALLEE_GONE',
  TOO_MANY_CALLS: 'TOO_MANY_CALLS',
  TOO_LARGE: 'TOO_LARGE',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** Anything the hub did not expect: a bug or a resource failure on its side. */
  INTERNAL: 'INTERNAL'
} as const

/** How many characters of a message may cross the wire. */
export const MAX_FAILURE_MESSAGE = 500

const ACTIONS: readonly string[] = ['publish', 'subscribe', 'call', 'register']

/**
 * The first line of `message`, capped at MAX_FAILURE_MESSAGE characters.
 * A stack trace starts on the second line of `err.stack`, and handlers that
 * put one into `message` put it after a newline, so this drops it either way.
 */
export function oneLine (message: string): string {
  const first = message.split(/\r\n|\r|\n/, 1)[0] ?? ''
  return first.length > MAX_FAILURE_MESSAGE ? first.slice(0, MAX_FAILURE_MESSAGE - 1) + '…' : first
}

function nameOf (err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined
}

/** Turns a thrown value into the Failure to send. Never includes a stack. */
export function failureOf (err: unknown): Failure {
  if (err instanceof NotAuthorizedError) {
    return { code: FailureCode.NOT_AUTHORIZED, message: oneLine(err.message), uri: err.uri, action: err.action }
  }
  if (err instanceof NoSuchProcedureError) {
    return { code: FailureCode.NO_SUCH_PROCEDURE, message: oneLine(err.message), uri: err.uri }
  }
  if (err instanceof ProcedureAlreadyRegisteredError) {
    return { code: FailureCode.ALREADY_REGISTERED, message: oneLine(err.message), uri: err.uri, holder: err.holder }
  }
  if (err instanceof RpcError) {
    return { code: err.code, message: oneLine(err.message), uri: err.uri === '' ? undefined : err.uri }
  }
  if (err instanceof InvalidUriError) {
    return { code: FailureCode.BAD_REQUEST, message: oneLine(err.message), uri: err.uri }
  }
  if (err instanceof HubUnavailableError) {
    return { code: FailureCode.NOT_CONNECTED, message: oneLine(err.message) }
  }
  // matched by name, as libp2p does, so a copy of @libp2p/interface elsewhere in the tree still maps
  const name = nameOf(err)
  if (name === 'TimeoutError') {
    return { code: FailureCode.TIMEOUT, message: oneLine((err as Error).message) }
  }
  if (name === 'AbortError') {
    return { code: FailureCode.CANCELED, message: oneLine((err as Error).message) }
  }
  if (err instanceof Error) {
    return { code: FailureCode.INTERNAL, message: oneLine(`${err.name}: ${err.message}`) }
  }
  // a thrown string, number or buffer: do not echo it, it may be payload
  return { code: FailureCode.INTERNAL, message: 'the handler threw a value that is not an Error' }
}

/**
 * Turns a received Failure back into the class that raised it. Unknown codes
 * (from a newer peer) become an RpcError carrying the code. The message is cut
 * to one line again: the sender may not be this code.
 */
export function errorOf (f: Failure): Error {
  const message = oneLine(f.message)
  const uri = f.uri ?? ''
  switch (f.code) {
    case FailureCode.NOT_AUTHORIZED: {
      // an action outside the four is not guessed at: the code still says what happened
      if (!ACTIONS.includes(f.action ?? '')) return new RpcError(uri, message, FailureCode.NOT_AUTHORIZED)
      return new NotAuthorizedError(uri, f.action as Action, message)
    }
    case FailureCode.NO_SUCH_PROCEDURE:
      return new NoSuchProcedureError(uri, message)
    case FailureCode.ALREADY_REGISTERED:
      return new ProcedureAlreadyRegisteredError(uri, f.holder ?? '', message)
    case FailureCode.TIMEOUT:
      return new TimeoutError(message)
    case FailureCode.CANCELED:
      return new AbortError(message)
    case FailureCode.NOT_CONNECTED:
      return new HubUnavailableError(message)
    case FailureCode.BAD_REQUEST:
      if (f.uri != null) {
        const err = new InvalidUriError(f.uri, '')
        err.message = message
        return err
      }
      return new RpcError('', message, FailureCode.BAD_REQUEST)
    default:
      return new RpcError(uri, message, f.code === '' ? FailureCode.INTERNAL : f.code)
  }
}
