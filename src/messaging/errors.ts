/**
 * Errors raised by messaging (the hub, members, the realm, routed RPC).
 * Each names what happened and what to do next. The session protocol carries
 * them as a `Failure { code, message, uri, action, holder }` (wire-pb.proto);
 * `failureOf()` and `errorOf()` translate both ways, so a member sees the same
 * class the hub raised. Never put a stack trace or payload bytes in a message.
 */

/** The actions a realm grants per URI. */
export type Action = 'publish' | 'subscribe' | 'call' | 'register'

/** The realm file is missing, unreadable, not JSON, or fails the schema. */
export class RealmError extends Error {
  static override name = 'RealmError'
  /** The file, when the realm came from one. */
  readonly source?: string
  /** The field path that failed, e.g. `roles[1].permissions[0].match`. */
  readonly field?: string

  constructor (message: string, init: { source?: string, field?: string } = {}, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RealmError'
    this.source = init.source
    this.field = init.field
  }
}

/** A URI or topic that is not a valid dotted URI (empty, too long, bad characters). */
export class InvalidUriError extends Error {
  static override name = 'InvalidUriError'
  readonly uri: string

  constructor (uri: string, why: string) {
    super(`invalid URI ${JSON.stringify(uri.slice(0, 80))}: ${why}`)
    this.name = 'InvalidUriError'
    this.uri = uri
  }
}

/** The realm does not grant this peer `action` on `uri`. */
export class NotAuthorizedError extends Error {
  static override name = 'NotAuthorizedError'
  readonly uri: string
  readonly action: Action

  constructor (uri: string, action: Action, message?: string) {
    super(message ?? `not authorized to ${action} on ${uri}: no role in the hub's realm grants this peer "${action}" on this URI; ask the hub's operator to add it`)
    this.name = 'NotAuthorizedError'
    this.uri = uri
    this.action = action
  }
}

/** A call named a URI that no member has registered (at this hub). */
export class NoSuchProcedureError extends Error {
  static override name = 'NoSuchProcedureError'
  readonly uri: string

  constructor (uri: string, message?: string) {
    super(message ?? `no procedure is registered for ${uri}: start the callee (p2p-tor register ${uri} -- ...) and call again`)
    this.name = 'NoSuchProcedureError'
    this.uri = uri
  }
}

/** A second registration of a URI that another peer already holds. */
export class ProcedureAlreadyRegisteredError extends Error {
  static override name = 'ProcedureAlreadyRegisteredError'
  readonly uri: string
  readonly holder: string

  constructor (uri: string, holder: string, message?: string) {
    super(message ?? `${uri} is already registered by ${holder}: unregister it there first, or register another URI`)
    this.name = 'ProcedureAlreadyRegisteredError'
    this.uri = uri
    this.holder = holder
  }
}

/**
 * The callee's handler failed (or the call could not complete). Carries the
 * URI and the handler's one-line message, never its stack.
 * `code` is the wire code: CALLEE_ERROR, CALLEE_GONE, TOO_MANY_CALLS, TOO_LARGE, ...
 */
export class RpcError extends Error {
  static override name = 'RpcError'
  readonly uri: string
  readonly code: string

  constructor (uri: string, message: string, code = 'CALLEE_ERROR') {
    super(message)
    this.name = 'RpcError'
    this.uri = uri
    this.code = code
  }
}

/** The member has no session with any hub right now (and was not asked to wait). */
export class HubUnavailableError extends Error {
  static override name = 'HubUnavailableError'

  constructor (message = 'not connected to the hub: it may be restarting, or tor may be down; retry, or pass wait: true (--wait) to wait for the connection', options?: ErrorOptions) {
    super(message, options)
    this.name = 'HubUnavailableError'
  }
}

/** A session frame broke the protocol (bad frame, unknown id, over the size cap). */
export class ProtocolError extends Error {
  static override name = 'ProtocolError'

  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ProtocolError'
  }
}

/**
 * The hub's history store cannot be used: another process holds it, it is
 * from an unknown format version, or a stored record is damaged.
 */
export class HistoryStoreError extends Error {
  static override name = 'HistoryStoreError'
  /** The store's directory. */
  readonly dir: string

  constructor (dir: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'HistoryStoreError'
    this.dir = dir
  }
}
