/**
 * Errors raised by chat (p2p-tor/chat). Each names what happened and what to
 * do next; none carries a key, a plaintext, an inbox id or a depositor's
 * PeerId. Other parts of chat add their own classes below the mailbox block.
 */

// ---- mailbox (src/chat/mailbox.ts, mailbox-store.ts) ----

/** The wire codes a mailbox answers with (mailbox-pb.proto `MailboxStatus`), as strings. */
export type MailboxCode = 'UNKNOWN_INBOX' | 'TOO_LARGE' | 'QUOTA' | 'NOT_OWNER' | 'REFUSED' | 'BAD_REQUEST' | 'INTERNAL' | 'PROTOCOL'

/** The base of every mailbox failure; `code` is the wire code (or PROTOCOL for a malformed answer). */
export class MailboxError extends Error {
  static override name = 'MailboxError'
  readonly code: MailboxCode

  constructor (message: string, code: MailboxCode = 'INTERNAL', options?: ErrorOptions) {
    super(message, options)
    this.name = 'MailboxError'
    this.code = code
  }
}

/** The mailbox has no inbox with this id: the owner never registered it there, or the mailbox lost its store. */
export class MailboxUnknownInboxError extends MailboxError {
  static override name = 'MailboxUnknownInboxError'

  constructor (message = 'the mailbox has no such inbox: ask the contact for a fresh invite (their mailbox may have been reset)', options?: ErrorOptions) {
    super(message, 'UNKNOWN_INBOX', options)
    this.name = 'MailboxUnknownInboxError'
  }
}

/** A blob (or a request frame) is over the mailbox's size cap. */
export class MailboxTooLargeError extends MailboxError {
  static override name = 'MailboxTooLargeError'

  constructor (message = 'the blob is over the mailbox\'s size cap: send something smaller', options?: ErrorOptions) {
    super(message, 'TOO_LARGE', options)
    this.name = 'MailboxTooLargeError'
  }
}

/** The inbox (or the whole mailbox) is full: its blob count or byte quota is reached. */
export class MailboxQuotaError extends MailboxError {
  static override name = 'MailboxQuotaError'

  constructor (message = 'the mailbox is full for this inbox: try again after its owner has fetched, or deliver directly', options?: ErrorOptions) {
    super(message, 'QUOTA', options)
    this.name = 'MailboxQuotaError'
  }
}

/** Fetch or Delete (or Register of a taken inbox) by a PeerId that does not own the inbox. */
export class MailboxNotOwnerError extends MailboxError {
  static override name = 'MailboxNotOwnerError'

  constructor (message = 'this PeerId does not own the inbox: only the identity that registered it may fetch or delete', options?: ErrorOptions) {
    super(message, 'NOT_OWNER', options)
    this.name = 'MailboxNotOwnerError'
  }
}

/** The mailbox refused a registration: this PeerId is not an allowed owner, or it holds as many inboxes as it may. */
export class MailboxRefusedError extends MailboxError {
  static override name = 'MailboxRefusedError'

  constructor (message = 'the mailbox refused the registration: ask its operator to add this PeerId (p2p-tor mailbox --owner)', options?: ErrorOptions) {
    super(message, 'REFUSED', options)
    this.name = 'MailboxRefusedError'
  }
}

// ---- end of mailbox ----

// ---- the client, direct stream and groups (client.ts, direct.ts, groups.ts) ----
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
