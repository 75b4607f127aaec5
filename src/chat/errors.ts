/**
 * Chat's typed errors. Each message says what happened and what to do next.
 */

/** A chat operation that cannot be done as asked (the message says why). */
export class ChatError extends Error {
  static override name = 'ChatError'
  override name = 'ChatError'
}

export class ContactNotFoundError extends ChatError {
  static override name = 'ContactNotFoundError'
  override name = 'ContactNotFoundError'
  readonly contact: string
  constructor (contact: string) {
    super(`no contact named "${contact}": /contacts lists them, /add <invite> adds one`)
    this.contact = contact
  }
}

export class GroupNotFoundError extends ChatError {
  static override name = 'GroupNotFoundError'
  override name = 'GroupNotFoundError'
  constructor (group: string) {
    super(`no group named "${group}": /groups lists them, /group create <name> <contact>... makes one`)
  }
}

/** The other side broke the chat stream's framing. */
export class ChatProtocolError extends ChatError {
  static override name = 'ChatProtocolError'
  override name = 'ChatProtocolError'
}

/** A group message that does not verify or open. */
export class GroupCryptoError extends ChatError {
  static override name = 'GroupCryptoError'
  override name = 'GroupCryptoError'
}
