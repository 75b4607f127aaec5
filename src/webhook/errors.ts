/**
 * Errors the webhook relay and builder raise themselves. Messaging's errors
 * (HubUnavailableError, NotAuthorizedError, ProtocolError, ...) pass through
 * unchanged.
 */

/** The builder's state file in its data directory cannot be read, parsed or written. */
export class WebhookStateError extends Error {
  static override name = 'WebhookStateError'
  /** The state file. */
  readonly path: string

  constructor (path: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'WebhookStateError'
    this.path = path
  }
}
